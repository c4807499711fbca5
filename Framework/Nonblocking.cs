using System.Buffers;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// Nonblocking point-to-point communication. Raw values and arrays are sent from (and received into) pinned
/// memory without copying, except a single value, which is copied into a one-element array first. Serialized
/// values are serialized when the send starts. A receive of a serialized value, or of a raw array whose length is
/// not known in advance, matches its message when it is tested or waited on (a matched probe), not when posted.
/// </summary>
public abstract unsafe partial class Communicator
{
    /// <summary>Starts sending one value (serialized values are serialized now).</summary>
    public Request ImmediateSend<T>(T value, int dest, int tag)
    {
        ValidateDestination(dest);
        ValidateTag(tag, allowAny: false);
        return Wire<T>.Kind switch
        {
            WireKind.Raw => PostSend(new T[] { value }.AsMemory().Pin(), 1, DatatypeOf<T>.Handle, dest, tag),
            WireKind.RawArray => PostSendOfArray((Array)(object)value!, dest, tag),
            _ => PostSerializedSend(value, dest, tag),
        };
    }

    /// <summary>Starts sending an array; the array must not change until the request completes.</summary>
    public Request ImmediateSend<T>(T[] values, int dest, int tag)
    {
        ArgumentNullException.ThrowIfNull(values);
        return ImmediateSend<T[]>(values, dest, tag);
    }

    /// <summary>Starts sending raw elements from memory that must stay unchanged until the request completes.</summary>
    public Request ImmediateSend<T>(ReadOnlyMemory<T> values, int dest, int tag) where T : unmanaged
    {
        ValidateDestination(dest);
        ValidateTag(tag, allowAny: false);
        return PostSend(values.Pin(), values.Length, DatatypeOf<T>.Handle, dest, tag);
    }

    /// <summary>Starts receiving one value.</summary>
    public ReceiveRequest ImmediateReceive<T>(int source, int tag) => ImmediateReceive<T>(source, tag, action: null);

    /// <summary>Starts receiving one value; <paramref name="action"/> runs with it when the request completes.</summary>
    public ReceiveRequest ImmediateReceive<T>(int source, int tag, Action<T>? action)
    {
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        if (Wire<T>.Kind != WireKind.Raw)
            return new ProbedReceiveRequest<T>(this, source, tag, action);
        var cell = new T[1];
        var operation = PostReceive(cell.AsMemory().Pin(), 1, DatatypeOf<T>.Handle, source, tag);
        return new PostedReceiveRequest(operation, DatatypeOf<T>.Handle, () =>
        {
            action?.Invoke(cell[0]);
            return cell[0];
        });
    }

    /// <summary>
    /// Starts receiving into the caller's array; <see cref="ReceiveRequest.GetValue"/> returns that same array.
    /// Raw elements are received in place (a longer message fails with <see cref="MessageTruncatedException"/>);
    /// serialized elements are copied into it when the message arrives.
    /// </summary>
    public ReceiveRequest ImmediateReceive<T>(int source, int tag, T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        if (Wire<T>.Kind == WireKind.Raw)
        {
            var operation = PostReceive(values.AsMemory().Pin(), values.Length, DatatypeOf<T>.Handle, source, tag);
            return new PostedReceiveRequest(operation, DatatypeOf<T>.Handle, () => values);
        }
        return new ProbedReceiveRequest<T[]>(this, source, tag, received =>
        {
            if (received.Length > values.Length)
                throw new MessageTruncatedException(
                    $"The message from rank {source} with tag {tag} holds {received.Length} elements, more than " +
                    $"the {values.Length} of the receive array.");
            received.CopyTo(values, 0);
        }, resultOverride: values);
    }

    /// <summary>Starts receiving raw elements into memory that must stay untouched until the request completes.</summary>
    public ReceiveRequest ImmediateReceive<T>(int source, int tag, Memory<T> values) where T : unmanaged
    {
        ValidateSource(source);
        ValidateTag(tag, allowAny: true);
        var operation = PostReceive(values.Pin(), values.Length, DatatypeOf<T>.Handle, source, tag);
        return new PostedReceiveRequest(operation, DatatypeOf<T>.Handle, () => values);
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

    private PostedRequest PostSerializedSend<T>(T value, int dest, int tag)
    {
        var frame = SerializedFrame.Write(value, Serialization);
        try
        {
            var copy = ArrayPool<byte>.Shared.Rent(frame.WrittenCount);
            frame.WrittenSpan.CopyTo(copy);
            var pin = copy.AsMemory().Pin();
            int length = frame.WrittenCount;
            var comm = LiveHandle;
            var operation = new PostedOperation([pin], copy, request =>
                Mpi.Isend(pin.Pointer, length, Mpi.Abi.Datatypes.Byte, Ranks.ToNative(dest), tag, comm, (void*)request));
            return new PostedRequest(operation, native => new CompletedStatus(native, value is Array array ? array.Length : 1));
        }
        finally
        {
            SerializedFrame.Release(frame);
        }
    }

    private PostedOperation PostReceive(MemoryHandle pin, int count, nint datatype, int source, int tag)
    {
        var comm = LiveHandle;
        return new PostedOperation([pin], null, request =>
            Mpi.Irecv(pin.Pointer, count, datatype, Ranks.ToNative(source), Ranks.TagToNative(tag), comm, (void*)request));
    }
}

/// <summary>A receive posted with MPI_Irecv into pinned memory whose size is known.</summary>
internal sealed class PostedReceiveRequest(PostedOperation operation, nint datatype, Func<object?> value) : ReceiveRequest
{
    private object? _value;

    private protected override object? Value => _value;

    private protected override CompletedStatus? Progress(bool block)
    {
        if (!operation.Complete(block, out var native))
            return null;
        var status = new CompletedStatus(native, datatype);
        if (!status.Cancelled)
            _value = value();
        return status;
    }

    private protected override void CancelInFlight() => operation.Cancel();
}

/// <summary>
/// A receive of unknown size: each test is a nonblocking matched probe (MPI_Improbe), a wait a blocking one, and
/// the matched message is then received whole. Cancelling before a message matched needs no MPI call.
/// </summary>
internal sealed unsafe class ProbedReceiveRequest<T>(
    Communicator communicator, int source, int tag, Action<T>? onArrival, object? resultOverride = null) : ReceiveRequest
{
    private object? _value;
    private bool _cancelled;

    private protected override object? Value => _value;

    private protected override CompletedStatus? Progress(bool block)
    {
        if (_cancelled)
            return CompletedStatus.CancelledBeforeMatch();
        long message = 0;
        StatusBuffer probed = default;
        var comm = communicator.LiveHandle;
        int nativeSource = Ranks.ToNative(source), nativeTag = Ranks.TagToNative(tag);
        if (block)
        {
            Mpi.Check(Mpi.Mprobe(nativeSource, nativeTag, comm, &message, &probed));
        }
        else
        {
            int found = 0;
            Mpi.Check(Mpi.Improbe(nativeSource, nativeTag, comm, &found, &message, &probed));
            if (found == 0)
                return null;
        }
        var value = communicator.ReceiveProbed<T>(message, probed, out var status);
        onArrival?.Invoke(value);
        _value = resultOverride ?? value;
        return status;
    }

    private protected override void CancelInFlight() => _cancelled = true;
}
