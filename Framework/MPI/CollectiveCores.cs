using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// Each collective written once, for intra- and intercommunicators: the public forms check their arguments, decide
/// this rank's <see cref="CollectiveRole"/> from the communicator's kind and call the core here. A core sends values
/// of unmanaged types straight from (and into) the caller's memory through the raw cores at the end of this file,
/// which the span forms share, and hands every other type to its serialized twin in <c>SerializedCollectives.cs</c>.
/// Buffers a rank's role makes insignificant are passed to MPI as null.
/// </summary>
public abstract unsafe partial class Communicator
{
    /// <summary>Whether values of <typeparamref name="T"/> travel as their own memory: the one raw-or-serialized test.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsRaw<T>() => Wire<T>.Kind == WireKind.Raw;

    // ---- Broadcast ----

    private protected void BroadcastValue<T>(ref T value, CollectiveRole role)
    {
        if (!IsRaw<T>())
        {
            BroadcastSerialized(ref value, role);
            return;
        }
        fixed (byte* buffer = &Unsafe.As<T, byte>(ref value))
            RawBroadcast(buffer, 1, DatatypeOf<T>.Handle, role.NativeRoot);
    }

    /// <summary>
    /// The root's array; peers receive raw elements into theirs (of the root's length), serialized elements are
    /// copied into theirs when the lengths match and replace it otherwise.
    /// </summary>
    private protected void BroadcastArray<T>(ref T[] values, CollectiveRole role)
    {
        if (!IsRaw<T>())
        {
            BroadcastSerialized(ref values, role);
            return;
        }
        if (role.IsRoot || role.IsPeer)
            ArgumentNullException.ThrowIfNull(values);
        fixed (byte* buffer = &FirstByte(values))
            RawBroadcast(buffer, values?.Length ?? 0, DatatypeOf<T>.Handle, role.NativeRoot);
    }

    // ---- Gather ----

    /// <summary>One value from every peer into the root's <paramref name="outValues"/>; other ranks' is left alone.</summary>
    private protected void GatherValue<T>(T value, CollectiveRole role, ref T[]? outValues)
    {
        if (!IsRaw<T>())
        {
            GatherSerialized(value, role, ref outValues);
            return;
        }
        if (role.IsRoot)
            Reuse(ref outValues, role.Peers);
        fixed (byte* receive = &FirstByte(role.IsRoot ? outValues : null))
            RawGather(Unsafe.AsPointer(ref value), receive, 1, DatatypeOf<T>.Handle, role.NativeRoot);
    }

