using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// Blocking sends that a rank addresses to itself. MPI lets a standard-mode send wait for its matching receive,
/// and here that receive can only be posted later by the same thread: MPICH 4.0 (ch4:ucx) in a one-process world
/// waits forever even for a few bytes, and every implementation does above its eager limit. So such a send is
/// buffered: the data is copied to native memory and started with MPI_Isend, and the copy is freed once the
/// receive has matched it (checked at the next send to self, and at finalize).
/// </summary>
internal static unsafe class SelfSends
{
    private static readonly Lock Gate = new();
    private static readonly List<(long Request, nint Copy)> Pending = [];

    public static void Send(void* data, int count, nint datatype, int tag, int nativeSelf, nint communicator)
    {
        int elementSize = 0;
        Mpi.Check(Mpi.Type_size(datatype, &elementSize));
        var bytes = checked((nuint)count * (nuint)elementSize);
        lock (Gate)
        {
            ReleaseCompleted();
            void* copy = NativeMemory.Alloc(Math.Max(bytes, 1));
            Buffer.MemoryCopy(data, copy, bytes, bytes);
            long request = 0;
            int code = Mpi.Isend(copy, count, datatype, nativeSelf, tag, communicator, &request);
            if (code != 0)
            {
                NativeMemory.Free(copy);
                Mpi.Check(code);
            }
            Pending.Add((request, (nint)copy));
        }
    }

    /// <summary>Before finalize: messages to self that were never received are cancelled, every copy freed.</summary>
    public static void CancelAll()
    {
        lock (Gate)
        {
            ReleaseCompleted();
            foreach (var (request, copy) in Pending)
            {
                long handle = request;
                Mpi.Cancel(&handle);
                Mpi.Wait(&handle, (void*)Mpi.Abi.StatusIgnore);
                NativeMemory.Free((void*)copy);
            }
            Pending.Clear();
        }
    }

    private static void ReleaseCompleted()
    {
        for (int i = Pending.Count - 1; i >= 0; i--)
        {
            long request = Pending[i].Request;
            int done = 0;
            Mpi.Check(Mpi.Test(&request, &done, (void*)Mpi.Abi.StatusIgnore));
            if (done == 0)
                continue;
            NativeMemory.Free((void*)Pending[i].Copy);
            Pending.RemoveAt(i);
        }
    }
}
