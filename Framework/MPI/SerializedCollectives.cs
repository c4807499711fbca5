using MPI.Native;

namespace MPI;

/// <summary>
/// The serialized path of the collectives, for values that are not of unmanaged types: each rank's contribution is
/// serialized into one frame, the frames travel through MPI's variable-count collectives (lengths first, then
/// bytes), and reductions combine the deserialized values on the receiving ranks in rank order, so that
/// non-commutative operations such as string concatenation give the rank-ordered result. Each method here is the
/// serialized twin of a core in <c>CollectiveCores.cs</c>, for intra- and intercommunicators alike.
/// </summary>
public abstract unsafe partial class Communicator
{
    // ---- The twins of the cores ----

    private void BroadcastSerialized<T>(ref T value, CollectiveRole role)
    {
        var frame = BroadcastBytes(role.IsRoot ? Pack(value) : null, role);
        if (Receives(role))
            value = Unpack<T>(frame!, role.NativeRoot);
    }

    private void BroadcastSerialized<T>(ref T[] values, CollectiveRole role)
    {
        var frame = BroadcastBytes(role.IsRoot ? Pack(values) : null, role);
        if (!Receives(role))
            return;
        var received = Unpack<T[]>(frame!, role.NativeRoot);
        if (values is not null && received is not null && values.Length == received.Length)
            received.CopyTo(values, 0);
        else
            values = received!;
    }

    private void GatherSerialized<T>(T value, CollectiveRole role, ref T[]? outValues)
    {
        var frames = GatherBytes(role.IsPeer ? Pack(value) : Frame.Empty, role);
        if (frames is not null)
            outValues = UnpackAll<T>(frames);
    }

    private void GatherBlocksSerialized<T>(T[] inValues, CollectiveRole role, ref T[]? outValues)
    {
        var frames = GatherBytes(Pack(inValues), role);
        if (frames is not null)
            outValues = UnpackAll<T[]>(frames).SelectMany(part => part).ToArray();
    }

    private void GatherVaryingSerialized<T>(T[]? inValues, int[]? counts, CollectiveRole role, ref T[]? outValues)
    {
        var frames = GatherBytes(role.IsPeer ? Pack(inValues) : Frame.Empty, role);
        if (frames is not null)
            outValues = ConcatenateBlocks<T>(frames, counts!, role);
    }

    private T[] AllgatherSerialized<T>(T value, CollectiveRole all) => UnpackAll<T>(AllgatherBytes(Pack(value), all));

    private T[] AllgatherVaryingSerialized<T>(T[] inValues, int[] counts, CollectiveRole all) =>
        ConcatenateBlocks<T>(AllgatherBytes(Pack(inValues), all), counts, all);

    private T? ScatterSerialized<T>(T[]? values, CollectiveRole role)
    {
        var frame = ScatterBytes(role.IsRoot ? values!.Select(Pack).ToArray() : null, role);
        return role.IsPeer ? Unpack<T>(frame, role.NativeRoot) : default;
    }

    private void ScatterVaryingSerialized<T>(T[]? inValues, int[]? counts, CollectiveRole role, ref T[]? outValues)
    {
        var frame = ScatterBytes(role.IsRoot ? PackBlocks(inValues!, counts!) : null, role);
        if (role.IsPeer)
            outValues = Unpack<T[]>(frame, role.NativeRoot);
    }

    private T[] AlltoallSerialized<T>(T[] inValues) => UnpackAll<T>(AlltoallBytes(inValues.Select(Pack).ToArray()));

    private T[] AlltoallVaryingSerialized<T>(T[] inValues, int[] sendCounts, int[] recvCounts, CollectiveRole all) =>
        ConcatenateBlocks<T>(AlltoallBytes(PackBlocks(inValues, sendCounts)), recvCounts, all);

    private T? ReduceSerialized<T>(T value, ReductionOperation<T> op, CollectiveRole role)
    {
        var frames = GatherBytes(role.IsPeer ? Pack(value) : Frame.Empty, role);
        return frames is null ? default : Fold(UnpackAll<T>(frames), frames.Length, op);
    }

    private void ReduceArraySerialized<T>(T[]? inValues, ReductionOperation<T> op, CollectiveRole role,
        ref T[]? outValues)
    {
        var frames = GatherBytes(role.IsPeer ? Pack(inValues) : Frame.Empty, role);
        if (frames is not null)
            outValues = FoldArrays(UnpackAll<T[]>(frames), frames.Length, op);
    }