    /// <summary>The same number of elements from every peer, concatenated at the root.</summary>
    private protected void GatherBlocks<T>(T[] inValues, CollectiveRole role, ref T[]? outValues)
    {
        if (!IsRaw<T>())
        {
            GatherBlocksSerialized(inValues, role, ref outValues);
            return;
        }
        if (role.IsRoot)
            Reuse(ref outValues, checked(inValues.Length * role.Peers));
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(role.IsRoot ? outValues : null))
            RawGather(send, receive, inValues.Length, DatatypeOf<T>.Handle, role.NativeRoot);
    }

    /// <summary>
    /// <paramref name="counts"/>[r] elements from peer r (counts significant at the root, checked there), concatenated
    /// at the root; peers send <paramref name="inValues"/>.
    /// </summary>
    private protected void GatherVarying<T>(T[]? inValues, int[]? counts, CollectiveRole role, ref T[]? outValues)
    {
        if (!IsRaw<T>())
        {
            GatherVaryingSerialized(inValues, counts, role, ref outValues);
            return;
        }
        int[]? displacements = null;
        if (role.IsRoot)
        {
            Reuse(ref outValues, Sum(counts, nameof(counts)));
            displacements = Displacements(counts);
        }
        var datatype = DatatypeOf<T>.Handle;
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(role.IsRoot ? outValues : null))
        fixed (int* countsPointer = role.IsRoot ? counts : null)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Gatherv(send, inValues?.Length ?? 0, datatype, receive, countsPointer, displacementsPointer,
                datatype, role.NativeRoot, LiveHandle));
        }
    }

    // ---- Allgather ----

    /// <summary>One value from every peer, on every rank.</summary>
    private protected void AllgatherValue<T>(T value, CollectiveRole all, [NotNull] ref T[]? outValues)
    {
        if (!IsRaw<T>())
        {
            outValues = AllgatherSerialized(value, all);
            return;
        }
        Reuse(ref outValues, all.Peers);
        fixed (byte* receive = &FirstByte(outValues))
            RawAllgather(Unsafe.AsPointer(ref value), receive, 1, DatatypeOf<T>.Handle);
    }

    /// <summary><paramref name="counts"/>[r] elements from peer r (checked by the caller), concatenated on every rank.</summary>
    private protected void AllgatherVarying<T>(T[] inValues, int[] counts, CollectiveRole all, [NotNull] ref T[]? outValues)
    {
        if (!IsRaw<T>())
        {
            outValues = AllgatherVaryingSerialized(inValues, counts, all);
            return;
        }
        Reuse(ref outValues, Sum(counts, nameof(counts)));
        var displacements = Displacements(counts);
        var datatype = DatatypeOf<T>.Handle;
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(outValues))
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Allgatherv(send, inValues.Length, datatype, receive, countsPointer, displacementsPointer,
                datatype, LiveHandle));
        }
    }

    // ---- Scatter ----

    /// <summary>Element r of the root's <paramref name="values"/> to peer r; ranks that are no peer get default(T).</summary>
    private protected T? ScatterValue<T>(T[]? values, CollectiveRole role)
    {
        if (!IsRaw<T>())
            return ScatterSerialized(values, role);
        T value = default!;
        fixed (byte* send = &FirstByte(role.IsRoot ? values : null))
            RawScatter(send, Unsafe.AsPointer(ref value), 1, DatatypeOf<T>.Handle, role.NativeRoot);
        return value;
    }

    /// <summary>
    /// <paramref name="counts"/>[r] consecutive elements of the root's <paramref name="inValues"/> to peer r; a peer
    /// finds what it receives at <paramref name="counts"/>[Rank] (counts checked by the caller).
    /// </summary>
    private protected void ScatterVarying<T>(T[]? inValues, int[]? counts, CollectiveRole role, ref T[]? outValues)
    {
        if (!IsRaw<T>())
        {
            ScatterVaryingSerialized(inValues, counts, role, ref outValues);
            return;
        }
        int mine = role.IsPeer ? counts![Rank] : 0;
        if (role.IsPeer)
            Reuse(ref outValues, mine);
        var displacements = role.IsRoot ? Displacements(counts) : null;
        var datatype = DatatypeOf<T>.Handle;
        fixed (byte* send = &FirstByte(role.IsRoot ? inValues : null))
        fixed (byte* receive = &FirstByte(role.IsPeer ? outValues : null))
        fixed (int* countsPointer = role.IsRoot ? counts : null)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Scatterv(send, countsPointer, displacementsPointer, datatype, receive, mine, datatype,
                role.NativeRoot, LiveHandle));
        }
    }

    // ---- Alltoall ----

    /// <summary>Element r of <paramref name="inValues"/> (one per peer, checked by the caller) to peer r, and back.</summary>
    private protected void AlltoallValues<T>(T[] inValues, CollectiveRole all, [NotNull] ref T[]? outValues)
    {
        if (!IsRaw<T>())
        {
            outValues = AlltoallSerialized(inValues);
            return;
        }
        Reuse(ref outValues, inValues.Length);
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(outValues))
            RawAlltoall(send, receive, 1, DatatypeOf<T>.Handle);
    }

    /// <summary><paramref name="sendCounts"/>[r] consecutive elements to peer r, <paramref name="recvCounts"/>[r] from it.</summary>
    private protected void AlltoallVarying<T>(T[] inValues, int[] sendCounts, int[] recvCounts, CollectiveRole all,
        [NotNull] ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        int sendTotal = RequireCounts(sendCounts, nameof(sendCounts), all);
        RequireCounts(recvCounts, nameof(recvCounts), all);
        RequireLength(inValues.Length, sendTotal, nameof(inValues), "the sum of sendCounts");
        if (!IsRaw<T>())
        {
            outValues = AlltoallVaryingSerialized(inValues, sendCounts, recvCounts, all);
            return;
        }
        Reuse(ref outValues, Sum(recvCounts, nameof(recvCounts)));
        var sendOffsets = Displacements(sendCounts);
        var receiveOffsets = Displacements(recvCounts);
        var datatype = DatatypeOf<T>.Handle;
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(outValues))
        fixed (int* sendCountsPointer = sendCounts)
        fixed (int* sendOffsetsPointer = sendOffsets)
        fixed (int* receiveCountsPointer = recvCounts)
        fixed (int* receiveOffsetsPointer = receiveOffsets)
        {
            Mpi.Check(Mpi.Alltoallv(send, sendCountsPointer, sendOffsetsPointer, datatype, receive,
                receiveCountsPointer, receiveOffsetsPointer, datatype, LiveHandle));
        }
    }

    // ---- Reductions ----

    /// <summary>The combination (in rank order) of the peers' values at the root; default(T) elsewhere.</summary>
    private protected T? ReduceValue<T>(T value, ReductionOperation<T> op, CollectiveRole role)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!IsRaw<T>())
            return ReduceSerialized(value, op, role);
        T result = default!;
        RawReduce(Unsafe.AsPointer(ref value), Unsafe.AsPointer(ref result), 1, op, role.NativeRoot);
        return role.IsRoot ? result : default;
    }

    /// <summary>
    /// The position-by-position combination of the peers' arrays into the root's <paramref name="outValues"/>. Peers
    /// pass <paramref name="inValues"/>; a root that is no peer learns the length from the arrays it passes.
    /// </summary>
    private protected void ReduceArray<T>(T[]? inValues, ReductionOperation<T> op, CollectiveRole role,
        ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (role.IsPeer)
            ArgumentNullException.ThrowIfNull(inValues);
        if (!IsRaw<T>())
        {
            ReduceArraySerialized(inValues, op, role, ref outValues);
            return;
        }
        // MPI needs the count at the root too: there it is the result's length.
        int count = role.IsPeer ? inValues!.Length
            : !role.IsRoot ? 0
            : outValues?.Length ?? inValues?.Length ?? throw new ArgumentException(
                "The root of an intercommunicator Reduce of raw arrays passes outValues (or inValues) of the result's length.");
        if (role.IsRoot)
            Reuse(ref outValues, count);
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(role.IsRoot ? outValues : null))
        {
            // An intercommunicator root's send buffer is never read, but MPICH rejects a null one.
            byte unused = 0;
            RawReduce(send is null ? &unused : send, receive, count, op, role.NativeRoot);
        }
    }

    /// <summary>The combination (in rank order) of the peers' values, on every rank.</summary>
    private protected T AllreduceValue<T>(T value, ReductionOperation<T> op, CollectiveRole all)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!IsRaw<T>())
            return AllreduceSerialized(value, op, all);
        T result = default!;
        RawAllreduce(Unsafe.AsPointer(ref value), Unsafe.AsPointer(ref result), 1, op);
        return result;
    }

    /// <summary>The position-by-position combination of the peers' arrays, on every rank.</summary>
    private protected void AllreduceArray<T>(T[] inValues, ReductionOperation<T> op, CollectiveRole all,
        [NotNull] ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(op);
        if (!IsRaw<T>())
        {
            outValues = AllreduceArraySerialized(inValues, op, all);
            return;
        }
        Reuse(ref outValues, inValues.Length);
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(outValues))
            RawAllreduce(send, receive, inValues.Length, op);
    }

    /// <summary>
    /// The position-by-position combination of the peers' arrays, of which local rank r keeps the
    /// <paramref name="counts"/>[r] elements at its offset.
    /// </summary>
    private protected void ReduceScatterArray<T>(T[] inValues, ReductionOperation<T> op, int[] counts,
        CollectiveRole all, [NotNull] ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(counts);
        CheckReduceScatter(op, counts, inValues.Length, nameof(inValues));
        if (!IsRaw<T>())
        {
            outValues = ReduceScatterSerialized(inValues, op, counts, all);
            return;
        }
        Reuse(ref outValues, counts[Rank]);
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(outValues))
        fixed (int* countsPointer = counts)
            RawReduceScatter(send, receive, countsPointer, op);
    }

    /// <summary>Inclusive or exclusive prefix reduction of one value; rank 0 of an exclusive one gets default(T).</summary>
    private protected T? ScanValue<T>(T value, ReductionOperation<T> op, bool exclusive)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!IsRaw<T>())
            return ScanSerialized(value, op, exclusive);
        T result = default!;
        RawPrefix(Unsafe.AsPointer(ref value), Unsafe.AsPointer(ref result), 1, op, exclusive);
        return result;
    }

    /// <summary>Inclusive or exclusive prefix reduction of arrays; rank 0 of an exclusive one gets null.</summary>
    private protected T[]? ScanArray<T>(T[] inValues, ReductionOperation<T> op, T[]? outValues, bool exclusive)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(op);
        if (!IsRaw<T>())
            return ScanArraySerialized(inValues, op, exclusive);
        Reuse(ref outValues, inValues.Length);
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(outValues))
            RawPrefix(send, receive, inValues.Length, op, exclusive);
        return exclusive && Rank == 0 ? null : outValues;
    }

    /// <summary>Keeps the caller's array when it has the length the result needs; allocates one otherwise.</summary>
    private static void Reuse<T>([NotNull] ref T[]? values, int length)
    {
        if (values is null || values.Length != length)
            values = new T[length];
    }

    // ---- Raw cores: the only calls of MPI's collectives over caller memory (arguments checked by the callers) ----

    private protected void RawBroadcast(void* buffer, int count, nint datatype, int nativeRoot) =>
        Mpi.Check(Mpi.Bcast(buffer, count, datatype, nativeRoot, LiveHandle));

    private protected void RawGather(void* send, void* receive, int count, nint datatype, int nativeRoot) =>
        Mpi.Check(Mpi.Gather(send, count, datatype, receive, count, datatype, nativeRoot, LiveHandle));

    private protected void RawAllgather(void* send, void* receive, int count, nint datatype) =>
        Mpi.Check(Mpi.Allgather(send, count, datatype, receive, count, datatype, LiveHandle));

    private protected void RawScatter(void* send, void* receive, int count, nint datatype, int nativeRoot) =>
        Mpi.Check(Mpi.Scatter(send, count, datatype, receive, count, datatype, nativeRoot, LiveHandle));

    private protected void RawAlltoall(void* send, void* receive, int block, nint datatype) =>
        Mpi.Check(Mpi.Alltoall(send, block, datatype, receive, block, datatype, LiveHandle));

    private protected void RawReduce<T>(void* send, void* receive, int count, ReductionOperation<T> op, int nativeRoot)
    {
        using var reduction = Reductions.Register(op);
        Mpi.Check(Mpi.Reduce(send, receive, count, reduction.Datatype, reduction.Op, nativeRoot, LiveHandle));
    }

    private protected void RawAllreduce<T>(void* send, void* receive, int count, ReductionOperation<T> op)
    {
        using var reduction = Reductions.Register(op);
        Mpi.Check(Mpi.Allreduce(send, receive, count, reduction.Datatype, reduction.Op, LiveHandle));
    }

    private protected void RawReduceScatter<T>(void* send, void* receive, int* counts, ReductionOperation<T> op)
    {
        using var reduction = Reductions.Register(op);
        Mpi.Check(Mpi.Reduce_scatter(send, receive, counts, reduction.Datatype, reduction.Op, LiveHandle));
    }

    private protected void RawPrefix<T>(void* send, void* receive, int count, ReductionOperation<T> op, bool exclusive)
    {
        using (var reduction = Reductions.Register(op))
        {
            Mpi.Check(exclusive
                ? Mpi.Exscan(send, receive, count, reduction.Datatype, reduction.Op, LiveHandle)
                : Mpi.Scan(send, receive, count, reduction.Datatype, reduction.Op, LiveHandle));
        }
        // MPI leaves rank 0's exclusive-scan result undefined; MPI.NET's contract is default values.
        if (exclusive && Rank == 0)
            new Span<byte>(receive, count * Unsafe.SizeOf<T>()).Clear();
    }
}
