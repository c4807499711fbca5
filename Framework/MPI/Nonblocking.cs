using System.Buffers;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// Nonblocking point-to-point communication. Raw values and arrays are sent from (and received into) pinned
/// memory without copying, except a single value, which is copied into a one-element array first. Serialized
/// values are serialized when the send starts. A receive of a serialized value posts the receive of its header at
/// once, so it matches messages in MPI's order; a receive of a raw array whose length is not known in advance
/// matches its message with a matched probe, which any later call of this process makes (see
/// <see cref="PendingReceives"/>).
/// </summary>
public abstract unsafe partial class Communicator
{
    /// <summary>
    /// Starts sending one value (serialized values are serialized now). For a serialized value the request completes
    /// once the header message is sent: the payload then travels on from the framework's own copy, without waiting
    /// for the receiver to call the framework again (see <c>DetachedSends</c>). Raw values are posted with MPI_Isend.
    /// </summary>
    /// <exception cref="MessagePack.MessagePackSerializationException">The default serializer cannot write <typeparamref name="T"/>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is a null array of unmanaged elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dest"/> is not a rank this communicator addresses (0 to <see cref="Communicator.Size"/> - 1; the remote group's size on an intercommunicator), or <paramref name="tag"/> is outside 0 to <see cref="Environment.MaxTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public Request ImmediateSend<T>(T value, int dest, int tag)
    {
        ValidateDestination(dest);
        ValidateTag(tag, allowAny: false);
        return Wire<T>.Kind switch
        {
            WireKind.Raw => PostSend(new T[] { value }.AsMemory().Pin(), 1, DatatypeOf<T>.Handle, dest, tag),
            WireKind.RawArray => PostSendOfArray((Array?)(object?)value ?? throw new ArgumentNullException(nameof(value)),
                dest, tag),
            _ => (Request)PostSerializedSend(value, dest, tag),
        };
    }

    /// <summary>
    /// Starts sending an array (MPI_Isend of <c>values.Length</c> elements for unmanaged elements, pinned in place);
    /// the array must not change until the request completes.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dest"/> is not a rank this communicator addresses (0 to <see cref="Communicator.Size"/> - 1; the remote group's size on an intercommunicator), or <paramref name="tag"/> is outside 0 to <see cref="Environment.MaxTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public Request ImmediateSend<T>(T[] values, int dest, int tag)
    {
        ArgumentNullException.ThrowIfNull(values);
        return ImmediateSend<T[]>(values, dest, tag);
    }

    /// <summary>
    /// Starts sending raw elements (MPI_Isend of <c>values.Length</c> elements) from memory that must stay unchanged
    /// until the request completes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dest"/> is not a rank this communicator addresses (0 to <see cref="Communicator.Size"/> - 1; the remote group's size on an intercommunicator), or <paramref name="tag"/> is outside 0 to <see cref="Environment.MaxTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public Request ImmediateSend<T>(ReadOnlyMemory<T> values, int dest, int tag) where T : unmanaged
    {
        ValidateDestination(dest);
        ValidateTag(tag, allowAny: false);
        return PostSend(values.Pin(), values.Length, DatatypeOf<T>.Handle, dest, tag);
    }

    /// <summary>
    /// Starts receiving one value (MPI_Irecv for an unmanaged value; the header's receive for a serialized one; a
    /// matched probe made by later calls for a raw array). <see cref="ReceiveRequest.GetValue"/> returns it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="Communicator.anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="Communicator.anyTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public ReceiveRequest ImmediateReceive<T>(int source, int tag) => ImmediateReceive<T>(source, tag, action: null);

    /// <summary>
    /// Starts receiving one value, as <see cref="ImmediateReceive{T}(int, int)"/>; <paramref name="action"/> runs
    /// with it when the request completes (on the thread that completes it). Failures to receive (truncation, a type
    /// mismatch) and exceptions of <paramref name="action"/> are thrown by the request's Wait or Test.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="Communicator.anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="Communicator.anyTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public ReceiveRequest ImmediateReceive<T>(int source, int tag, Action<T>? action)
    {
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        if (Wire<T>.Kind == WireKind.Serialized)
            return new SerializedReceiveRequest<T>(this, source, tag, action);
        if (Wire<T>.Kind == WireKind.RawArray)
            return new ProbedReceiveRequest<T>(this, source, tag, action);
        var cell = new T[1];
        var operation = PostReceive(cell.AsMemory().Pin(), 1, DatatypeOf<T>.Handle, source, tag);
        return new PostedReceiveRequest(operation, DatatypeOf<T>.Handle, _ =>
        {
            action?.Invoke(cell[0]);
            return cell[0];
        }, source, tag, 1);
    }

