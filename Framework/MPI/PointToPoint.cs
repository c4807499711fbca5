using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// Blocking point-to-point communication. Two paths share the same names: unmanaged values, arrays and spans go
/// as raw memory (zero-copy); every other type is serialized and travels as a header message plus, when large, a
/// payload (see <c>SerializedMessages.cs</c>). A raw array of unknown length is received with a matched probe, so
/// any-source/any-tag receives report the true sender and tag. While nonblocking receives wait for this process to
/// advance them, blocking calls poll and advance them (see <see cref="PendingReceives"/>).
/// </summary>
public abstract unsafe partial class Communicator
{
    // The status of the last raw blocking receive, handed out again while MPI reports the same one (see CompletedStatus.Reuse).
    private CompletedStatus? _lastStatus;

    /// <summary>
    /// Sends one value to <paramref name="dest"/>, returning once the value may be reused: an unmanaged value or
    /// array goes as raw memory (MPI_Send of <c>count</c> elements), any other value is serialized (see
    /// <see cref="Serialization"/>). A send to this rank itself is buffered, so it does not wait for the receive.
    /// </summary>
    /// <exception cref="MessagePack.MessagePackSerializationException">The default serializer cannot write <typeparamref name="T"/>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is a null array of unmanaged elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dest"/> is not a rank this communicator addresses (0 to <see cref="Size"/> - 1; the remote group's size on an intercommunicator), or <paramref name="tag"/> is outside 0 to <see cref="Environment.MaxTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void Send<T>(T value, int dest, int tag)
    {
        ValidateDestination(dest);
        ValidateTag(tag, allowAny: false);
        switch (Wire<T>.Kind)
        {
            case WireKind.Raw:
                SendBlocking(Unsafe.AsPointer(ref value), 1, DatatypeOf<T>.Handle, dest, tag);
                break;
            case WireKind.RawArray:
                ArgumentNullException.ThrowIfNull(value);
                SendRawArray((Array)(object)value, dest, tag);
                break;
            default:
                SendSerialized(value, dest, tag);
                break;
        }
    }

    /// <summary>
    /// Sends an array to <paramref name="dest"/> (MPI_Send of the elements as raw memory for unmanaged types; otherwise
    /// a serialized header and payload); receive it with an array or span of the same type.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dest"/> is not a rank this communicator addresses (0 to <see cref="Size"/> - 1; the remote group's size on an intercommunicator), or <paramref name="tag"/> is outside 0 to <see cref="Environment.MaxTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void Send<T>(T[] values, int dest, int tag)
    {
        ArgumentNullException.ThrowIfNull(values);
        Send<T[]>(values, dest, tag);
    }

    /// <summary>Sends the elements of a span as raw memory (MPI_Send of <c>values.Length</c> elements), without copying.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dest"/> is not a rank this communicator addresses (0 to <see cref="Size"/> - 1; the remote group's size on an intercommunicator), or <paramref name="tag"/> is outside 0 to <see cref="Environment.MaxTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void Send<T>(ReadOnlySpan<T> values, int dest, int tag) where T : unmanaged
    {
        ValidateDestination(dest);
        ValidateTag(tag, allowAny: false);
        fixed (T* p = values)
            SendBlocking(p, values.Length, DatatypeOf<T>.Handle, dest, tag);
    }

    /// <summary>
    /// Receives one value (MPI_Recv for an unmanaged value; a matched probe, MPI_Mprobe and MPI_Mrecv, for a raw
    /// array of unknown length; the serialized path otherwise), blocking until it has arrived.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="anyTag"/>.</exception>
    /// <exception cref="MessageTruncatedException">The message holds more than one unmanaged value.</exception>
    /// <exception cref="MessageTypeMismatchException">The message was serialized from a type that cannot be read as <typeparamref name="T"/>, or was sent as raw values of another type.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public T Receive<T>(int source, int tag)
    {
        // No status wanted: an unmanaged value is received as C code would, with MPI_STATUS_IGNORE.
        if (Wire<T>.Kind == WireKind.Raw)
            return ReceiveValue<T>(source, tag, (StatusBuffer*)Mpi.Abi.StatusIgnore);
        Receive(source, tag, out T value, out _);
        return value;
    }

