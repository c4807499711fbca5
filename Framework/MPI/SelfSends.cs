using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// Blocking sends that a rank addresses to itself. MPI lets a standard-mode send wait for its matching receive,
/// and here that receive can only be posted later by the same thread: MPICH 4.0 (ch4:ucx) in a one-process world
/// waits forever even for a few bytes, and every implementation does above its eager limit. So such a send is
/// buffered: the data is copied to native memory and started with MPI_Isend, and the copy is freed once the
/// receive has matched it (checked at the next send to self, and at finalize).
/// <para>
/// Those never received are received and dropped when their communicator is disposed, or at finalize: cancelling them
/// is no way out, as Open MPI does not cancel sends and MPICH did not cancel these, so a wait after the cancel never
/// ended.
/// </para>
/// </summary>
internal static unsafe class SelfSends
{
    private static readonly Lock Gate = new();
    private static readonly List<(long Request, nint Copy, int Self, int Tag, nint Communicator)> Pending = [];

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
            Pending.Add((request, (nint)copy, nativeSelf, tag, communicator));
        }
    }

    /// <summary>
    /// Completes the sends to self still pending on <paramref name="communicators"/> (every communicator when none is
    /// named), receiving and dropping each message no receive took.
    /// </summary>
    public static void DropUnreceived(params nint[] communicators)
    {
        lock (Gate)
        {
            for (int i = Pending.Count - 1; i >= 0; i--)
            {
                var (request, copy, self, tag, communicator) = Pending[i];
                if (communicators.Length > 0 && Array.IndexOf(communicators, communicator) < 0)
                    continue;
                for (int done = 0; ;)
                {
                    Mpi.Check(Mpi.Test(&request, &done, (void*)Mpi.Abi.StatusIgnore));
                    if (done != 0)
                        break;
                    _ = DroppedMessages.TryDrop(self, tag, communicator, out _);
                }
                NativeMemory.Free((void*)copy);
                Pending.RemoveAt(i);
            }
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
