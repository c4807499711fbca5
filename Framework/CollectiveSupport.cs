using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>What the collectives of intra- and intercommunicators share: argument checks, frames, folds.</summary>
public abstract unsafe partial class Communicator
{
    private protected byte[] Pack<T>(T value)
    {
        var frame = SerializedFrame.Write(value, Serialization);
        try
        {
            return frame.WrittenSpan.ToArray();
        }
        finally
        {
            SerializedFrame.Release(frame);
        }
    }

    private protected T Unpack<T>(byte[] frame, int source) => SerializedFrame.Read<T>(frame, Serialization, source, tag: -1);

    private protected T[] UnpackAll<T>(byte[][] frames)
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

    private protected static byte[][] Split(byte[] all, int[] lengths, int[] displacements)
    {
        var frames = new byte[lengths.Length][];
        for (int i = 0; i < lengths.Length; i++)
            frames[i] = all.AsSpan(displacements[i], lengths[i]).ToArray();
        return frames;
    }

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


    // Serialized frames travel as lengths first, then bytes, through the v-collectives. The same code serves intra-
    // and intercommunicators: callers pass the native root and, where this rank receives, how many frames it gets.

    /// <summary>Broadcasts a frame; ranks that <paramref name="receives"/> get a new one, others keep theirs.</summary>
    private protected byte[]? BroadcastBytes(byte[]? frame, int nativeRoot, bool receives)
    {
        int length = frame?.Length ?? 0;
        Mpi.Check(Mpi.Bcast(&length, 1, Mpi.Abi.Datatypes.Int32, nativeRoot, LiveHandle));
        if (receives)
            frame = new byte[length];
        fixed (byte* p = frame)
            Mpi.Check(Mpi.Bcast(p, length, Mpi.Abi.Datatypes.Byte, nativeRoot, LiveHandle));
        return frame;
    }

    /// <summary>Gathers frames at the root, which receives <paramref name="rootReceives"/> of them (null elsewhere).</summary>
    private protected byte[][]? GatherBytes(byte[] frame, int nativeRoot, int? rootReceives)
    {
        var lengths = rootReceives is { } count ? new int[count] : null;
        int length = frame.Length;
        fixed (int* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Gather(&length, 1, Mpi.Abi.Datatypes.Int32, lengthsPointer, 1, Mpi.Abi.Datatypes.Int32,
                nativeRoot, LiveHandle));
        }
        var displacements = lengths is null ? null : Displacements(lengths);
        var all = lengths is null ? null : new byte[Sum(lengths, "frames")];
        fixed (byte* send = frame)
        fixed (byte* receive = all)
        fixed (int* lengthsPointer = lengths)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Gatherv(send, length, Mpi.Abi.Datatypes.Byte, receive, lengthsPointer, displacementsPointer,
                Mpi.Abi.Datatypes.Byte, nativeRoot, LiveHandle));
        }
        return all is null ? null : Split(all, lengths!, displacements!);
    }

    /// <summary>Every rank gets the <paramref name="count"/> frames of the group it receives from.</summary>
    private protected byte[][] AllgatherBytes(byte[] frame, int count)
    {
        var lengths = new int[count];
        int length = frame.Length;
        fixed (int* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Allgather(&length, 1, Mpi.Abi.Datatypes.Int32, lengthsPointer, 1, Mpi.Abi.Datatypes.Int32,
                LiveHandle));
        }
        var displacements = Displacements(lengths);
        var all = new byte[Sum(lengths, "frames")];
        fixed (byte* send = frame)
        fixed (byte* receive = all)
        fixed (int* lengthsPointer = lengths)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Allgatherv(send, length, Mpi.Abi.Datatypes.Byte, receive, lengthsPointer,
                displacementsPointer, Mpi.Abi.Datatypes.Byte, LiveHandle));
        }
        return Split(all, lengths, displacements);
    }

    /// <summary>Frame r of the root's <paramref name="frames"/> (null elsewhere) goes to receiving rank r.</summary>
    private protected byte[] ScatterBytes(byte[][]? frames, int nativeRoot)
    {
        var lengths = frames?.Select(frame => frame.Length).ToArray();
        int length = 0;
        fixed (int* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Scatter(lengthsPointer, 1, Mpi.Abi.Datatypes.Int32, &length, 1, Mpi.Abi.Datatypes.Int32,
                nativeRoot, LiveHandle));
        }
        var displacements = lengths is null ? null : Displacements(lengths);
        var all = frames?.SelectMany(frame => frame).ToArray();
        var mine = new byte[length];
        fixed (byte* send = all)
        fixed (byte* receive = mine)
        fixed (int* lengthsPointer = lengths)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Scatterv(send, lengthsPointer, displacementsPointer, Mpi.Abi.Datatypes.Byte, receive, length,
                Mpi.Abi.Datatypes.Byte, nativeRoot, LiveHandle));
        }
        return mine;
    }

    /// <summary>Frame r goes to rank r of the group this rank exchanges with; element r of the result came from it.</summary>
    private protected byte[][] AlltoallBytes(byte[][] frames)
    {
        var sendLengths = frames.Select(frame => frame.Length).ToArray();
        var receiveLengths = new int[frames.Length];
        fixed (int* send = sendLengths)
        fixed (int* receive = receiveLengths)
        {
            Mpi.Check(Mpi.Alltoall(send, 1, Mpi.Abi.Datatypes.Int32, receive, 1, Mpi.Abi.Datatypes.Int32, LiveHandle));
        }
        var sendDisplacements = Displacements(sendLengths);
        var receiveDisplacements = Displacements(receiveLengths);
        var outgoing = frames.SelectMany(frame => frame).ToArray();
        var incoming = new byte[Sum(receiveLengths, "frames")];
        fixed (byte* send = outgoing)
        fixed (byte* receive = incoming)
        fixed (int* sendCounts = sendLengths)
        fixed (int* sendOffsets = sendDisplacements)
        fixed (int* receiveCounts = receiveLengths)
        fixed (int* receiveOffsets = receiveDisplacements)
        {
            Mpi.Check(Mpi.Alltoallv(send, sendCounts, sendOffsets, Mpi.Abi.Datatypes.Byte, receive, receiveCounts,
                receiveOffsets, Mpi.Abi.Datatypes.Byte, LiveHandle));
        }
        return Split(incoming, receiveLengths, receiveDisplacements);
    }

    /// <summary>The blocks that <paramref name="frames"/> carry, checked against the expected counts, concatenated.</summary>
    private protected T[] ConcatenateBlocks<T>(byte[][] frames, int[] counts, string sender)
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
    private protected byte[][] PackBlocks<T>(T[] values, int[] counts)
    {
        var offsets = Displacements(counts);
        return counts.Select((count, rank) => Pack(values.AsSpan(offsets[rank], count).ToArray())).ToArray();
    }
}