    /// <inheritdoc cref="Receive{T}(int, int)"/>
    public void Receive<T>(int source, int tag, out T value) => value = Receive<T>(source, tag);

    /// <summary>Receives one value, as <see cref="Receive{T}(int, int)"/>, and the status of its message (its true source and tag).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="anyTag"/>.</exception>
    /// <exception cref="MessageTruncatedException">The message holds more than one unmanaged value.</exception>
    /// <exception cref="MessageTypeMismatchException">The message was serialized from a type that cannot be read as <typeparamref name="T"/>, or was sent as raw values of another type.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void Receive<T>(int source, int tag, out T value, out CompletedStatus status)
    {
        if (Wire<T>.Kind == WireKind.Raw)
        {
            StatusBuffer native = default;
            value = ReceiveValue<T>(source, tag, &native);
            status = CompletedStatus.Reuse(ref _lastStatus, native, DatatypeOf<T>.Handle);
            return;
        }
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        switch (Wire<T>.Kind)
        {
            case WireKind.RawArray:
                value = ReceiveUnsized<T>(source, tag, out status);
                break;
            default:
                value = ReceiveSerialized<T>(source, tag, out status);
                break;
        }
    }

    /// <summary>
    /// Receives an array. For unmanaged element types the message is written into the caller's array when one is
    /// given (a longer message throws <see cref="MessageTruncatedException"/>) or into a new array of the message's
    /// length; for other types the array is replaced by the received one. <paramref name="values"/> is never null
    /// on return.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="anyTag"/>.</exception>
    /// <exception cref="MessageTruncatedException">The message holds more elements than <paramref name="values"/> (unmanaged elements).</exception>
    /// <exception cref="MessageTypeMismatchException">The message was serialized from a type that cannot be read as <typeparamref name="T"/>, or was sent as raw values of another type.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void Receive<T>(int source, int tag, [NotNull] ref T[]? values)
    {
        if (Wire<T>.Kind == WireKind.Raw && values is not null)
            ReceiveInto(source, tag, values.AsSpan(), DatatypeOf<T>.Handle, (StatusBuffer*)Mpi.Abi.StatusIgnore);
        else
            Receive(source, tag, ref values, out _);
    }

    /// <inheritdoc cref="Receive{T}(int, int, ref T[])"/>
    public void Receive<T>(int source, int tag, [NotNull] ref T[]? values, out CompletedStatus status)
    {
        if (Wire<T>.Kind == WireKind.Raw && values is not null)
        {
            status = Receive(source, tag, values.AsSpan(), DatatypeOf<T>.Handle);
            return;
        }
        Receive<T[]>(source, tag, out values, out status);
    }

    /// <summary>
    /// Receives raw elements into a span (MPI_Recv of up to <c>values.Length</c> elements), without copying; returns
    /// the status, whose <see cref="CompletedStatus.Count"/> is the number of elements that arrived.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="anyTag"/>.</exception>
    /// <exception cref="MessageTruncatedException">The message holds more elements than <paramref name="values"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public CompletedStatus Receive<T>(int source, int tag, Span<T> values) where T : unmanaged =>
        Receive(source, tag, values, DatatypeOf<T>.Handle);

    /// <summary>Sends a value to <paramref name="dest"/> and receives one from it, with the same tag (MPI_Sendrecv for unmanaged values).</summary>
    /// <inheritdoc cref="SendReceive{T}(T, int, int, int, int, out T, out CompletedStatus)" path="/exception"/>
    public void SendReceive<T>(T inValue, int dest, int tag, out T outValue) =>
        SendReceive(inValue, dest, tag, dest, tag, out outValue, out _);

    /// <summary>
    /// Sends a value to <paramref name="dest"/> while receiving one from <paramref name="source"/> (MPI_Sendrecv for
    /// unmanaged values; otherwise a nonblocking send around a blocking receive): neither side can deadlock the
    /// other, whatever the message sizes.
    /// </summary>
    /// <inheritdoc cref="SendReceive{T}(T, int, int, int, int, out T, out CompletedStatus)" path="/exception"/>
    public void SendReceive<T>(T inValue, int dest, int sendTag, int source, int recvTag, out T outValue) =>
        SendReceive(inValue, dest, sendTag, source, recvTag, out outValue, out _);

