using System.Runtime.CompilerServices;
using System.Buffers;
using System.Runtime.ExceptionServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// A nonblocking operation in flight. <see cref="Wait"/> and <see cref="Test"/> may be called again after
/// completion: they return the same status. Memory the operation uses stays pinned until MPI reports completion,
/// and no longer.
/// </summary>
public abstract class Request
{
    private CompletedStatus? _status;
    private ExceptionDispatchInfo? _failure;

    private protected Request() { }

    /// <summary>Whether the operation has completed (successfully, with an error, or cancelled).</summary>
    public bool IsCompleted => _status is not null || _failure is not null;

    /// <summary>Blocks until the operation completes (MPI_Wait, or polling for receives of unknown length) and returns its status.</summary>
    /// <exception cref="MpiException">The operation failed (<see cref="MessageTruncatedException"/> for a message longer than the receive buffer, <see cref="MessageTypeMismatchException"/> for a serialized value of another type); a failed request throws the same exception on every later call.</exception>
    public CompletedStatus Wait() => _status ?? Finish(block: true)!;

    /// <summary>The status if the operation has completed; null if it is still in flight (MPI_Test). Does not block.</summary>
    /// <exception cref="MpiException">The operation failed (<see cref="MessageTruncatedException"/> for a message longer than the receive buffer, <see cref="MessageTypeMismatchException"/> for a serialized value of another type); a failed request throws the same exception on every later call.</exception>
    public CompletedStatus? Test() => _status ?? Finish(block: false);

    /// <summary>
    /// Cancels the operation if it has not completed yet; <see cref="Wait"/> then returns a status whose
    /// <see cref="Status.Cancelled"/> is true (or the normal status, when the operation completed first). MPI_Cancel;
    /// a receive of unknown length that has not matched a message yet is cancelled without an MPI call.
    /// </summary>
    /// <exception cref="MpiException">MPI refused the cancellation.</exception>
    public void Cancel()
    {
        if (IsCompleted)
            return;
        CancelInFlight();
    }

    /// <summary>
    /// Completes when the operation does, without blocking the calling thread: the request is tested on the
    /// awaiting context, with a growing pause between tests. Cancelling the token stops the waiting (throwing
    /// <see cref="OperationCanceledException"/>), not the operation; call <see cref="Cancel"/> for that.
    /// </summary>
    /// <remarks>
    /// Each test is an MPI call: unless MPI runs at <see cref="Threading.Multiple"/>, do not let the continuations
    /// run concurrently with other MPI calls (await from one thread or a single-threaded context).
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the operation completed.</exception>
    /// <exception cref="MpiException">The operation failed (<see cref="MessageTruncatedException"/> for a message longer than the receive buffer, <see cref="MessageTypeMismatchException"/> for a serialized value of another type); a failed request throws the same exception on every later call.</exception>
    public async Task<CompletedStatus> WaitAsync(CancellationToken cancellationToken = default)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (Test() is { } status)
                return status;
            cancellationToken.ThrowIfCancellationRequested();
            if (attempt < 64)
                await Task.Yield();
            else
                await Task.Delay(Math.Min(attempt - 63, 10), cancellationToken).ConfigureAwait(true);
        }
    }

    /// <summary>Moves the operation forward: to completion when <paramref name="block"/>; null if it is not done.</summary>
    private protected abstract CompletedStatus? Progress(bool block);

    private protected abstract void CancelInFlight();

    private CompletedStatus? Finish(bool block)
    {
        _failure?.Throw();
        try
        {
            _status = Progress(block);
            return _status;
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
            throw;
        }
    }
}

/// <summary>A nonblocking receive: once it has completed, <see cref="GetValue"/> returns what arrived.</summary>
public abstract class ReceiveRequest : Request
{
    private protected ReceiveRequest() { }

    /// <summary>
    /// The received value, waiting for it if needed. For a receive into a caller's array, the very array that was
    /// passed in. Null for a cancelled receive. Boxed: cast to the type the receive was started with.
    /// </summary>
    /// <exception cref="MpiException">The operation failed (<see cref="MessageTruncatedException"/> for a message longer than the receive buffer, <see cref="MessageTypeMismatchException"/> for a serialized value of another type); a failed request throws the same exception on every later call.</exception>
    public object? GetValue()
    {
        var status = Wait();
        return status.Cancelled ? null : Value;
    }

    private protected abstract object? Value { get; }
}

/// <summary>
/// One posted MPI_Request and everything it holds on to: pinned buffers, and what to give back once MPI is done
/// with them (a share of a pooled array). Released exactly once, at completion; an operation abandoned in flight keeps its
/// pins forever rather than letting the GC move memory MPI may still write.
/// </summary>
internal sealed unsafe class PostedOperation
{
    private long _handle;
    private MemoryHandle[] _pins;
    private PooledLease? _lease;
    // A receive waiting for its turn (see PendingReceives): not posted until an earlier probed receive has matched.
    private ProbedMatch? _turn;