    private T AllreduceSerialized<T>(T value, ReductionOperation<T> op, CollectiveRole all)
    {
        var values = UnpackAll<T>(AllgatherBytes(Pack(value), all));
        return Fold(values, values.Length, op);
    }

    private T[] AllreduceArraySerialized<T>(T[] inValues, ReductionOperation<T> op, CollectiveRole all)
    {
        var arrays = UnpackAll<T[]>(AllgatherBytes(Pack(inValues), all));
        return FoldArrays(arrays, arrays.Length, op);
    }

    private T[] ReduceScatterSerialized<T>(T[] inValues, ReductionOperation<T> op, int[] counts, CollectiveRole all)
    {
        var combined = AllreduceArraySerialized(inValues, op, all);
        return combined.AsSpan(Displacements(counts)[Rank], counts[Rank]).ToArray();
    }

    private T? ScanSerialized<T>(T value, ReductionOperation<T> op, bool exclusive)
    {
        var values = UnpackAll<T>(AllgatherBytes(Pack(value), CollectiveRole.All(Size, remote: false)));
        int count = exclusive ? Rank : Rank + 1;
        return count == 0 ? default : Fold(values, count, op);
    }

    private T[]? ScanArraySerialized<T>(T[] inValues, ReductionOperation<T> op, bool exclusive)
    {
        var arrays = UnpackAll<T[]>(AllgatherBytes(Pack(inValues), CollectiveRole.All(Size, remote: false)));
        int count = exclusive ? Rank : Rank + 1;
        return count == 0 ? null : FoldArrays(arrays, count, op);
    }

    /// <summary>Whether this rank receives the root's broadcast: its peers, but not the root itself.</summary>
    private static bool Receives(CollectiveRole role) => role.IsPeer && !role.IsRoot;

    // ---- Values to frames and back ----

    /// <summary>Serializes a contribution to a collective into storage that never moves, padded to 8 bytes.</summary>
    private Frame Pack<T>(T value)
    {
        var writer = SerializedFrame.Write(value, Serialization);
        try
        {
            long length = writer.Length - FrameWriter.Reserved;
            var storage = FrameStorage.Allocate(Padded(length));
            long at = 0;
            bool first = true;
            foreach (var segment in writer.Segments())
            {
                var bytes = first ? segment.AsSpan(FrameWriter.Reserved) : segment.AsSpan();
                bytes.CopyTo(new Span<byte>(storage.Pointer + at, bytes.Length));
                at += bytes.Length;
                first = false;
            }
            return new Frame(storage, 0, length);
        }
        finally
        {
            SerializedFrame.Release(writer);
        }
    }

    // Unpacking is the last use of received frames: their pooled storage goes back once the values are read (every
    // value is copied out). A rank's own packed frames go back in the exchanges below, once MPI has sent them.

    private T Unpack<T>(Frame frame, int source)
    {
        try
        {
            return SerializedFrame.Read<T>(frame.Bytes, Serialization, source, tag: -1);
        }
        finally
        {
            frame.Storage.Return();
            GC.KeepAlive(frame); // its storage may be native memory freed by a finalizer
        }
    }

    private T[] UnpackAll<T>(Frame[] frames)
    {
        try
        {
            var values = new T[frames.Length];
            for (int rank = 0; rank < frames.Length; rank++)
                values[rank] = SerializedFrame.Read<T>(frames[rank].Bytes, Serialization, rank, tag: -1);
            return values;
        }
        finally
        {
            Return(frames);
        }
    }

    private static void Return(Frame[] frames)
    {
        foreach (var frame in frames)
            frame.Storage.Return();
        GC.KeepAlive(frames);
    }

    /// <summary>Frames of consecutive blocks of <paramref name="values"/>, <paramref name="counts"/>[r] elements each.</summary>
    private Frame[] PackBlocks<T>(T[] values, int[] counts)
    {
        var offsets = Displacements(counts);
        return counts.Select((count, rank) => Pack(values.AsSpan(offsets[rank], count).ToArray())).ToArray();
    }

    /// <summary>The blocks that <paramref name="frames"/> carry, checked against the expected counts, concatenated.</summary>
    private T[] ConcatenateBlocks<T>(Frame[] frames, int[] counts, CollectiveRole role)
    {
        var parts = UnpackAll<T[]>(frames);
        for (int rank = 0; rank < parts.Length; rank++)
            RequireLength(parts[rank].Length, counts[rank], $"counts[{rank}]", $"what {role.PeerNoun} {rank} sent");
        return parts.SelectMany(part => part).ToArray();
    }