    /// <inheritdoc cref="SendReceive{T}(T, int, int, int, int, out T)"/>
    /// <exception cref="ArgumentNullException"><paramref name="inValue"/> is a null array of unmanaged elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dest"/> or <paramref name="source"/> is not a rank this communicator addresses (<paramref name="source"/> may be <see cref="anySource"/>), or a tag is out of range (<paramref name="recvTag"/> may be <see cref="anyTag"/>).</exception>
    /// <exception cref="MessageTruncatedException">The received message holds more than one unmanaged value.</exception>
    /// <exception cref="MessageTypeMismatchException">The message was serialized from a type that cannot be read as <typeparamref name="T"/>, or was sent as raw values of another type.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void SendReceive<T>(T inValue, int dest, int sendTag, int source, int recvTag, out T outValue,
        out CompletedStatus status)
    {
        if (Wire<T>.Kind == WireKind.RawArray)
            ArgumentNullException.ThrowIfNull(inValue);
        ValidateDestination(dest);
        ValidateTag(sendTag, allowAny: false);
        ValidateSource(source);
        ValidateTag(recvTag, allowAny: true);
        if (Wire<T>.Kind == WireKind.Raw && CanSendrecv(dest, source, recvTag))
        {
            T received = default!;
            StatusBuffer native = default;
            var datatype = DatatypeOf<T>.Handle;
            int code = Mpi.Sendrecv(Unsafe.AsPointer(ref inValue), 1, datatype, Ranks.ToNative(dest), sendTag,
                Unsafe.AsPointer(ref received), 1, datatype, Ranks.ToNative(source), Ranks.TagToNative(recvTag),
                LiveHandle, &native);
            if (code != 0)
                throw ErrorTranslation.ForReceive(code, Ranks.ToNative(source), Ranks.TagToNative(recvTag), 1, datatype, &native);
            outValue = received;
            status = CompletedStatus.Reuse(ref _lastStatus, native, datatype);
            return;
        }
        T result = default!;
        CompletedStatus? completed = null;
        SendWhile(inValue, dest, sendTag, () => Receive(source, recvTag, out result, out completed));
        outValue = result;
        status = completed!;
    }

    /// <summary>Sends an array to <paramref name="dest"/> and receives one from it, with the same tag (MPI_Sendrecv for unmanaged elements).</summary>
    /// <inheritdoc cref="SendReceive{T}(T[], int, int, int, int, ref T[], out CompletedStatus)" path="/exception"/>
    public void SendReceive<T>(T[] inValues, int dest, int tag, [NotNull] ref T[]? outValues) =>
        SendReceive(inValues, dest, tag, dest, tag, ref outValues, out _);

    /// <summary>
    /// Sends an array to <paramref name="dest"/> while receiving one from <paramref name="source"/> (MPI_Sendrecv for
    /// unmanaged elements into the given <paramref name="outValues"/>; otherwise into a new array of the message's
    /// length, as <see cref="Receive{T}(int, int, ref T[])"/>).
    /// </summary>
    /// <inheritdoc cref="SendReceive{T}(T[], int, int, int, int, ref T[], out CompletedStatus)" path="/exception"/>
    public void SendReceive<T>(T[] inValues, int dest, int sendTag, int source, int recvTag, [NotNull] ref T[]? outValues) =>
        SendReceive(inValues, dest, sendTag, source, recvTag, ref outValues, out _);

    /// <inheritdoc cref="SendReceive{T}(T[], int, int, int, int, ref T[])"/>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dest"/> or <paramref name="source"/> is not a rank this communicator addresses (<paramref name="source"/> may be <see cref="anySource"/>), or a tag is out of range (<paramref name="recvTag"/> may be <see cref="anyTag"/>).</exception>
    /// <exception cref="MessageTruncatedException">The received message holds more elements than <paramref name="outValues"/> (unmanaged elements).</exception>
    /// <exception cref="MessageTypeMismatchException">The message was serialized from a type that cannot be read as <typeparamref name="T"/>, or was sent as raw values of another type.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void SendReceive<T>(T[] inValues, int dest, int sendTag, int source, int recvTag, [NotNull] ref T[]? outValues,
        out CompletedStatus status)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ValidateDestination(dest);
        ValidateTag(sendTag, allowAny: false);
        ValidateSource(source);
        ValidateTag(recvTag, allowAny: true);
        if (Wire<T>.Kind == WireKind.Raw && outValues is not null && CanSendrecv(dest, source, recvTag))
        {
            StatusBuffer native = default;
            var datatype = DatatypeOf<T>.Handle;
            fixed (byte* send = &Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(inValues)))
            fixed (byte* receive = &Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(outValues)))
            {
                int code = Mpi.Sendrecv(send, inValues.Length, datatype, Ranks.ToNative(dest), sendTag,
                    receive, outValues.Length, datatype, Ranks.ToNative(source), Ranks.TagToNative(recvTag),
                    LiveHandle, &native);
                if (code != 0)
                {
                    throw ErrorTranslation.ForReceive(code, Ranks.ToNative(source), Ranks.TagToNative(recvTag),
                        outValues.Length, datatype, &native);
                }
            }
            status = CompletedStatus.Reuse(ref _lastStatus, native, datatype);
            return;
        }
        T[] result = outValues!;
        CompletedStatus? completed = null;
        SendWhile(inValues, dest, sendTag, () => Receive(source, recvTag, ref result, out completed));
        outValues = result;
        status = completed!;
    }

    /// <summary>
    /// Blocks until a message from <paramref name="source"/> with <paramref name="tag"/> can be received (MPI_Probe),
    /// without receiving it; the status tells its true source, tag and size.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="anyTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public Status Probe(int source, int tag)
    {
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        StatusBuffer native = default;
        PendingReceives.Probe(Ranks.ToNative(source), Ranks.TagToNative(tag), LiveHandle, &native);
        return new Status(native);
    }

    /// <summary>The status of a matching message if one can be received now; null otherwise (MPI_Iprobe). Does not block.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="anyTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public Status? ImmediateProbe(int source, int tag)
    {
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        StatusBuffer native = default;
        int flag = 0;
        PendingReceives.Advance();
        Mpi.Check(Mpi.Iprobe(Ranks.ToNative(source), Ranks.TagToNative(tag), LiveHandle, &flag, &native));
        return flag != 0 ? new Status(native) : null;
    }

    private CompletedStatus Receive<T>(int source, int tag, Span<T> values, nint datatype)
    {
        StatusBuffer native = default;
        ReceiveInto(source, tag, values, datatype, &native);
        RejectSerialized(BytesOf(values), native, typeof(T[]));
        return CompletedStatus.Reuse(ref _lastStatus, native, datatype);
    }

    /// <summary>Every blocking receive of raw elements ends here; <paramref name="status"/> may be MPI_STATUS_IGNORE.</summary>
    private void ReceiveInto<T>(int source, int tag, Span<T> values, nint datatype, StatusBuffer* status)
    {
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        fixed (byte* p = &Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(values)))
        {
            PendingReceives.Receive(p, values.Length, datatype, Ranks.ToNative(source), Ranks.TagToNative(tag),
                LiveHandle, status);
        }
    }

    /// <summary>Receives one unmanaged value; <paramref name="status"/> may be MPI_STATUS_IGNORE.</summary>
    private T ReceiveValue<T>(int source, int tag, StatusBuffer* status)
    {
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        T received = default!;
        PendingReceives.Receive(Unsafe.AsPointer(ref received), 1, DatatypeOf<T>.Handle, Ranks.ToNative(source),
            Ranks.TagToNative(tag), LiveHandle, status);
        return received;
    }

    private void SendRawArray(Array values, int dest, int tag)
    {
        var datatype = Datatypes.For(values.GetType().GetElementType()!);
        fixed (void* p = &MemoryMarshal.GetArrayDataReference(values))
            SendBlocking(p, values.Length, datatype, dest, tag);
    }

    private void SendBlocking(void* data, int count, nint datatype, int dest, int tag) =>
        SendBlocking(data, count, datatype, dest, tag, LiveHandle);

    /// <summary>Every blocking send ends here; a send to this rank itself is buffered (see <see cref="SelfSends"/>).</summary>
    private void SendBlocking(void* data, int count, nint datatype, int dest, int tag, nint comm)
    {
        if (AddressesSelf(dest))
            SelfSends.Send(data, count, datatype, tag, Ranks.ToNative(dest), comm);
        else
            PendingReceives.Send(data, count, datatype, Ranks.ToNative(dest), tag, comm);
    }

    /// <summary>
    /// Starts a nonblocking send of <paramref name="value"/>, runs <paramref name="receive"/>, then completes the
    /// send: the exchange cannot deadlock however large either message is.
    /// </summary>
    private void SendWhile<T>(T value, int dest, int tag, Action receive)
    {
        if (AddressesSelf(dest))
        {
            // Completing a nonblocking send to self needs its receive; a blocking send to self is buffered instead.
            Send(value, dest, tag);
            receive();
            return;
        }
        if (Wire<T>.Kind == WireKind.Raw)
        {
            SendRawWhile(Unsafe.AsPointer(ref value), 1, DatatypeOf<T>.Handle, dest, tag, receive);
            return;
        }
        if (Wire<T>.Kind == WireKind.Serialized)
        {
            var operations = PostSerialized(value, dest, tag);
            try
            {
                receive();
            }
            finally
            {
                // As a blocking send: the header completes here, the payload goes on without this call.
                CompleteHeader(operations);
            }
            return;
        }
        var array = (Array)(object)value!;
        fixed (byte* p = &MemoryMarshal.GetArrayDataReference(array))
            SendRawWhile(p, array.Length, Datatypes.For(array.GetType().GetElementType()!), dest, tag, receive);
    }

    private void SendRawWhile(void* data, int count, nint datatype, int dest, int tag, Action receive)
    {
        long request = 0;
        Mpi.Check(Mpi.Isend(data, count, datatype, Ranks.ToNative(dest), tag, LiveHandle, &request));
        try
        {
            receive();
        }
        finally
        {
            PendingReceives.Wait(&request, (void*)Mpi.Abi.StatusIgnore);
        }
    }

    /// <summary>
    /// Whether an exchange can be handed to MPI_Sendrecv: not when its send goes to this rank itself (MPICH in a
    /// one-process world waits in MPI_Sendrecv forever unless the receive takes that very message), nor when its
    /// receive must wait for an earlier probed receive (see <see cref="PendingReceives"/>).
    /// </summary>
    private bool CanSendrecv(int dest, int source, int recvTag) =>
        !AddressesSelf(dest) &&
        !PendingReceives.MustWaitItsTurn(LiveHandle, Ranks.ToNative(source), Ranks.TagToNative(recvTag));

    /// <summary>
    /// Receives a message of unknown length as a <typeparamref name="T"/> (a raw array or a serialized value):
    /// a matched probe, then a receive of exactly that message, so any-source/any-tag report the true sender.
    /// </summary>
    private T ReceiveUnsized<T>(int source, int tag, out CompletedStatus status)
    {
        long message = 0;
        StatusBuffer probed = default;
        PendingReceives.MatchedProbe(Ranks.ToNative(source), Ranks.TagToNative(tag), LiveHandle, &message, &probed);
        return ReceiveProbed<T>(message, probed, out status);
    }

    /// <summary>
    /// Receives the raw array a matched probe (blocking or not) found, into a new array of its length.
    /// </summary>
    /// <exception cref="MessageTypeMismatchException">The message is a serialized value, or not a whole number of elements.</exception>
    internal T ReceiveProbed<T>(long message, StatusBuffer probed, out CompletedStatus status)
    {
        var datatype = RawArrayOf<T>.Datatype;
        int count = CountOf(probed, datatype);
        int bytes = CountOf(probed, Mpi.Abi.Datatypes.Byte);
        if ((long)count * RawArrayOf<T>.ElementSize != bytes)
        {
            // The matched message must be received all the same; then it is examined for what it was.
            var whole = GC.AllocateUninitializedArray<byte>(bytes);
            fixed (byte* p = whole)
                Mpi.Check(Mpi.Mrecv(p, bytes, Mpi.Abi.Datatypes.Byte, &message, &probed));
            RejectSerialized(whole, probed, typeof(T));
            throw new MessageTypeMismatchException(
                $"The message from rank {Ranks.FromNative(probed.Source)} with tag {Ranks.TagFromNative(probed.Tag)} " +
                $"holds {bytes} bytes, not a whole number of {typeof(T).GetElementType()} ({RawArrayOf<T>.ElementSize} " +
                $"bytes each), so it cannot be received as {typeof(T)}: it was sent as values of another type.");
        }
        var values = RawArrayOf<T>.Allocate(count);
        fixed (byte* p = &MemoryMarshal.GetArrayDataReference(values))
        {
            Mpi.Check(Mpi.Mrecv(p, count, datatype, &message, &probed));
            RejectSerialized(new ReadOnlySpan<byte>(p, bytes), probed, typeof(T));
        }
        status = new CompletedStatus(probed, count);
        return (T)(object)values;
    }

    /// <summary>The memory of raw elements (unmanaged <typeparamref name="T"/>, which the compiler cannot see here), as bytes.</summary>
    internal static ReadOnlySpan<byte> BytesOf<T>(Span<T> values) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(values)),
            values.Length * Unsafe.SizeOf<T>());

    /// <summary>
    /// Throws when raw values just received (<paramref name="received"/>, the receive buffer) are a serialized
    /// value's header, that is a value sent as an object and received as raw values; its payload, if it has one, is
    /// received and dropped first, so that the sender's payload sends complete instead of holding its finalize.
    /// </summary>
    /// <exception cref="MessageTypeMismatchException">The message is a serialized value's header.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the test is every raw receive's; the rest is rare
    internal void RejectSerialized(ReadOnlySpan<byte> received, in StatusBuffer native, Type expected)
    {
        if (SerializedMessages.HasMarker(received, received.Length))
            RejectHeader(received, native, expected);
    }

    private void RejectHeader(ReadOnlySpan<byte> received, in StatusBuffer native, Type expected)
    {
        int count = CountOf(native, Mpi.Abi.Datatypes.Byte);
        if (!SerializedMessages.TryParse(received, count, out var header))
            return;
        IncomingPayload? payload = header.Text ? new IncomingText(header.Length)
            : header.Length > SerializedMessages.HeaderCapacity ? new IncomingFrame(received[..count], header.Length)
            : null;
        if (payload is not null)
        {
            foreach (var operation in payload.PostPayload(native.Source, header.PayloadTag, ShadowHandle))
                operation.Complete(block: true, out _);
        }
        throw new MessageTypeMismatchException(
            $"The message from rank {Ranks.FromNative(native.Source)} with tag {Ranks.TagFromNative(native.Tag)} holds " +
            $"a serialized {(header.Text ? "string" : "value")} (sent as an object), so it cannot be received as raw " +
            $"values ({expected}); receive it as the type it was sent as.");
    }

    private static int CountOf(in StatusBuffer native, nint datatype)
    {
        int count = 0;
        var copy = native;
        Mpi.Check(Mpi.Get_count(&copy, datatype, &count));
        return count == Mpi.Abi.Undefined ? 0 : count;
    }
}

/// <summary>The element datatype and an allocator of a raw array type.</summary>
internal static class RawArrayOf<TArray>
{
    public static readonly nint Datatype = Datatypes.For(typeof(TArray).GetElementType()!);

    /// <summary>The size of one element in bytes.</summary>
    public static readonly int ElementSize = Datatypes.ElementSize(typeof(TArray).GetElementType()!);

    // The common element types skip zeroing memory MPI overwrites; the tests on typeof fold away when compiled.
    public static Array Allocate(int count) =>
        typeof(TArray) == typeof(byte[]) ? GC.AllocateUninitializedArray<byte>(count)
        : typeof(TArray) == typeof(double[]) ? GC.AllocateUninitializedArray<double>(count)
        : typeof(TArray) == typeof(float[]) ? GC.AllocateUninitializedArray<float>(count)
        : typeof(TArray) == typeof(int[]) ? GC.AllocateUninitializedArray<int>(count)
        : typeof(TArray) == typeof(long[]) ? GC.AllocateUninitializedArray<long>(count)
        : typeof(TArray) == typeof(char[]) ? GC.AllocateUninitializedArray<char>(count)
        : Array.CreateInstanceFromArrayType(typeof(TArray), count);
}
