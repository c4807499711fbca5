using System.Buffers;
using MPI.Native;

namespace MPI;

/// <summary>Messages no receive will take (at finalize, or on a communicator being freed), received and dropped.</summary>
internal static unsafe class DroppedMessages
{
    /// <summary>
    /// Receives and drops the first message matching <paramref name="source"/> and <paramref name="tag"/> (native
    /// values, wildcards allowed) on <paramref name="communicator"/>, if one has arrived (MPI_Improbe, MPI_Mrecv).
    /// </summary>
    /// <returns>Whether one was; then its true source and tag and its length in bytes.</returns>
    public static bool TryDrop(int source, int tag, nint communicator, out (int Source, int Tag, int Bytes) dropped)
    {
        int found = 0, bytes = 0;
        long message = 0;
        StatusBuffer status = default;
        dropped = default;
        Mpi.Check(Mpi.Improbe(source, tag, communicator, &found, &message, &status));
        if (found == 0)
            return false;
        Mpi.Check(Mpi.Get_count(&status, Mpi.Abi.Datatypes.Byte, &bytes));
        var sink = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
        try
        {
            fixed (byte* p = sink)
                Mpi.Check(Mpi.Mrecv(p, bytes, Mpi.Abi.Datatypes.Byte, &message, (void*)Mpi.Abi.StatusIgnore));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(sink);
        }
        dropped = (status.Source, status.Tag, bytes);
        return true;
    }
}
