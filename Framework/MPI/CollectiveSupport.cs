using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>What the collectives of intra- and intercommunicators share: argument checks, frames, folds.</summary>
public abstract unsafe partial class Communicator
{
    /// <summary>Serializes a contribution to a collective into storage that never moves, padded to 8 bytes.</summary>
    private protected Frame Pack<T>(T value)
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

    private protected T Unpack<T>(Frame frame, int source)
    {
        var value = SerializedFrame.Read<T>(frame.Bytes, Serialization, source, tag: -1);
        GC.KeepAlive(frame); // its storage may be native memory freed by a finalizer
        return value;
    }

    private protected T[] UnpackAll<T>(Frame[] frames)
    {
        var values = new T[frames.Length];
        for (int rank = 0; rank < frames.Length; rank++)
            values[rank] = Unpack<T>(frames[rank], rank);
        return values;
    }

    private protected static void RequireLength(int actual, int expected, string parameter, string what)
    {
        if (actual != expected)
            throw new ArgumentException(
                $"{parameter} holds {actual} elements but must hold {expected} ({what}).", parameter);
    }

    private protected static int Sum(ReadOnlySpan<int> counts, string parameter)
    {
        long sum = 0;
        foreach (int count in counts)
        {
            if (count < 0)
                throw new ArgumentException($"{parameter} holds a negative count ({count}).", parameter);
            sum += count;
        }
        return sum <= int.MaxValue
            ? (int)sum
            : throw new ArgumentException($"{parameter} adds up to {sum} elements, more than one message can hold.", parameter);
    }

    /// <summary>Displacements of consecutive blocks of <paramref name="counts"/> elements.</summary>
    private protected static int[] Displacements(ReadOnlySpan<int> counts)
    {
        var displacements = new int[counts.Length];
        for (int i = 1; i < counts.Length; i++)
            displacements[i] = displacements[i - 1] + counts[i - 1];
        return displacements;
    }

