using MPI.Native;

namespace MPI;

/// <summary>
/// Collectives over spans of unmanaged values: MPI reads and writes the caller's memory directly, with no copy and
/// no allocation. Lengths are in elements, per rank: <c>results</c> of a gather holds <see cref="Communicator.Size"/>
/// blocks of <c>values.Length</c>; an all-to-all exchanges <c>values.Length / Size</c> elements with every rank.
/// Reductions with a predefined operation on a primitive type run as MPI's own; any other delegate runs inside MPI,
/// in rank order. Every rank of the communicator calls each collective, with the same root and block lengths.
/// </summary>
public unsafe partial class Intracommunicator
{
    /// <summary>Broadcasts the root's elements into every rank's span (MPI_Bcast).</summary>
    /// <param name="values">The root's elements; on the other ranks, where they are received (the same length on every rank).</param>
    /// <param name="root">The rank whose elements every rank gets.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error, such as lengths that differ between ranks.</exception>
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        ValidateRoot(root);
        fixed (T* buffer = values)
            RawBroadcast(buffer, values.Length, DatatypeOf<T>.Handle, root);
    }

    /// <summary>Gathers every rank's block into the root's <paramref name="results"/>, in rank order (MPI_Gather).</summary>
    /// <param name="values">This rank's block; every rank passes the same length.</param>
    /// <param name="results">At the root: <see cref="Communicator.Size"/> × <c>values.Length</c> elements. Ignored elsewhere (may be empty).</param>
    /// <param name="root">The rank that receives the blocks.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentException">The root's <paramref name="results"/> has the wrong length (thrown at the root).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Gather<T>(ReadOnlySpan<T> values, Span<T> results, int root) where T : unmanaged
    {
        CheckGather(root, values.Length, results.Length);
        fixed (T* send = values)
        fixed (T* receive = results)
            RawGather(send, receive, values.Length, DatatypeOf<T>.Handle, root);
    }

    /// <summary>Gathers every rank's block into every rank's <paramref name="results"/>, in rank order (MPI_Allgather).</summary>
    /// <param name="values">This rank's block; every rank passes the same length.</param>
    /// <param name="results"><see cref="Communicator.Size"/> × <c>values.Length</c> elements.</param>
    /// <exception cref="ArgumentException"><paramref name="results"/> has the wrong length.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Allgather<T>(ReadOnlySpan<T> values, Span<T> results) where T : unmanaged
    {
        CheckAllgather(values.Length, results.Length);
        fixed (T* send = values)
        fixed (T* receive = results)
            RawAllgather(send, receive, values.Length, DatatypeOf<T>.Handle);
    }

    /// <summary>Sends block r of the root's <paramref name="values"/> to rank r's <paramref name="results"/> (MPI_Scatter).</summary>
    /// <param name="values">At the root: <see cref="Communicator.Size"/> × <c>results.Length</c> elements. Ignored elsewhere (may be empty).</param>
    /// <param name="results">This rank's block; every rank passes the same length.</param>
    /// <param name="root">The rank that sends.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentException">The root's <paramref name="values"/> has the wrong length (thrown at the root).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Scatter<T>(ReadOnlySpan<T> values, Span<T> results, int root) where T : unmanaged
    {
        CheckScatter(root, values.Length, results.Length);
        fixed (T* send = values)
        fixed (T* receive = results)
            RawScatter(send, receive, results.Length, DatatypeOf<T>.Handle, root);
    }

    /// <summary>
    /// Sends block r of <paramref name="values"/> to rank r; block r of <paramref name="results"/> comes from rank r
    /// (MPI_Alltoall).
    /// </summary>
    /// <param name="values"><see cref="Communicator.Size"/> blocks of the same length, block r for rank r.</param>
    /// <param name="results">As many elements as <paramref name="values"/>.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="values"/> is not a whole number of blocks, or <paramref name="results"/> has another length.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Alltoall<T>(ReadOnlySpan<T> values, Span<T> results) where T : unmanaged
    {
        int block = AlltoallBlock(values.Length, results.Length);
        fixed (T* send = values)
        fixed (T* receive = results)
            RawAlltoall(send, receive, block, DatatypeOf<T>.Handle);
    }

    /// <summary>
    /// Combines every rank's elements position by position, in rank order, into the root's
    /// <paramref name="results"/> (MPI_Reduce).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same length.</param>
    /// <param name="results">At the root: as many elements as <paramref name="values"/>. Ignored elsewhere (may be empty).</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="root">The rank that receives the result.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">The root's <paramref name="results"/> has the wrong length (thrown at the root).</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Reduce<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op, int root)
        where T : unmanaged
    {
        CheckReduce(root, op, values.Length, results.Length);
        fixed (T* send = values)
        fixed (T* receive = results)
            RawReduce(send, receive, values.Length, op, root);
    }

    /// <summary>
    /// Combines every rank's elements position by position, in rank order, into every rank's
    /// <paramref name="results"/> (MPI_Allreduce).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same length.</param>
    /// <param name="results">As many elements as <paramref name="values"/>.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="results"/> has another length than <paramref name="values"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Allreduce<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op) where T : unmanaged
    {
        CheckElementwise(op, values.Length, results.Length);
        fixed (T* send = values)
        fixed (T* receive = results)
            RawAllreduce(send, receive, values.Length, op);
    }

    /// <summary>
    /// In-place all-reduce: every rank's <paramref name="values"/> are replaced by the position-by-position
    /// combination, in rank order (MPI_Allreduce with MPI_IN_PLACE).
    /// </summary>
    /// <param name="values">This rank's elements, then the result; every rank passes the same length.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Allreduce<T>(Span<T> values, ReductionOperation<T> op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        fixed (T* buffer = values)
            RawAllreduce((void*)Mpi.Abi.InPlace, buffer, values.Length, op);
    }

    /// <summary>
    /// In-place reduce: the root's <paramref name="values"/> are replaced by the position-by-position combination, in
    /// rank order; the other ranks' are left as they are (MPI_Reduce with MPI_IN_PLACE at the root).
    /// </summary>
    /// <param name="values">This rank's elements (at the root, then the result); every rank passes the same length.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="root">The rank that receives the result.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Reduce<T>(Span<T> values, ReductionOperation<T> op, int root) where T : unmanaged
    {
        CheckReduce(root, op, values.Length, values.Length);
        fixed (T* buffer = values)
        {
            // Only the root may pass MPI_IN_PLACE; the others send their values as usual.
            void* send = Rank == root ? (void*)Mpi.Abi.InPlace : buffer;
            RawReduce(send, Rank == root ? buffer : null, values.Length, op, root);
        }
    }

    /// <summary>
    /// In-place inclusive prefix reduction: rank r's <paramref name="values"/> are replaced by the combination of
    /// those of ranks 0 to r, position by position (MPI_Scan with MPI_IN_PLACE).
    /// </summary>
    /// <param name="values">This rank's elements, then the result; every rank passes the same length.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Scan<T>(Span<T> values, ReductionOperation<T> op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        fixed (T* buffer = values)
            RawPrefix((void*)Mpi.Abi.InPlace, buffer, values.Length, op, exclusive: false);
    }

    /// <summary>
    /// In-place exclusive prefix reduction: rank r's <paramref name="values"/> are replaced by the combination of
    /// those of ranks 0 to r - 1; rank 0's are set to default values (MPI_Exscan with MPI_IN_PLACE).
    /// </summary>
    /// <param name="values">This rank's elements, then the result; every rank passes the same length.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ExclusiveScan<T>(Span<T> values, ReductionOperation<T> op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        fixed (T* buffer = values)
            RawPrefix((void*)Mpi.Abi.InPlace, buffer, values.Length, op, exclusive: true);
    }

    /// <summary>
    /// Inclusive prefix reduction: rank r's <paramref name="results"/> get the combination of the values of ranks 0
    /// to r, position by position (MPI_Scan).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same length.</param>
    /// <param name="results">As many elements as <paramref name="values"/>.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="results"/> has another length than <paramref name="values"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Scan<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op) where T : unmanaged
    {
        CheckElementwise(op, values.Length, results.Length);
        fixed (T* send = values)
        fixed (T* receive = results)
            RawPrefix(send, receive, values.Length, op, exclusive: false);
    }

    /// <summary>
    /// Exclusive prefix reduction: rank r's <paramref name="results"/> get the combination of the values of ranks 0
    /// to r - 1, position by position; rank 0's are set to default values (MPI_Exscan).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same length.</param>
    /// <param name="results">As many elements as <paramref name="values"/>.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="results"/> has another length than <paramref name="values"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ExclusiveScan<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op)
        where T : unmanaged
    {
        CheckElementwise(op, values.Length, results.Length);
        fixed (T* send = values)
        fixed (T* receive = results)
            RawPrefix(send, receive, values.Length, op, exclusive: true);
    }

    /// <summary>
    /// Combines every rank's elements position by position, in rank order, then gives rank r the
    /// <paramref name="counts"/>[r] elements after those of lower ranks (MPI_Reduce_scatter).
    /// </summary>
    /// <param name="values">This rank's elements: the sum of <paramref name="counts"/>.</param>
    /// <param name="results">This rank's <paramref name="counts"/>[<see cref="Communicator.Rank"/>] elements.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="counts">How many combined elements each rank gets (<see cref="Communicator.Size"/> counts, the same on every rank).</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="counts"/> does not hold <see cref="Communicator.Size"/> counts or holds a negative one,
    /// <paramref name="values"/> does not hold their sum, or <paramref name="results"/> does not hold this rank's.
    /// </exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ReduceScatter<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op,
        ReadOnlySpan<int> counts) where T : unmanaged
    {
        CheckReduceScatter(op, counts, values.Length, nameof(values));
        RequireLength(results.Length, counts[Rank], nameof(results), "counts[Rank]");
        fixed (T* send = values)
        fixed (T* receive = results)
        fixed (int* countsPointer = counts)
            RawReduceScatter(send, receive, countsPointer, op);
    }
}
