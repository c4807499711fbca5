using System.Runtime.CompilerServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// The collectives of MPI.NET. Unmanaged element types go straight to MPI over the caller's arrays (see
/// <c>SpanCollectives.cs</c>); every other type goes through the serialized path (<c>SerializedCollectives.cs</c>).
/// Arguments only the root can check (its input length) are agreed on before any data moves, so a root that
/// rejects them does not leave the other ranks waiting: they throw too.
/// </summary>
public unsafe partial class Intracommunicator
{
    private static bool IsRaw<T>() => Wire<T>.Kind == WireKind.Raw;

    // ---- Broadcast ----

    /// <summary>Broadcasts the root's value to every rank.</summary>
    public void Broadcast<T>(ref T value, int root)
    {
        ValidateRoot(root);
        if (IsRaw<T>())
        {
            fixed (byte* p = &Unsafe.As<T, byte>(ref value))
                Mpi.Check(Mpi.Bcast(p, 1, DatatypeOf<T>.Handle, root, LiveHandle));
            return;
        }
        var frame = BroadcastBytes(Rank == root ? Pack(value) : null, root);
        if (Rank != root)
            value = Unpack<T>(frame, root);
    }

    /// <summary>
    /// Broadcasts the root's array. Raw elements are received into each rank's array, which must have the root's
    /// length; serialized elements are copied into it when the lengths match, and replace it otherwise.
    /// </summary>
    public void Broadcast<T>(ref T[] values, int root)
    {
        ValidateRoot(root);
        if (IsRaw<T>())
        {
            ArgumentNullException.ThrowIfNull(values);
            fixed (byte* p = &FirstByte(values))
                Mpi.Check(Mpi.Bcast(p, values.Length, DatatypeOf<T>.Handle, root, LiveHandle));
            return;
        }
        var frame = BroadcastBytes(Rank == root ? Pack(values) : null, root);
        if (Rank == root)
            return;
        var received = Unpack<T[]>(frame, root);
        if (values is not null && values.Length == received.Length)
            received.CopyTo(values, 0);
        else
            values = received;
    }

    // ---- Gather ----

    /// <summary>Gathers one value from every rank; the root gets them in rank order, the others null.</summary>
    public T[]? Gather<T>(T value, int root)
    {
        T[]? values = null;
        Gather(value, root, ref values!);
        return Rank == root ? values : null;
    }

    /// <summary>Gathers one value from every rank into the root's <paramref name="outValues"/> (allocated if needed).</summary>
    public void Gather<T>(T inValue, int root, ref T[] outValues)
    {
        ValidateRoot(root);
        if (IsRaw<T>())
        {
            if (Rank == root && (outValues is null || outValues.Length != Size))
                outValues = new T[Size];
            fixed (byte* send = &Unsafe.As<T, byte>(ref inValue))
            fixed (byte* receive = &FirstByte(Rank == root ? outValues : null))
                GatherCore(send, receive, 1, DatatypeOf<T>.Handle, root);
            return;
        }
        var frames = GatherBytes(Pack(inValue), root);
        if (frames is not null)
            outValues = UnpackAll<T>(frames);
    }

    /// <summary>Gathers the same number of elements from every rank, concatenated in rank order at the root.</summary>
    public void GatherFlattened<T>(T[] inValues, int root, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ValidateRoot(root);
        if (IsRaw<T>())
        {
            if (Rank == root && (outValues is null || outValues.Length != inValues.Length * Size))
                outValues = new T[inValues.Length * Size];
            fixed (byte* send = &FirstByte(inValues))
            fixed (byte* receive = &FirstByte(Rank == root ? outValues : null))
                GatherCore(send, receive, inValues.Length, DatatypeOf<T>.Handle, root);
            return;
        }
        var frames = GatherBytes(Pack(inValues), root);
        if (frames is not null)
            outValues = UnpackAll<T[]>(frames).SelectMany(part => part).ToArray();
    }