    /// <summary>The address of a raw array's first element, pinned by the caller's <c>fixed</c>; null for null.</summary>
    private protected static ref byte FirstByte<T>(T[]? values) => ref values is null
        ? ref Unsafe.NullRef<byte>()
        : ref Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(values));

    /// <summary>Left fold in rank order: ((v0 op v1) op v2)...</summary>
    private protected static T Fold<T>(IReadOnlyList<T> values, int count, ReductionOperation<T> op)
    {
        var result = values[0];
        for (int rank = 1; rank < count; rank++)
            result = op(result, values[rank]);
        return result;
    }

    /// <summary>Position-by-position left fold over the first <paramref name="count"/> ranks' arrays.</summary>
    private protected static T[] FoldArrays<T>(IReadOnlyList<T[]> arrays, int count, ReductionOperation<T> op)
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
    private protected void ReduceCore<T>(void* send, void* receive, int count, ReductionOperation<T> op, int root)
    {
        using var reduction = Reductions.Register(op);
        Mpi.Check(Mpi.Reduce(send, receive, count, reduction.Datatype, reduction.Op, root, LiveHandle));
    }

    private protected void AllreduceCore<T>(void* send, void* receive, int count, ReductionOperation<T> op)
    {
        using var reduction = Reductions.Register(op);
        Mpi.Check(Mpi.Allreduce(send, receive, count, reduction.Datatype, reduction.Op, LiveHandle));
    }

    private protected void ReduceScatterCore<T>(void* send, void* receive, int* counts, ReductionOperation<T> op)
    {
        using var reduction = Reductions.Register(op);
        Mpi.Check(Mpi.Reduce_scatter(send, receive, counts, reduction.Datatype, reduction.Op, LiveHandle));
    }


    // Serialized frames travel as lengths first (64-bit), then bytes, through the v-collectives. The bytes move in
    // units of 8 (frames are padded to 8 bytes), so that counts and displacements, which MPI takes as int, reach
    // 16 GiB per collective instead of 2 GiB. The same code serves intra- and intercommunicators: callers pass the
    // native root and, where this rank receives, how many frames it gets.

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
        long total = frames.Length == 0 ? 0 : (displacements[^1] + (long)counts[^1]) * 8;
        var all = FrameStorage.Allocate(total);
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

    /// <summary>Broadcasts a frame; ranks that <paramref name="receives"/> get a new one, others keep theirs.</summary>
    private protected Frame? BroadcastBytes(Frame? frame, int nativeRoot, bool receives)
    {
        long length = frame?.Length ?? 0;
        Mpi.Check(Mpi.Bcast(&length, 1, Mpi.Abi.Datatypes.Int64, nativeRoot, LiveHandle));
        if (receives)
            frame = new Frame(FrameStorage.Allocate(Padded(length)), 0, length);
        Mpi.Check(Mpi.Bcast(frame is null ? null : frame.Pointer, Units(length), Unit, nativeRoot, LiveHandle));
        GC.KeepAlive(frame);
        return frame;
    }

    /// <summary>Gathers frames at the root, which receives <paramref name="rootReceives"/> of them (null elsewhere).</summary>
    private protected Frame[]? GatherBytes(Frame frame, int nativeRoot, int? rootReceives)
    {
        var lengths = rootReceives is { } count ? new long[count] : null;
        long length = frame.Length;
        fixed (long* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Gather(&length, 1, Mpi.Abi.Datatypes.Int64, lengthsPointer, 1, Mpi.Abi.Datatypes.Int64,
                nativeRoot, LiveHandle));
        }
        var (counts, displacements) = lengths is null ? (null, null) : Layout(lengths);
        var all = lengths is null ? null : FrameStorage.Allocate((displacements!.LastOrDefault() + (long)counts!.LastOrDefault()) * 8);
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Gatherv(frame.Pointer, Units(length), Unit, all is null ? null : all.Pointer, countsPointer,
                displacementsPointer, Unit, nativeRoot, LiveHandle));
        }
        GC.KeepAlive(frame);
        return all is null ? null : Split(all, lengths!, displacements!);
    }

    /// <summary>Every rank gets the <paramref name="count"/> frames of the group it receives from.</summary>
    private protected Frame[] AllgatherBytes(Frame frame, int count)
    {
        var lengths = new long[count];
        long length = frame.Length;
        fixed (long* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Allgather(&length, 1, Mpi.Abi.Datatypes.Int64, lengthsPointer, 1, Mpi.Abi.Datatypes.Int64,
                LiveHandle));
        }
        var (counts, displacements) = Layout(lengths);
        var all = FrameStorage.Allocate((displacements.LastOrDefault() + (long)counts.LastOrDefault()) * 8);
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Allgatherv(frame.Pointer, Units(length), Unit, all.Pointer, countsPointer,
                displacementsPointer, Unit, LiveHandle));
        }
        GC.KeepAlive(frame);
        return Split(all, lengths, displacements);
    }

    /// <summary>Frame r of the root's <paramref name="frames"/> (null elsewhere) goes to receiving rank r.</summary>
    private protected Frame ScatterBytes(Frame[]? frames, int nativeRoot)
    {
        var lengths = frames?.Select(frame => frame.Length).ToArray();
        long length = 0;
        fixed (long* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Scatter(lengthsPointer, 1, Mpi.Abi.Datatypes.Int64, &length, 1, Mpi.Abi.Datatypes.Int64,
                nativeRoot, LiveHandle));
        }
        var (counts, displacements) = lengths is null ? (null, null) : Layout(lengths);
        var all = frames is null ? null : Concatenate(frames, counts!, displacements!);
        var mine = new Frame(FrameStorage.Allocate(Padded(length)), 0, length);
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Scatterv(all is null ? null : all.Pointer, countsPointer, displacementsPointer, Unit,
                mine.Pointer, Units(length), Unit, nativeRoot, LiveHandle));
        }
        GC.KeepAlive(all);
        return mine;
    }

    /// <summary>Frame r goes to rank r of the group this rank exchanges with; element r of the result came from it.</summary>
    private protected Frame[] AlltoallBytes(Frame[] frames)
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
        var incoming = FrameStorage.Allocate((receiveDisplacements.LastOrDefault() + (long)receiveCounts.LastOrDefault()) * 8);
        fixed (int* sendCountsPointer = sendCounts)
        fixed (int* sendOffsets = sendDisplacements)
        fixed (int* receiveCountsPointer = receiveCounts)
        fixed (int* receiveOffsets = receiveDisplacements)
        {
            Mpi.Check(Mpi.Alltoallv(outgoing.Pointer, sendCountsPointer, sendOffsets, Unit, incoming.Pointer,
                receiveCountsPointer, receiveOffsets, Unit, LiveHandle));
        }
        GC.KeepAlive(outgoing);
        return Split(incoming, receiveLengths, receiveDisplacements);
    }

    /// <summary>The blocks that <paramref name="frames"/> carry, checked against the expected counts, concatenated.</summary>
    private protected T[] ConcatenateBlocks<T>(Frame[] frames, int[] counts, string sender)
    {
        var parts = UnpackAll<T[]>(frames);
        for (int rank = 0; rank < parts.Length; rank++)
            RequireLength(parts[rank].Length, counts[rank], $"counts[{rank}]", $"what {sender} {rank} sent");
        return parts.SelectMany(part => part).ToArray();
    }

    /// <summary>MPI_Allgatherv of raw elements: <paramref name="counts"/>[r] elements from rank r of the group received from.</summary>
    private protected T[] AllgatherBlocks<T>(T[] inValues, int[] counts, T[]? outValues)
    {
        int total = Sum(counts, nameof(counts));
        if (outValues is null || outValues.Length != total)
            outValues = new T[total];
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
        return outValues;
    }

    /// <summary>MPI_Alltoallv of raw elements with consecutive blocks on both sides.</summary>
    private protected T[] AlltoallBlocks<T>(T[] inValues, int[] sendCounts, int[] recvCounts, T[]? outValues)
    {
        int total = Sum(recvCounts, nameof(recvCounts));
        if (outValues is null || outValues.Length != total)
            outValues = new T[total];
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
        return outValues;
    }

    /// <summary>Frames of consecutive blocks of <paramref name="values"/>, <paramref name="counts"/>[r] elements each.</summary>
    private protected Frame[] PackBlocks<T>(T[] values, int[] counts)
    {
        var offsets = Displacements(counts);
        return counts.Select((count, rank) => Pack(values.AsSpan(offsets[rank], count).ToArray())).ToArray();
    }
}

/// <summary>The unit serialized frames move in through the collectives: 8 bytes, an MPI contiguous type of 8 bytes.</summary>
internal struct UnitOfEight
{
#pragma warning disable CS0169, IDE0051 // Only its size matters.
    private readonly long _bytes;
#pragma warning restore CS0169, IDE0051
}