    /// <summary>Left fold in rank order: ((v0 op v1) op v2)...</summary>
    private static T Fold<T>(T[] values, int count, ReductionOperation<T> op)
    {
        var result = values[0];
        for (int rank = 1; rank < count; rank++)
            result = op(result, values[rank]);
        return result;
    }

    /// <summary>Position-by-position left fold over the first <paramref name="count"/> ranks' arrays.</summary>
    private static T[] FoldArrays<T>(T[][] arrays, int count, ReductionOperation<T> op)
    {
        int length = arrays[0]?.Length ?? 0;
        for (int rank = 0; rank < count; rank++)
        {
            if ((arrays[rank]?.Length ?? 0) != length)
                throw new ArgumentException(
                    $"Rank {rank} contributed {arrays[rank]?.Length ?? 0} elements but rank 0 contributed {length}: " +
                    "a reduction needs the same number of elements from every rank.");
        }
        var result = (T[])arrays[0].Clone();
        for (int rank = 1; rank < count; rank++)
        {
            for (int i = 0; i < length; i++)
                result[i] = op(result[i], arrays[rank][i]);
        }
        return result;
    }

    // ---- Frames through MPI ----
    // Frames travel as lengths first (64-bit), then bytes, through the v-collectives. The bytes move in units of 8
    // (frames are padded to 8 bytes), so that counts and displacements, which MPI takes as int, reach 16 GiB per
    // collective instead of 2 GiB.

    private static long Padded(long length) => (length + 7) & ~7L;

    private static int Units(long length) => (length + 7) / 8 <= int.MaxValue
        ? (int)((length + 7) / 8)
        : throw new ArgumentException($"A serialized value of {length} bytes is more than one collective can carry.");

    private static nint Unit => DatatypeOf<UnitOfEight>.Handle;

    /// <summary>Unit counts and displacements of frames of <paramref name="lengths"/> bytes laid end to end.</summary>
    private static (int[] Counts, int[] Displacements) Layout(long[] lengths)
    {
        var counts = new int[lengths.Length];
        for (int i = 0; i < lengths.Length; i++)
            counts[i] = Units(lengths[i]);
        Sum(counts, "frames");
        return (counts, Displacements(counts));
    }

    private static FrameStorage AllocateLaidOut(int[] counts, int[] displacements) =>
        FrameStorage.Allocate((displacements.LastOrDefault() + (long)counts.LastOrDefault()) * 8);

    private static Frame[] Split(FrameStorage all, long[] lengths, int[] displacements)
    {
        var frames = new Frame[lengths.Length];
        for (int i = 0; i < lengths.Length; i++)
            frames[i] = new Frame(all, displacements[i] * 8L, lengths[i]);
        return frames;
    }

    /// <summary>Frames laid end to end (each at a multiple of 8) in new storage.</summary>
    private static FrameStorage Concatenate(Frame[] frames, int[] counts, int[] displacements)
    {
        var all = AllocateLaidOut(counts, displacements);
        for (int i = 0; i < frames.Length; i++)
        {
            long at = displacements[i] * 8L;
            foreach (var piece in frames[i].Bytes)
            {
                piece.Span.CopyTo(new Span<byte>(all.Pointer + at, piece.Length));
                at += piece.Length;
            }
            GC.KeepAlive(frames[i]);
        }
        return all;
    }

    /// <summary>Broadcasts the root's frame; the ranks that receive it get a new one, the others null.</summary>
    private Frame? BroadcastBytes(Frame? frame, CollectiveRole role)
    {
        long length = frame?.Length ?? 0;
        Mpi.Check(Mpi.Bcast(&length, 1, Mpi.Abi.Datatypes.Int64, role.NativeRoot, LiveHandle));
        if (Receives(role))
            frame = new Frame(FrameStorage.Allocate(Padded(length)), 0, length);
        Mpi.Check(Mpi.Bcast(frame is null ? null : frame.Pointer, Units(length), Unit, role.NativeRoot, LiveHandle));
        GC.KeepAlive(frame);
        if (!Receives(role))
        {
            frame?.Storage.Return();
            return null;
        }
        return frame;
    }