    /// <summary>
    /// Gathers <paramref name="counts"/>[r] elements from rank r, concatenated in rank order at the root.
    /// <paramref name="counts"/> is needed at the root only (null elsewhere).
    /// </summary>
    public void GatherFlattened<T>(T[] inValues, int[]? counts, int root, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ValidateRoot(root);
        AgreeWithRoot(root, () =>
        {
            ArgumentNullException.ThrowIfNull(counts);
            RequireLength(counts.Length, Size, nameof(counts), "Size");
            RequireLength(inValues.Length, counts[root], nameof(inValues), "counts[root]");
        });
        if (!IsRaw<T>())
        {
            var frames = GatherBytes(Pack(inValues), root);
            if (frames is null)
                return;
            outValues = ConcatenateBlocks<T>(frames, counts!, "rank");
            return;
        }
        int total = Rank == root ? Sum(counts, nameof(counts)) : 0;
        if (Rank == root && (outValues is null || outValues.Length != total))
            outValues = new T[total];
        var displacements = Rank == root ? Displacements(counts) : null;
        var datatype = DatatypeOf<T>.Handle;
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(Rank == root ? outValues : null))
        fixed (int* countsPointer = Rank == root ? counts : null)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Gatherv(send, inValues.Length, datatype, receive, countsPointer, displacementsPointer,
                datatype, root, LiveHandle));
        }
    }

    /// <inheritdoc cref="GatherFlattened{T}(T[], int, ref T[])"/>
    public T[]? GatherFlattened<T>(T[] inValues, int root)
    {
        T[] outValues = null!;
        GatherFlattened(inValues, root, ref outValues);
        return Rank == root ? outValues : null;
    }

    /// <inheritdoc cref="GatherFlattened{T}(T[], int[], int, ref T[])"/>
    public T[]? GatherFlattened<T>(T[] inValues, int[]? counts, int root)
    {
        T[] outValues = null!;
        GatherFlattened(inValues, counts, root, ref outValues);
        return Rank == root ? outValues : null;
    }

    // ---- Allgather ----

    /// <summary>Gathers one value from every rank, on every rank, in rank order.</summary>
    public T[] Allgather<T>(T value)
    {
        T[] values = null!;
        Allgather(value, ref values);
        return values;
    }

    /// <summary>Gathers one value from every rank into every rank's <paramref name="outValues"/> (allocated if needed).</summary>
    public void Allgather<T>(T inValue, ref T[] outValues)
    {
        if (IsRaw<T>())
        {
            if (outValues is null || outValues.Length != Size)
                outValues = new T[Size];
            fixed (byte* send = &Unsafe.As<T, byte>(ref inValue))
            fixed (byte* receive = &FirstByte(outValues))
                AllgatherCore(send, receive, 1, DatatypeOf<T>.Handle);
            return;
        }
        outValues = UnpackAll<T>(AllgatherBytes(Pack(inValue)));
    }

    /// <summary>Gathers <paramref name="counts"/>[r] elements from rank r, concatenated in rank order on every rank.</summary>
    public void AllgatherFlattened<T>(T[] inValues, int[] counts, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(counts);
        RequireLength(counts.Length, Size, nameof(counts), "Size");
        RequireLength(inValues.Length, counts[Rank], nameof(inValues), "counts[Rank]");
        if (!IsRaw<T>())
        {
            outValues = UnpackAll<T[]>(AllgatherBytes(Pack(inValues))).SelectMany(part => part).ToArray();
            return;
        }
        outValues = AllgatherBlocks(inValues, counts, outValues);
    }

    /// <summary>Gathers <paramref name="count"/> elements from every rank, concatenated in rank order on every rank.</summary>
    public void AllgatherFlattened<T>(T[] inValues, int count, ref T[] outValues) =>
        AllgatherFlattened(inValues, Enumerable.Repeat(count, Size).ToArray(), ref outValues);

    /// <inheritdoc cref="AllgatherFlattened{T}(T[], int[], ref T[])"/>
    public T[] AllgatherFlattened<T>(T[] inValues, int[] counts)
    {
        T[] outValues = null!;
        AllgatherFlattened(inValues, counts, ref outValues);
        return outValues;
    }

    /// <inheritdoc cref="AllgatherFlattened{T}(T[], int, ref T[])"/>
    public T[] AllgatherFlattened<T>(T[] inValues, int count)
    {
        T[] outValues = null!;
        AllgatherFlattened(inValues, count, ref outValues);
        return outValues;
    }

    // ---- Scatter ----

    /// <summary>Sends element r of the root's <paramref name="values"/> to rank r (non-roots pass null).</summary>
    public T Scatter<T>(T[]? values, int root)
    {
        ValidateRoot(root);
        AgreeWithRoot(root, () =>
        {
            ArgumentNullException.ThrowIfNull(values);
            RequireLength(values.Length, Size, nameof(values), "Size");
        });
        if (IsRaw<T>())
        {
            T value = default!;
            fixed (byte* send = &FirstByte(Rank == root ? values : null))
            fixed (byte* receive = &Unsafe.As<T, byte>(ref value))
                ScatterCore(send, receive, 1, DatatypeOf<T>.Handle, root);
            return value;
        }
        var frames = Rank == root ? values!.Select(Pack).ToArray() : null;
        return Unpack<T>(ScatterBytes(frames, root), root);
    }

    /// <summary>Scatter called by the root: element r of <paramref name="values"/> goes to rank r.</summary>
    public T Scatter<T>(T[] values) => Scatter(values, Rank);

    /// <summary>Scatter called by a rank that is not the root: receives its element from <paramref name="root"/>.</summary>
    public T Scatter<T>(int root) => Scatter<T>(null, root);

    /// <summary>
    /// Sends <paramref name="counts"/>[r] consecutive elements of the root's <paramref name="inValues"/> to rank r
    /// (every rank passes the counts; non-roots pass null input).
    /// </summary>
    public void ScatterFromFlattened<T>(T[]? inValues, int[] counts, int root, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ValidateRoot(root);
        RequireLength(counts.Length, Size, nameof(counts), "Size");
        int total = Sum(counts, nameof(counts));
        AgreeWithRoot(root, () =>
        {
            ArgumentNullException.ThrowIfNull(inValues);
            RequireLength(inValues.Length, total, nameof(inValues), "the sum of counts");
        });
        if (!IsRaw<T>())
        {
            var frames = Rank == root ? PackBlocks(inValues!, counts) : null;
            outValues = Unpack<T[]>(ScatterBytes(frames, root), root);
            return;
        }
        if (outValues is null || outValues.Length != counts[Rank])
            outValues = new T[counts[Rank]];
        var offsets = Displacements(counts);
        var datatype = DatatypeOf<T>.Handle;
        fixed (byte* send = &FirstByte(Rank == root ? inValues : null))
        fixed (byte* receive = &FirstByte(outValues))
        fixed (int* countsPointer = counts)
        fixed (int* offsetsPointer = offsets)
        {
            Mpi.Check(Mpi.Scatterv(send, countsPointer, offsetsPointer, datatype, receive, counts[Rank], datatype,
                root, LiveHandle));
        }
    }

    /// <summary>Sends <paramref name="count"/> consecutive elements of the root's input to every rank.</summary>
    public void ScatterFromFlattened<T>(T[]? inValues, int count, int root, ref T[] outValues) =>
        ScatterFromFlattened(inValues, Enumerable.Repeat(count, Size).ToArray(), root, ref outValues);

    /// <inheritdoc cref="ScatterFromFlattened{T}(T[], int[], int, ref T[])"/>
    public T[] ScatterFromFlattened<T>(T[]? inValues, int[] counts, int root)
    {
        T[] outValues = null!;
        ScatterFromFlattened(inValues, counts, root, ref outValues);
        return outValues;
    }

    /// <inheritdoc cref="ScatterFromFlattened{T}(T[], int, int, ref T[])"/>
    public T[] ScatterFromFlattened<T>(T[]? inValues, int count, int root)
    {
        T[] outValues = null!;
        ScatterFromFlattened(inValues, count, root, ref outValues);
        return outValues;
    }

    // ---- Alltoall ----

    /// <summary>Sends element r of <paramref name="values"/> to rank r; element r of the result came from rank r.</summary>
    public T[] Alltoall<T>(T[] values)
    {
        T[] outValues = null!;
        Alltoall(values, ref outValues);
        return outValues;
    }

    /// <inheritdoc cref="Alltoall{T}(T[])"/>
    public void Alltoall<T>(T[] inValues, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        RequireLength(inValues.Length, Size, nameof(inValues), "Size");
        if (IsRaw<T>())
        {
            if (outValues is null || outValues.Length != Size)
                outValues = new T[Size];
            fixed (byte* send = &FirstByte(inValues))
            fixed (byte* receive = &FirstByte(outValues))
                AlltoallCore(send, receive, 1, DatatypeOf<T>.Handle);
            return;
        }
        outValues = UnpackAll<T>(AlltoallBytes(inValues.Select(Pack).ToArray()));
    }

    /// <summary>
    /// Sends <paramref name="sendCounts"/>[r] consecutive elements to rank r and receives
    /// <paramref name="recvCounts"/>[r] from rank r, concatenated in rank order.
    /// </summary>
    public void AlltoallFlattened<T>(T[] inValues, int[] sendCounts, int[] recvCounts, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(sendCounts);
        ArgumentNullException.ThrowIfNull(recvCounts);
        RequireLength(sendCounts.Length, Size, nameof(sendCounts), "Size");
        RequireLength(recvCounts.Length, Size, nameof(recvCounts), "Size");
        RequireLength(inValues.Length, Sum(sendCounts, nameof(sendCounts)), nameof(inValues), "the sum of sendCounts");
        if (!IsRaw<T>())
        {
            outValues = ConcatenateBlocks<T>(AlltoallBytes(PackBlocks(inValues, sendCounts)), recvCounts, "rank");
            return;
        }
        outValues = AlltoallBlocks(inValues, sendCounts, recvCounts, outValues);
    }

    /// <summary>Exchanges <paramref name="count"/> consecutive elements with every rank.</summary>
    public void AlltoallFlattened<T>(T[] inValues, int count, ref T[] outValues)
    {
        var counts = Enumerable.Repeat(count, Size).ToArray();
        AlltoallFlattened(inValues, counts, counts, ref outValues);
    }

    /// <inheritdoc cref="AlltoallFlattened{T}(T[], int[], int[], ref T[])"/>
    public T[] AlltoallFlattened<T>(T[] inValues, int[] sendCounts, int[] recvCounts)
    {
        T[] outValues = null!;
        AlltoallFlattened(inValues, sendCounts, recvCounts, ref outValues);
        return outValues;
    }

    /// <inheritdoc cref="AlltoallFlattened{T}(T[], int, ref T[])"/>
    public T[] AlltoallFlattened<T>(T[] inValues, int count)
    {
        T[] outValues = null!;
        AlltoallFlattened(inValues, count, ref outValues);
        return outValues;
    }

    // ---- Reductions ----

    /// <summary>Combines every rank's value at the root (in rank order); the other ranks get default(T).</summary>
    public T Reduce<T>(T value, ReductionOperation<T> op, int root)
    {
        ValidateRoot(root);
        ArgumentNullException.ThrowIfNull(op);
        if (IsRaw<T>())
        {
            T result = default!;
            fixed (byte* send = &Unsafe.As<T, byte>(ref value))
            fixed (byte* receive = &Unsafe.As<T, byte>(ref result))
                ReduceCore(send, receive, 1, op, root);
            return Rank == root ? result : default!;
        }
        var frames = GatherBytes(Pack(value), root);
        return frames is null ? default! : Fold(UnpackAll<T>(frames), Size, op);
    }

    /// <summary>Combines every rank's array position by position at the root; the other ranks get null.</summary>
    public T[] Reduce<T>(T[] values, ReductionOperation<T> op, int root)
    {
        T[] outValues = null!;
        Reduce(values, op, root, ref outValues);
        return outValues;
    }

    /// <inheritdoc cref="Reduce{T}(T[], ReductionOperation{T}, int)"/>
    public void Reduce<T>(T[] inValues, ReductionOperation<T> op, int root, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ValidateRoot(root);
        ArgumentNullException.ThrowIfNull(op);
        if (IsRaw<T>())
        {
            if (Rank == root && (outValues is null || outValues.Length != inValues.Length))
                outValues = new T[inValues.Length];
            fixed (byte* send = &FirstByte(inValues))
            fixed (byte* receive = &FirstByte(Rank == root ? outValues : null))
                ReduceCore(send, receive, inValues.Length, op, root);
            return;
        }
        var frames = GatherBytes(Pack(inValues), root);
        if (frames is not null)
            outValues = FoldArrays(UnpackAll<T[]>(frames), Size, op);
    }

    /// <summary>Combines every rank's value (in rank order), on every rank.</summary>
    public T Allreduce<T>(T value, ReductionOperation<T> op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (IsRaw<T>())
        {
            T result = default!;
            fixed (byte* send = &Unsafe.As<T, byte>(ref value))
            fixed (byte* receive = &Unsafe.As<T, byte>(ref result))
                AllreduceCore(send, receive, 1, op);
            return result;
        }
        return Fold(UnpackAll<T>(AllgatherBytes(Pack(value))), Size, op);
    }

    /// <summary>Combines every rank's array position by position, on every rank.</summary>
    public T[] Allreduce<T>(T[] values, ReductionOperation<T> op)
    {
        T[] outValues = null!;
        Allreduce(values, op, ref outValues);
        return outValues;
    }

    /// <inheritdoc cref="Allreduce{T}(T[], ReductionOperation{T})"/>
    public void Allreduce<T>(T[] inValues, ReductionOperation<T> op, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(op);
        if (IsRaw<T>())
        {
            if (outValues is null || outValues.Length != inValues.Length)
                outValues = new T[inValues.Length];
            fixed (byte* send = &FirstByte(inValues))
            fixed (byte* receive = &FirstByte(outValues))
                AllreduceCore(send, receive, inValues.Length, op);
            return;
        }
        outValues = FoldArrays(UnpackAll<T[]>(AllgatherBytes(Pack(inValues))), Size, op);
    }

    /// <summary>Combines position by position, then gives rank r the next <paramref name="counts"/>[r] elements.</summary>
    public T[] ReduceScatter<T>(T[] values, ReductionOperation<T> op, int[] counts)
    {
        T[] outValues = null!;
        ReduceScatter(values, op, counts, ref outValues);
        return outValues;
    }

    /// <inheritdoc cref="ReduceScatter{T}(T[], ReductionOperation{T}, int[])"/>
    public void ReduceScatter<T>(T[] inValues, ReductionOperation<T> op, int[] counts, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(counts);
        RequireLength(counts.Length, Size, nameof(counts), "Size");
        RequireLength(inValues.Length, Sum(counts, nameof(counts)), nameof(inValues), "the sum of counts");
        if (IsRaw<T>())
        {
            if (outValues is null || outValues.Length != counts[Rank])
                outValues = new T[counts[Rank]];
            fixed (byte* send = &FirstByte(inValues))
            fixed (byte* receive = &FirstByte(outValues))
            fixed (int* countsPointer = counts)
                ReduceScatterCore(send, receive, countsPointer, op);
            return;
        }
        var combined = FoldArrays(UnpackAll<T[]>(AllgatherBytes(Pack(inValues))), Size, op);
        outValues = combined.AsSpan(Displacements(counts)[Rank], counts[Rank]).ToArray();
    }

    /// <summary>Inclusive prefix reduction: rank r gets the combination of the values of ranks 0..r.</summary>
    public T Scan<T>(T value, ReductionOperation<T> op) => ScanValue(value, op, exclusive: false);

    /// <inheritdoc cref="Scan{T}(T, ReductionOperation{T})"/>
    public T[] Scan<T>(T[] values, ReductionOperation<T> op)
    {
        T[] outValues = null!;
        Scan(values, op, ref outValues);
        return outValues;
    }

    /// <inheritdoc cref="Scan{T}(T, ReductionOperation{T})"/>
    public void Scan<T>(T[] inValues, ReductionOperation<T> op, ref T[] outValues) =>
        outValues = ScanArray(inValues, op, outValues, exclusive: false)!;

    /// <summary>Exclusive prefix reduction: rank r gets the combination of ranks 0..r-1; rank 0 gets default(T).</summary>
    public T ExclusiveScan<T>(T value, ReductionOperation<T> op) => ScanValue(value, op, exclusive: true);

    /// <summary>Exclusive prefix reduction of arrays; rank 0 gets null.</summary>
    public T[] ExclusiveScan<T>(T[] values, ReductionOperation<T> op)
    {
        T[] outValues = null!;
        ExclusiveScan(values, op, ref outValues);
        return outValues;
    }

    /// <inheritdoc cref="ExclusiveScan{T}(T[], ReductionOperation{T})"/>
    public void ExclusiveScan<T>(T[] inValues, ReductionOperation<T> op, ref T[] outValues) =>
        outValues = ScanArray(inValues, op, outValues, exclusive: true)!;

    private T ScanValue<T>(T value, ReductionOperation<T> op, bool exclusive)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (IsRaw<T>())
        {
            T result = default!;
            fixed (byte* send = &Unsafe.As<T, byte>(ref value))
            fixed (byte* receive = &Unsafe.As<T, byte>(ref result))
                PrefixCore(send, receive, 1, op, exclusive);
            return result;
        }
        var values = UnpackAll<T>(AllgatherBytes(Pack(value)));
        int count = exclusive ? Rank : Rank + 1;
        return count == 0 ? default! : Fold(values, count, op);
    }

    private T[]? ScanArray<T>(T[] inValues, ReductionOperation<T> op, T[]? outValues, bool exclusive)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(op);
        if (IsRaw<T>())
        {
            if (outValues is null || outValues.Length != inValues.Length)
                outValues = new T[inValues.Length];
            fixed (byte* send = &FirstByte(inValues))
            fixed (byte* receive = &FirstByte(outValues))
                PrefixCore(send, receive, inValues.Length, op, exclusive);
            return exclusive && Rank == 0 ? null : outValues;
        }
        var arrays = UnpackAll<T[]>(AllgatherBytes(Pack(inValues)));
        int count = exclusive ? Rank : Rank + 1;
        return count == 0 ? null : FoldArrays(arrays, count, op);
    }

    /// <summary>
    /// Throws on every rank when the root rejects its arguments (<paramref name="validateAtRoot"/> runs there only):
    /// the root broadcasts its verdict first, so no rank is left waiting for data that will never come.
    /// </summary>
    private void AgreeWithRoot(int root, Action validateAtRoot)
    {
        Exception? problem = null;
        if (Rank == root)
        {
            try
            {
                validateAtRoot();
            }
            catch (ArgumentException e)
            {
                problem = e;
            }
        }
        int rejected = problem is null ? 0 : 1;
        Mpi.Check(Mpi.Bcast(&rejected, 1, Mpi.Abi.Datatypes.Int32, root, LiveHandle));
        if (problem is not null)
            throw problem;
        if (rejected != 0)
            throw new ArgumentException(
                $"The root (rank {root}) rejected the arguments of this collective call, so no rank performed it.");
    }
}
