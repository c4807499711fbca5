using System.Buffers;
using MPI.Native;

namespace MPI;

/// <summary>
/// MPI-3 nonblocking collectives over memory of unmanaged values: each starts the operation and returns a
/// <see cref="Request"/> (wait, test, or <c>await request.WaitAsync()</c>). The memory stays pinned, and must stay
/// untouched, until the request completes. Lengths are in elements and follow the blocking span forms; every rank
/// of the communicator starts each collective, in the same order, with the same root.
/// </summary>
public unsafe partial class Intracommunicator
{
    /// <summary>Starts a barrier (MPI_Ibarrier): the request completes once every rank has started it.</summary>
    /// <returns>The request of the operation; waiting on it reports an error MPI found while it ran.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
    public Request ImmediateBarrier()
    {
        var comm = LiveHandle;
        return Posted([], request => Mpi.Ibarrier(comm, (void*)request));
    }

    /// <summary>Starts broadcasting the root's elements into every rank's memory (MPI_Ibcast).</summary>
    /// <param name="values">The root's elements; on the other ranks, where they are received (the same length on every rank).</param>
    /// <param name="root">The rank that sends.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <returns>The request of the operation; waiting on it reports an error MPI found while it ran.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
    public Request ImmediateBroadcast<T>(Memory<T> values, int root) where T : unmanaged
    {
        ValidateRoot(root);
        var pin = values.Pin();
        var (comm, datatype) = (LiveHandle, DatatypeOf<T>.Handle);
        return Posted([pin], request => Mpi.Ibcast(pin.Pointer, values.Length, datatype, root, comm, (void*)request));
    }

    /// <summary>Starts gathering every rank's block into the root's <paramref name="results"/>, in rank order (MPI_Igather).</summary>
    /// <param name="values">This rank's block; every rank passes the same length.</param>
    /// <param name="results">At the root: <see cref="Communicator.Size"/> × <c>values.Length</c> elements. Ignored elsewhere (may be empty).</param>
    /// <param name="root">The rank that receives the blocks.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentException">The root's <paramref name="results"/> has the wrong length (thrown at the root).</exception>
    /// <returns>The request of the operation; waiting on it reports an error MPI found while it ran.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
    public Request ImmediateGather<T>(ReadOnlyMemory<T> values, Memory<T> results, int root) where T : unmanaged
    {
        CheckGather(root, values.Length, results.Length);
        var (send, receive) = (values.Pin(), results.Pin());
        var (comm, datatype, count) = (LiveHandle, DatatypeOf<T>.Handle, values.Length);
        return Posted([send, receive], request =>
            Mpi.Igather(send.Pointer, count, datatype, receive.Pointer, count, datatype, root, comm, (void*)request));
    }

    /// <summary>Starts gathering every rank's block into every rank's <paramref name="results"/>, in rank order (MPI_Iallgather).</summary>
    /// <param name="values">This rank's block; every rank passes the same length.</param>
    /// <param name="results"><see cref="Communicator.Size"/> × <c>values.Length</c> elements.</param>
    /// <exception cref="ArgumentException"><paramref name="results"/> has the wrong length.</exception>
    /// <returns>The request of the operation; waiting on it reports an error MPI found while it ran.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
    public Request ImmediateAllgather<T>(ReadOnlyMemory<T> values, Memory<T> results) where T : unmanaged
    {
        CheckAllgather(values.Length, results.Length);
        var (send, receive) = (values.Pin(), results.Pin());
        var (comm, datatype, count) = (LiveHandle, DatatypeOf<T>.Handle, values.Length);
        return Posted([send, receive], request =>
            Mpi.Iallgather(send.Pointer, count, datatype, receive.Pointer, count, datatype, comm, (void*)request));
    }

    /// <summary>Starts sending block r of the root's <paramref name="values"/> to rank r's <paramref name="results"/> (MPI_Iscatter).</summary>
    /// <param name="values">At the root: <see cref="Communicator.Size"/> × <c>results.Length</c> elements. Ignored elsewhere (may be empty).</param>
    /// <param name="results">This rank's block; every rank passes the same length.</param>
    /// <param name="root">The rank that sends.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentException">The root's <paramref name="values"/> has the wrong length (thrown at the root).</exception>
    /// <returns>The request of the operation; waiting on it reports an error MPI found while it ran.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
    public Request ImmediateScatter<T>(ReadOnlyMemory<T> values, Memory<T> results, int root) where T : unmanaged
    {
        CheckScatter(root, values.Length, results.Length);
        var (send, receive) = (values.Pin(), results.Pin());
        var (comm, datatype, count) = (LiveHandle, DatatypeOf<T>.Handle, results.Length);
        return Posted([send, receive], request =>
            Mpi.Iscatter(send.Pointer, count, datatype, receive.Pointer, count, datatype, root, comm, (void*)request));
    }

