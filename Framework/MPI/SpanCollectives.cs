using System.Runtime.CompilerServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// Collectives over spans of unmanaged values: MPI reads and writes the caller's memory directly, with no copy and
/// no allocation. Lengths are per rank: <c>results</c> of a gather holds <see cref="Communicator.Size"/> blocks of
/// <c>values.Length</c>; an all-to-all exchanges <c>values.Length / Size</c> elements with every rank. Reductions
/// with a predefined operation run as MPI's own; any other delegate runs inside MPI, in rank order.
/// </summary>
public unsafe partial class Intracommunicator
{
    /// <summary>Broadcasts the root's elements into every rank's span (all ranks pass the same length).</summary>
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        ValidateRoot(root);
        fixed (T* p = values)
            Mpi.Check(Mpi.Bcast(p, values.Length, DatatypeOf<T>.Handle, root, LiveHandle));
    }

    /// <summary>Gathers every rank's block into the root's <paramref name="results"/> (in rank order).</summary>
    public void Gather<T>(ReadOnlySpan<T> values, Span<T> results, int root) where T : unmanaged
    {
        ValidateRoot(root);
        if (Rank == root)
            RequireLength(results.Length, checked(values.Length * Size), nameof(results), "Size × values.Length");
        fixed (T* send = values)
        fixed (T* receive = results)
            GatherCore(send, receive, values.Length, DatatypeOf<T>.Handle, root);
    }

    /// <summary>Gathers every rank's block into every rank's <paramref name="results"/> (in rank order).</summary>
    public void Allgather<T>(ReadOnlySpan<T> values, Span<T> results) where T : unmanaged
    {
        RequireLength(results.Length, checked(values.Length * Size), nameof(results), "Size × values.Length");
        fixed (T* send = values)
        fixed (T* receive = results)
            AllgatherCore(send, receive, values.Length, DatatypeOf<T>.Handle);
    }

    /// <summary>Sends block r of the root's <paramref name="values"/> to rank r's <paramref name="results"/>.</summary>
    public void Scatter<T>(ReadOnlySpan<T> values, Span<T> results, int root) where T : unmanaged
    {
        ValidateRoot(root);
        if (Rank == root)
            RequireLength(values.Length, checked(results.Length * Size), nameof(values), "Size × results.Length");
        fixed (T* send = values)
        fixed (T* receive = results)
            ScatterCore(send, receive, results.Length, DatatypeOf<T>.Handle, root);
    }

    /// <summary>Sends block r of <paramref name="values"/> to rank r; block r of <paramref name="results"/> comes from rank r.</summary>
    public void Alltoall<T>(ReadOnlySpan<T> values, Span<T> results) where T : unmanaged
    {
        if (values.Length % Size != 0)
            throw new ArgumentException(
                $"values holds {values.Length} elements, which is not a whole number of blocks for {Size} ranks.",
                nameof(values));
        RequireLength(results.Length, values.Length, nameof(results), "values.Length");
        fixed (T* send = values)
        fixed (T* receive = results)
            AlltoallCore(send, receive, values.Length / Size, DatatypeOf<T>.Handle);
    }

    /// <summary>Combines every rank's elements position by position into the root's <paramref name="results"/>.</summary>
    public void Reduce<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op, int root)
        where T : unmanaged
    {
        ValidateRoot(root);
        ArgumentNullException.ThrowIfNull(op);
        if (Rank == root)
            RequireLength(results.Length, values.Length, nameof(results), "values.Length");
        fixed (T* send = values)
        fixed (T* receive = results)
            ReduceCore(send, receive, values.Length, op, root);
    }

    /// <summary>Combines every rank's elements position by position into every rank's <paramref name="results"/>.</summary>
    public void Allreduce<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        RequireLength(results.Length, values.Length, nameof(results), "values.Length");
        fixed (T* send = values)
        fixed (T* receive = results)
            AllreduceCore(send, receive, values.Length, op);
    }

    /// <summary>In-place all-reduce: every rank's <paramref name="values"/> is replaced by the combination.</summary>
    public void Allreduce<T>(Span<T> values, ReductionOperation<T> op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        fixed (T* buffer = values)
            AllreduceCore((void*)Mpi.Abi.InPlace, buffer, values.Length, op);
    }

    /// <summary>In-place reduce: the root's <paramref name="values"/> are replaced by the combination; others' are left as they are.</summary>
    public void Reduce<T>(Span<T> values, ReductionOperation<T> op, int root) where T : unmanaged
    {
        ValidateRoot(root);
        ArgumentNullException.ThrowIfNull(op);
        fixed (T* buffer = values)
        {
            // Only the root may pass MPI_IN_PLACE; the others send their values as usual.
            void* send = Rank == root ? (void*)Mpi.Abi.InPlace : buffer;
            ReduceCore(send, Rank == root ? buffer : null, values.Length, op, root);
        }
    }

    /// <summary>In-place inclusive prefix reduction.</summary>
    public void Scan<T>(Span<T> values, ReductionOperation<T> op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        fixed (T* buffer = values)
            PrefixCore((void*)Mpi.Abi.InPlace, buffer, values.Length, op, exclusive: false);
    }

    /// <summary>In-place exclusive prefix reduction (rank 0's values are set to default values).</summary>
    public void ExclusiveScan<T>(Span<T> values, ReductionOperation<T> op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        fixed (T* buffer = values)
            PrefixCore((void*)Mpi.Abi.InPlace, buffer, values.Length, op, exclusive: true);
    }

    /// <summary>Inclusive prefix reduction: rank r gets the combination of ranks 0..r.</summary>
    public void Scan<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        RequireLength(results.Length, values.Length, nameof(results), "values.Length");
        fixed (T* send = values)
        fixed (T* receive = results)
            PrefixCore(send, receive, values.Length, op, exclusive: false);
    }

    /// <summary>
    /// Exclusive prefix reduction: rank r gets the combination of ranks 0..r-1; rank 0's
    /// <paramref name="results"/> are set to default values.
    /// </summary>
    public void ExclusiveScan<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        RequireLength(results.Length, values.Length, nameof(results), "values.Length");
        fixed (T* send = values)
        fixed (T* receive = results)
            PrefixCore(send, receive, values.Length, op, exclusive: true);
    }

    /// <summary>Combines position by position, then gives rank r the next <paramref name="counts"/>[r] elements.</summary>
    public void ReduceScatter<T>(ReadOnlySpan<T> values, Span<T> results, ReductionOperation<T> op,
        ReadOnlySpan<int> counts) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        RequireLength(counts.Length, Size, nameof(counts), "Size");
        RequireLength(values.Length, Sum(counts, nameof(counts)), nameof(values), "the sum of counts");
        RequireLength(results.Length, counts[Rank], nameof(results), "counts[Rank]");
        fixed (T* send = values)
        fixed (T* receive = results)
        fixed (int* countsPointer = counts)
            ReduceScatterCore(send, receive, countsPointer, op);
    }

    // The cores take pointers so that both the span API (T : unmanaged) and MPI.NET's array API (T known to be
    // raw only at run time) use them. Arguments are validated by the callers.

    private void GatherCore(void* send, void* receive, int count, nint datatype, int root) =>
        Mpi.Check(Mpi.Gather(send, count, datatype, receive, count, datatype, root, LiveHandle));

    private void AllgatherCore(void* send, void* receive, int count, nint datatype) =>
        Mpi.Check(Mpi.Allgather(send, count, datatype, receive, count, datatype, LiveHandle));

    private void ScatterCore(void* send, void* receive, int count, nint datatype, int root) =>
        Mpi.Check(Mpi.Scatter(send, count, datatype, receive, count, datatype, root, LiveHandle));

    private void AlltoallCore(void* send, void* receive, int block, nint datatype) =>
        Mpi.Check(Mpi.Alltoall(send, block, datatype, receive, block, datatype, LiveHandle));

    private void PrefixCore<T>(void* send, void* receive, int count, ReductionOperation<T> op, bool exclusive)
    {
        using (var reduction = Reductions.Register(op))
        {
            var scan = exclusive ? Mpi.Exscan : Mpi.Scan;
            Mpi.Check(scan(send, receive, count, reduction.Datatype, reduction.Op, LiveHandle));
        }
        // MPI leaves rank 0's exclusive-scan result undefined; MPI.NET's contract is default values.
        if (exclusive && Rank == 0)
            new Span<byte>(receive, count * Unsafe.SizeOf<T>()).Clear();
    }

    private void ValidateRoot(int root)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root,
                $"Root rank {root} is out of range: the communicator has {Size} ranks (0 to {Size - 1}).");
    }


}