    /// <summary>
    /// Starts receiving into the caller's array; <see cref="ReceiveRequest.GetValue"/> returns that same array.
    /// Raw elements are received in place (a longer message fails with <see cref="MessageTruncatedException"/>);
    /// serialized elements are copied into it when the message arrives (a longer message fails the same way).
    /// Failures are thrown by the request's Wait or Test.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="Communicator.anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="Communicator.anyTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public ReceiveRequest ImmediateReceive<T>(int source, int tag, T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        if (Wire<T>.Kind == WireKind.Raw)
        {
            var operation = PostReceive(values.AsMemory().Pin(), values.Length, DatatypeOf<T>.Handle, source, tag);
            return new PostedReceiveRequest(operation, DatatypeOf<T>.Handle, native =>
            {
                RejectSerialized(BytesOf(values.AsSpan()), native, typeof(T[]));
                return values;
            }, source, tag, values.Length);
        }
        return new SerializedReceiveRequest<T[]>(this, source, tag, received =>
        {
            if (received.Length > values.Length)
                throw new MessageTruncatedException(
                    $"The message from rank {source} with tag {tag} holds {received.Length} elements, more than " +
                    $"the {values.Length} of the receive array.");
            received.CopyTo(values, 0);
        }, resultOverride: values);
    }

    /// <summary>
    /// Starts receiving raw elements (MPI_Irecv of up to <c>values.Length</c> elements) into memory that must stay
    /// untouched until the request completes; <see cref="ReceiveRequest.GetValue"/> returns <paramref name="values"/>
    /// and the status's count says how many elements arrived. A longer message fails the request's Wait or Test with
    /// <see cref="MessageTruncatedException"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is neither a rank this communicator addresses nor <see cref="Communicator.anySource"/>, or <paramref name="tag"/> is neither in 0 to <see cref="Environment.MaxTag"/> nor <see cref="Communicator.anyTag"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public ReceiveRequest ImmediateReceive<T>(int source, int tag, Memory<T> values) where T : unmanaged
    {
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        var operation = PostReceive(values.Pin(), values.Length, DatatypeOf<T>.Handle, source, tag);
        return new PostedReceiveRequest(operation, DatatypeOf<T>.Handle, native =>
        {
            RejectSerialized(MemoryMarshal.AsBytes(values.Span), native, typeof(Memory<T>));
            return values;
        }, source, tag, values.Length);
    }

    private PostedRequest PostSend(MemoryHandle pin, int count, nint datatype, int dest, int tag)
    {
        var comm = LiveHandle;
        var operation = new PostedOperation([pin], null, request =>
            Mpi.Isend(pin.Pointer, count, datatype, Ranks.ToNative(dest), tag, comm, (void*)request));
        return new PostedRequest(operation, native => new CompletedStatus(native, count));
    }

    private PostedRequest PostSendOfArray(Array values, int dest, int tag)
    {
        var handle = GCHandle.Alloc(values, GCHandleType.Pinned);
        var pin = new MemoryHandle((void*)Marshal.UnsafeAddrOfPinnedArrayElement(values, 0), handle);
        return PostSend(pin, values.Length, Datatypes.For(values.GetType().GetElementType()!), dest, tag);
    }

    private MultipartRequest PostSerializedSend<T>(T value, int dest, int tag) =>
        new(PostSerialized(value, dest, tag), value is Array array ? array.Length : 1);

    private PostedOperation PostReceive(MemoryHandle pin, int count, nint datatype, int source, int tag) =>
        PostedOperation.Receive(pin, count, datatype, Ranks.ToNative(source), Ranks.TagToNative(tag), LiveHandle);
}

/// <summary>
/// A receive posted with MPI_Irecv into pinned memory whose size is known; <c>value</c> makes the received value
/// from the message's status (and may reject the message).
/// </summary>
internal sealed unsafe class PostedReceiveRequest(PostedOperation operation, nint datatype, Func<StatusBuffer, object?> value,
    int source, int tag, int count) : ReceiveRequest
{
    private object? _value;

    private protected override object? Value => _value;

    private protected override CompletedStatus? Progress(bool block)
    {
        // Written by Complete even when it throws: MPI fills a failed receive's status.
        StatusBuffer native = default;
        try
        {
            if (!operation.Complete(block, out native))
                return null;
        }
        catch (MessageTruncatedException e) when (e.ErrorCode != 0)
        {
            throw ErrorTranslation.ForReceive(e.ErrorCode, Ranks.ToNative(source), Ranks.TagToNative(tag), count, datatype,
                &native);
        }
        var status = new CompletedStatus(native, datatype);
        if (!status.Cancelled)
            _value = value(native);
        return status;
    }

    private protected override void CancelInFlight() => operation.Cancel();
}

/// <summary>
/// A receive of a raw array of unknown length. It cannot be posted to MPI without a buffer, so it waits among the
/// <see cref="PendingReceives"/> as a <see cref="ProbedMatch"/>: every call of this process that advances them tries
/// a nonblocking matched probe, oldest receive first, and the matched message is received whole into a new array.
/// </summary>
internal sealed class ProbedReceiveRequest<T> : ReceiveRequest
{
    private readonly Action<T>? _onArrival;
    private readonly ProbedMatch _match;
    private object? _value;
    private CompletedStatus? _status;

    public ProbedReceiveRequest(Communicator communicator, int source, int tag, Action<T>? onArrival)
    {
        _onArrival = onArrival;
        _match = new ProbedMatch(communicator.LiveHandle, Ranks.ToNative(source), Ranks.TagToNative(tag),
            (message, status) =>
            {
                _value = communicator.ReceiveProbed<T>(message, status, out var completed);
                _status = completed;
            });
    }

    private protected override object? Value => _value;

    private protected override CompletedStatus? Progress(bool block)
    {
        while (true)
        {
            // Advancing all of them, oldest first, keeps the order in which unknown-length receives match.
            PendingReceives.Advance();
            Exception? failure;
            CompletedStatus? status;
            bool cancelled;
            // Another thread may be handing this receive its message right now (see PendingReceives).
            lock (PendingReceives.Gate)
                (failure, status, cancelled) = (_match.Failure, _status, _match.Cancelled);
            if (cancelled)
                return CompletedStatus.CancelledBeforeMatch();
            if (failure is not null)
                throw failure;
            if (status is not null)
            {
                _onArrival?.Invoke((T)_value!);
                return status;
            }
            if (!block)
                return null;
        }
    }

    private protected override void CancelInFlight() => _match.TryCancel();
}
