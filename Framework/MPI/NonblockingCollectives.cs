using System.Buffers;
using MPI.Native;

namespace MPI;

/// <summary>
/// MPI-3 nonblocking collectives over memory of unmanaged values: each starts the operation and returns a
/// <see cref="Request"/> (wait, test, or <c>await request.WaitAsync()</c>). The memory stays pinned, and must stay
/// untouched, until the request completes. Lengths follow the blocking span forms.
/// </summary>
public unsafe partial class Intracommunicator
{
    /// <summary>Starts a barrier: the request completes once every rank has started it.</summary>
    public Request ImmediateBarrier()
    {
        var comm = LiveHandle;
        return Posted([], request => Mpi.Ibarrier(comm, (void*)request));
    }

    /// <summary>Starts broadcasting the root's elements into every rank's memory.</summary>
    public Request ImmediateBroadcast<T>(Memory<T> values, int root) where T : unmanaged
    {
        ValidateRoot(root);
        var pin = values.Pin();
        var (comm, datatype) = (LiveHandle, DatatypeOf<T>.Handle);
        return Posted([pin], request => Mpi.Ibcast(pin.Pointer, values.Length, datatype, root, comm, (void*)request));
    }

    /// <summary>Starts gathering every rank's block into the root's <paramref name="results"/>.</summary>
    public Request ImmediateGather<T>(ReadOnlyMemory<T> values, Memory<T> results, int root) where T : unmanaged
    {
        CheckGather(root, values.Length, results.Length);
        var (send, receive) = (values.Pin(), results.Pin());
        var (comm, datatype, count) = (LiveHandle, DatatypeOf<T>.Handle, values.Length);
        return Posted([send, receive], request =>
            Mpi.Igather(send.Pointer, count, datatype, receive.Pointer, count, datatype, root, comm, (void*)request));
    }

    /// <summary>Starts gathering every rank's block into every rank's <paramref name="results"/>.</summary>
    public Request ImmediateAllgather<T>(ReadOnlyMemory<T> values, Memory<T> results) where T : unmanaged
    {
        CheckAllgather(values.Length, results.Length);
        var (send, receive) = (values.Pin(), results.Pin());
        var (comm, datatype, count) = (LiveHandle, DatatypeOf<T>.Handle, values.Length);
        return Posted([send, receive], request =>
            Mpi.Iallgather(send.Pointer, count, datatype, receive.Pointer, count, datatype, comm, (void*)request));
    }

    /// <summary>Starts sending block r of the root's <paramref name="values"/> to rank r.</summary>
    public Request ImmediateScatter<T>(ReadOnlyMemory<T> values, Memory<T> results, int root) where T : unmanaged
    {
        CheckScatter(root, values.Length, results.Length);
        var (send, receive) = (values.Pin(), results.Pin());
        var (comm, datatype, count) = (LiveHandle, DatatypeOf<T>.Handle, results.Length);
        return Posted([send, receive], request =>
            Mpi.Iscatter(send.Pointer, count, datatype, receive.Pointer, count, datatype, root, comm, (void*)request));
    }

    /// <summary>Starts an all-to-all exchange of equal blocks.</summary>
    public Request ImmediateAlltoall<T>(ReadOnlyMemory<T> values, Memory<T> results) where T : unmanaged
    {
        int block = AlltoallBlock(values.Length, results.Length);
        var (send, receive) = (values.Pin(), results.Pin());
        var (comm, datatype) = (LiveHandle, DatatypeOf<T>.Handle);
        return Posted([send, receive], request =>
            Mpi.Ialltoall(send.Pointer, block, datatype, receive.Pointer, block, datatype, comm, (void*)request));
    }

    /// <summary>Starts combining every rank's elements into the root's <paramref name="results"/>.</summary>
    public Request ImmediateReduce<T>(ReadOnlyMemory<T> values, Memory<T> results, ReductionOperation<T> op, int root)
        where T : unmanaged
    {
        CheckReduce(root, op, values.Length, results.Length);
        return PostedReduction(values, results, op, (send, receive, count, reduction, comm, request) =>
            Mpi.Ireduce(send, receive, count, reduction.Datatype, reduction.Op, root, comm, request));
    }

    /// <summary>Starts combining every rank's elements into every rank's <paramref name="results"/>.</summary>
    public Request ImmediateAllreduce<T>(ReadOnlyMemory<T> values, Memory<T> results, ReductionOperation<T> op)
        where T : unmanaged
    {
        CheckElementwise(op, values.Length, results.Length);
        return PostedReduction(values, results, op, (send, receive, count, reduction, comm, request) =>
            Mpi.Iallreduce(send, receive, count, reduction.Datatype, reduction.Op, comm, request));
    }

    /// <summary>Starts an inclusive prefix reduction.</summary>
    public Request ImmediateScan<T>(ReadOnlyMemory<T> values, Memory<T> results, ReductionOperation<T> op)
        where T : unmanaged
    {
        CheckElementwise(op, values.Length, results.Length);
        return PostedReduction(values, results, op, (send, receive, count, reduction, comm, request) =>
            Mpi.Iscan(send, receive, count, reduction.Datatype, reduction.Op, comm, request));
    }

    /// <summary>Starts an exclusive prefix reduction (rank 0's results are set to default values on completion).</summary>
    public Request ImmediateExclusiveScan<T>(ReadOnlyMemory<T> values, Memory<T> results, ReductionOperation<T> op)
        where T : unmanaged
    {
        CheckElementwise(op, values.Length, results.Length);
        bool first = Rank == 0;
        return PostedReduction(values, results, op, (send, receive, count, reduction, comm, request) =>
            Mpi.Iexscan(send, receive, count, reduction.Datatype, reduction.Op, comm, request),
            onCompletion: () =>
            {
                if (first)
                    results.Span.Clear();
            });
    }

    private delegate int ReductionStarter(void* send, void* receive, int count, ReductionScope reduction, nint comm,
        void* request);

    private PostedRequest PostedReduction<T>(ReadOnlyMemory<T> values, Memory<T> results, ReductionOperation<T> op,
        ReductionStarter start, Action? onCompletion = null) where T : unmanaged
    {
        var (send, receive) = (values.Pin(), results.Pin());
        var comm = LiveHandle;
        var reduction = Reductions.Register(op);
        try
        {
            var operation = new PostedOperation([send, receive], null, request =>
                start(send.Pointer, receive.Pointer, values.Length, reduction, comm, (void*)request));
            return new PostedRequest(operation, native =>
            {
                reduction.Dispose();
                onCompletion?.Invoke();
                return new CompletedStatus(native, values.Length);
            });
        }
        catch
        {
            reduction.Dispose();
            throw;
        }
    }

    private static PostedRequest Posted(MemoryHandle[] pins, Func<nint, int> start) =>
        new(new PostedOperation(pins, null, start), native => new CompletedStatus(native, 0));
}