    /// <summary>Calls <paramref name="post"/> with the pinned memory and a place for the request handle.</summary>
    public PostedOperation(MemoryHandle[] pins, PooledLease? lease, Func<nint, int> post)
    {
        _pins = pins;
        _lease = lease;
        long handle = 0;
        int code = post((nint)(&handle));
        if (code != 0)
        {
            Release();
            Mpi.Check(code);
        }
        _handle = handle;
    }

    private PostedOperation(MemoryHandle pin, int count, nint datatype, int nativeSource, int nativeTag, nint comm)
    {
        _pins = [pin];
        _turn = new ProbedMatch(comm, nativeSource, nativeTag, (message, _) =>
        {
            long handle = 0;
            Mpi.Check(Mpi.Imrecv(pin.Pointer, count, datatype, &message, &handle));
            _handle = handle;
        });
    }

    /// <summary>
    /// A receive of up to <paramref name="count"/> elements into pinned memory: MPI_Irecv now, or, behind an earlier
    /// probed receive that could take the same messages, a matched probe in its turn and MPI_Imrecv (so that it
    /// cannot overtake that receive).
    /// </summary>
    public static PostedOperation Receive(MemoryHandle pin, int count, nint datatype, int nativeSource, int nativeTag,
        nint comm) =>
        PendingReceives.MustWaitItsTurn(comm, nativeSource, nativeTag)
            ? new PostedOperation(pin, count, datatype, nativeSource, nativeTag, comm)
            : new PostedOperation([pin], null, request =>
                Mpi.Irecv(pin.Pointer, count, datatype, nativeSource, nativeTag, comm, (void*)request));

    /// <summary>True with the status once MPI reports completion (pins released); false while in flight.</summary>
    public bool Complete(bool block, out StatusBuffer status)
    {
        status = default;
        if (_turn is { } turn)
        {
            // Not posted to MPI yet: its message is matched first, in its turn.
            while (true)
            {
                PendingReceives.Advance();
                bool matched, cancelled;
                Exception? failure;
                lock (PendingReceives.Gate)
                    (matched, cancelled, failure) = (turn.Matched, turn.Cancelled, turn.Failure);
                if (failure is not null || cancelled)
                {
                    Release();
                    if (failure is not null)
                        throw failure;
                    Mpi.Check(Mpi.Status_set_cancelled(Unsafe.AsPointer(ref status), 1));
                    return true;
                }
                if (matched)
                    break;
                if (!block)
                    return false;
            }
            _turn = null;
        }
        StatusBuffer native = default;
        long handle = _handle;
        int done = 1;
        int code = 0;
        if (block)
        {
            try
            {
                PendingReceives.Wait(&handle, &native);
            }
            catch
            {
                _handle = handle;
                status = native;
                Release();
                throw;
            }
        }
        else
        {
            // A test is a call of this rank too: a peer's send may be waiting for a pending receive to be posted.
            PendingReceives.Advance();
            code = Mpi.Test(&handle, &done, &native);
        }
        _handle = handle;
        // Before any failure is thrown: MPI fills a failed receive's status, and it names the message.
        status = native;
        if (code != 0)
        {
            Release();
            Mpi.Check(code);
        }
        if (done == 0)
            return false;
        Release();
        return true;
    }

    public void Cancel()
    {
        if (_turn is { } turn && turn.TryCancel())
            return;
        long handle = _handle;
        Mpi.Check(Mpi.Cancel(&handle));
    }

    private void Release()
    {
        foreach (var pin in _pins)
            pin.Dispose();
        _pins = [];
        _lease?.Release();
        _lease = null;
    }
}

/// <summary>
/// An array rented from <see cref="ArrayPool{T}.Shared"/> that several operations in flight read: it goes back to the
/// pool when the last of them lets go (never earlier: MPI may read it until its operation completes).
/// </summary>
internal sealed class PooledLease(byte[] array, int holders)
{
    private int _holders = holders;

    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
            ArrayPool<byte>.Shared.Return(array);
    }
}

/// <summary>A request backed by one posted MPI operation (sends, raw receives, nonblocking collectives).</summary>
internal sealed class PostedRequest(PostedOperation operation, Func<StatusBuffer, CompletedStatus> describe) : Request
{
    private protected override CompletedStatus? Progress(bool block) =>
        operation.Complete(block, out var native) ? describe(native) : null;

    private protected override void CancelInFlight() => operation.Cancel();
}