    /// <summary>Gathers the peers' frames at the root (null elsewhere).</summary>
    private Frame[]? GatherBytes(Frame frame, CollectiveRole role)
    {
        var lengths = role.IsRoot ? new long[role.Peers] : null;
        long length = frame.Length;
        fixed (long* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Gather(&length, 1, Mpi.Abi.Datatypes.Int64, lengthsPointer, 1, Mpi.Abi.Datatypes.Int64,
                role.NativeRoot, LiveHandle));
        }
        var (counts, displacements) = lengths is null ? (null, null) : Layout(lengths);
        var all = lengths is null ? null : AllocateLaidOut(counts!, displacements!);
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Gatherv(frame.Pointer, Units(length), Unit, all is null ? null : all.Pointer, countsPointer,
                displacementsPointer, Unit, role.NativeRoot, LiveHandle));
        }
        frame.Storage.Return();
        GC.KeepAlive(frame);
        return all is null ? null : Split(all, lengths!, displacements!);
    }

    /// <summary>Every rank gets the frames of its peers.</summary>
    private Frame[] AllgatherBytes(Frame frame, CollectiveRole all)
    {
        var lengths = new long[all.Peers];
        long length = frame.Length;
        fixed (long* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Allgather(&length, 1, Mpi.Abi.Datatypes.Int64, lengthsPointer, 1, Mpi.Abi.Datatypes.Int64,
                LiveHandle));
        }
        var (counts, displacements) = Layout(lengths);
        var storage = AllocateLaidOut(counts, displacements);
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Allgatherv(frame.Pointer, Units(length), Unit, storage.Pointer, countsPointer,
                displacementsPointer, Unit, LiveHandle));
        }
        frame.Storage.Return();
        GC.KeepAlive(frame);
        return Split(storage, lengths, displacements);
    }

    /// <summary>Frame r of the root's <paramref name="frames"/> (null elsewhere) goes to peer r.</summary>
    private Frame ScatterBytes(Frame[]? frames, CollectiveRole role)
    {
        var lengths = frames?.Select(frame => frame.Length).ToArray();
        long length = 0;
        fixed (long* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Scatter(lengthsPointer, 1, Mpi.Abi.Datatypes.Int64, &length, 1, Mpi.Abi.Datatypes.Int64,
                role.NativeRoot, LiveHandle));
        }
        var (counts, displacements) = lengths is null ? (null, null) : Layout(lengths);
        var all = frames is null ? null : Concatenate(frames, counts!, displacements!);
        var mine = new Frame(FrameStorage.Allocate(Padded(length)), 0, length);
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Scatterv(all is null ? null : all.Pointer, countsPointer, displacementsPointer, Unit,
                mine.Pointer, Units(length), Unit, role.NativeRoot, LiveHandle));
        }
        all?.Return();
        if (frames is not null)
            Return(frames);
        return mine;
    }

    /// <summary>Frame r goes to peer r; element r of the result came from it.</summary>
    private Frame[] AlltoallBytes(Frame[] frames)
    {
        var sendLengths = frames.Select(frame => frame.Length).ToArray();
        var receiveLengths = new long[frames.Length];
        fixed (long* send = sendLengths)
        fixed (long* receive = receiveLengths)
        {
            Mpi.Check(Mpi.Alltoall(send, 1, Mpi.Abi.Datatypes.Int64, receive, 1, Mpi.Abi.Datatypes.Int64, LiveHandle));
        }
        var (sendCounts, sendDisplacements) = Layout(sendLengths);
        var (receiveCounts, receiveDisplacements) = Layout(receiveLengths);
        var outgoing = Concatenate(frames, sendCounts, sendDisplacements);
        var incoming = AllocateLaidOut(receiveCounts, receiveDisplacements);
        fixed (int* sendCountsPointer = sendCounts)
        fixed (int* sendOffsets = sendDisplacements)
        fixed (int* receiveCountsPointer = receiveCounts)
        fixed (int* receiveOffsets = receiveDisplacements)
        {
            Mpi.Check(Mpi.Alltoallv(outgoing.Pointer, sendCountsPointer, sendOffsets, Unit, incoming.Pointer,
                receiveCountsPointer, receiveOffsets, Unit, LiveHandle));
        }
        outgoing.Return();
        Return(frames);
        return Split(incoming, receiveLengths, receiveDisplacements);
    }
}

/// <summary>The unit serialized frames move in through the collectives: 8 bytes, an MPI contiguous type of 8 bytes.</summary>
internal struct UnitOfEight
{
#pragma warning disable CS0169, IDE0051 // Only its size matters.
    private readonly long _bytes;
#pragma warning restore CS0169, IDE0051
}