    /// <summary>
    /// Starts an all-to-all exchange of equal blocks: block r of <paramref name="values"/> goes to rank r, block r of
    /// <paramref name="results"/> comes from rank r (MPI_Ialltoall).
    /// </summary>
    /// <param name="values"><see cref="Communicator.Size"/> blocks of the same length.</param>
    /// <param name="results">As many elements as <paramref name="values"/>.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="values"/> is not a whole number of blocks, or <paramref name="results"/> has another length.
    /// </exception>
    /// <returns>The request of the operation; waiting on it reports an error MPI found while it ran.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
    public Request ImmediateAlltoall<T>(ReadOnlyMemory<T> values, Memory<T> results) where T : unmanaged
    {
        int block = AlltoallBlock(values.Length, results.Length);
        var (send, receive) = (values.Pin(), results.Pin());
        var (comm, datatype) = (LiveHandle, DatatypeOf<T>.Handle);
        return Posted([send, receive], request =>
            Mpi.Ialltoall(send.Pointer, block, datatype, receive.Pointer, block, datatype, comm, (void*)request));
    }

    /// <summary>
    /// Starts combining every rank's elements position by position, in rank order, into the root's
    /// <paramref name="results"/> (MPI_Ireduce).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same length.</param>
    /// <param name="results">At the root: as many elements as <paramref name="values"/>. Ignored elsewhere (may be empty).</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <param name="root">The rank that receives the result.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentException">The root's <paramref name="results"/> has the wrong length (thrown at the root).</exception>
    /// <returns>
    /// The request of the operation; waiting on it reports an error MPI found while it ran, and throws
    /// <see cref="InvalidOperationException"/> (the exception inside) when <paramref name="op"/> threw.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
    public Request ImmediateReduce<T>(ReadOnlyMemory<T> values, Memory<T> results, ReductionOperation<T> op, int root)
        where T : unmanaged
    {
        CheckReduce(root, op, values.Length, results.Length);
        return PostedReduction(values, results, op, (send, receive, count, reduction, comm, request) =>
            Mpi.Ireduce(send, receive, count, reduction.Datatype, reduction.Op, root, comm, request));
    }

    /// <summary>
    /// Starts combining every rank's elements position by position, in rank order, into every rank's
    /// <paramref name="results"/> (MPI_Iallreduce).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same length.</param>
    /// <param name="results">As many elements as <paramref name="values"/>.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="results"/> has another length than <paramref name="values"/>.</exception>
    /// <returns>
    /// The request of the operation; waiting on it reports an error MPI found while it ran, and throws
    /// <see cref="InvalidOperationException"/> (the exception inside) when <paramref name="op"/> threw.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
    public Request ImmediateAllreduce<T>(ReadOnlyMemory<T> values, Memory<T> results, ReductionOperation<T> op)
        where T : unmanaged
    {
        CheckElementwise(op, values.Length, results.Length);
        return PostedReduction(values, results, op, (send, receive, count, reduction, comm, request) =>
            Mpi.Iallreduce(send, receive, count, reduction.Datatype, reduction.Op, comm, request));
    }

    /// <summary>
    /// Starts an inclusive prefix reduction: rank r's <paramref name="results"/> get the combination of the values of
    /// ranks 0 to r, position by position (MPI_Iscan).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same length.</param>
    /// <param name="results">As many elements as <paramref name="values"/>.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="results"/> has another length than <paramref name="values"/>.</exception>
    /// <returns>
    /// The request of the operation; waiting on it reports an error MPI found while it ran, and throws
    /// <see cref="InvalidOperationException"/> (the exception inside) when <paramref name="op"/> threw.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
    public Request ImmediateScan<T>(ReadOnlyMemory<T> values, Memory<T> results, ReductionOperation<T> op)
        where T : unmanaged
    {
        CheckElementwise(op, values.Length, results.Length);
        return PostedReduction(values, results, op, (send, receive, count, reduction, comm, request) =>
            Mpi.Iscan(send, receive, count, reduction.Datatype, reduction.Op, comm, request));
    }

    /// <summary>
    /// Starts an exclusive prefix reduction: rank r's <paramref name="results"/> get the combination of the values of
    /// ranks 0 to r - 1, position by position; rank 0's are set to default values on completion (MPI_Iexscan).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same length.</param>
    /// <param name="results">As many elements as <paramref name="values"/>.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="results"/> has another length than <paramref name="values"/>.</exception>
    /// <returns>
    /// The request of the operation; waiting on it reports an error MPI found while it ran, and throws
    /// <see cref="InvalidOperationException"/> (the exception inside) when <paramref name="op"/> threw.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI refused to start the operation.</exception>
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
