using MPI.Native;

namespace MPI;

/// <summary>
/// The serialized path of the collectives: each rank's contribution is serialized into one frame, the frames
/// travel with MPI's variable-count collectives (lengths first, then bytes), and reductions combine the
/// deserialized values on the receiving ranks in rank order, so non-commutative operations such as string
/// concatenation give the rank-ordered result.
/// </summary>
public unsafe partial class Intracommunicator
{
    private byte[] Pack<T>(T value)
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

    private T Unpack<T>(byte[] frame, int source) => SerializedFrame.Read<T>(frame, Serialization, source, tag: -1);

    private T[] UnpackAll<T>(byte[][] frames)
    {
        var values = new T[frames.Length];
        for (int rank = 0; rank < frames.Length; rank++)
            values[rank] = Unpack<T>(frames[rank], rank);
        return values;
    }

    private byte[] BroadcastBytes(byte[]? frame, int root)
    {
        int length = frame?.Length ?? 0;
        Mpi.Check(Mpi.Bcast(&length, 1, Mpi.Abi.Datatypes.Int32, root, LiveHandle));
        if (Rank != root)
            frame = new byte[length];
        fixed (byte* p = frame)
            Mpi.Check(Mpi.Bcast(p, length, Mpi.Abi.Datatypes.Byte, root, LiveHandle));
        return frame!;
    }

    /// <summary>Every rank's frame, on the root (null elsewhere).</summary>
    private byte[][]? GatherBytes(byte[] frame, int root)
    {
        var lengths = Rank == root ? new int[Size] : null;
        int length = frame.Length;
        fixed (int* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Gather(&length, 1, Mpi.Abi.Datatypes.Int32, lengthsPointer, 1, Mpi.Abi.Datatypes.Int32,
                root, LiveHandle));
        }
        var displacements = lengths is null ? null : Displacements(lengths);
        var all = lengths is null ? null : new byte[Sum(lengths, "frames")];
        fixed (byte* send = frame)
        fixed (byte* receive = all)
        fixed (int* lengthsPointer = lengths)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Gatherv(send, length, Mpi.Abi.Datatypes.Byte, receive, lengthsPointer, displacementsPointer,
                Mpi.Abi.Datatypes.Byte, root, LiveHandle));
        }
        return all is null ? null : Split(all, lengths!, displacements!);
    }

    /// <summary>Every rank's frame, on every rank.</summary>
    private byte[][] AllgatherBytes(byte[] frame)
    {
        var lengths = new int[Size];
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

    /// <summary>Frame r of the root's <paramref name="frames"/> (ignored elsewhere), delivered to rank r.</summary>
    private byte[] ScatterBytes(byte[][]? frames, int root)
    {
        var lengths = frames?.Select(frame => frame.Length).ToArray();
        int length = 0;
        fixed (int* lengthsPointer = lengths)
        {
            Mpi.Check(Mpi.Scatter(lengthsPointer, 1, Mpi.Abi.Datatypes.Int32, &length, 1, Mpi.Abi.Datatypes.Int32,
                root, LiveHandle));
        }
        var displacements = lengths is null ? null : Displacements(lengths);
        var all = frames is null ? null : frames.SelectMany(frame => frame).ToArray();
        var mine = new byte[length];
        fixed (byte* send = all)
        fixed (byte* receive = mine)
        fixed (int* lengthsPointer = lengths)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Scatterv(send, lengthsPointer, displacementsPointer, Mpi.Abi.Datatypes.Byte, receive, length,
                Mpi.Abi.Datatypes.Byte, root, LiveHandle));
        }
        return mine;
    }

    /// <summary>Frame r of <paramref name="frames"/> goes to rank r; element r of the result came from rank r.</summary>
    private byte[][] AlltoallBytes(byte[][] frames)
    {
        var sendLengths = frames.Select(frame => frame.Length).ToArray();
        var receiveLengths = new int[Size];
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

    private static byte[][] Split(byte[] all, int[] lengths, int[] displacements)
    {
        var frames = new byte[lengths.Length][];
        for (int i = 0; i < lengths.Length; i++)
            frames[i] = all.AsSpan(displacements[i], lengths[i]).ToArray();
        return frames;
    }

    /// <summary>Left fold in rank order: ((v0 op v1) op v2)...</summary>
    private static T Fold<T>(IReadOnlyList<T> values, int count, ReductionOperation<T> op)
    {
        var result = values[0];
        for (int rank = 1; rank < count; rank++)
            result = op(result, values[rank]);
        return result;
    }

    /// <summary>Position-by-position left fold over the first <paramref name="count"/> ranks' arrays.</summary>
    private static T[] FoldArrays<T>(IReadOnlyList<T[]> arrays, int count, ReductionOperation<T> op)
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
}
