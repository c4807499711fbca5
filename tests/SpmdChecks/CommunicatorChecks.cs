using MPI;
using MPI.Native;

namespace SpmdChecks;

/// <summary>Duplicating, splitting and comparing communicators; their message spaces are separate.</summary>
internal static unsafe class CommunicatorChecks
{
    /// <summary>
    /// A native communicator that already carries a message when the framework adopts it: making the adopted
    /// communicator's private copy must not take that message (Open MPI sends MPI_Comm_create_group's own messages on
    /// the communicator with the call's tag, where they would match the program's).
    /// </summary>
    [Check]
    public static void AdoptingKeepsTheMessagesAlreadyUnderWay(Intracommunicator c)
    {
        if (c.Size == 1)
            return; // a blocking MPI_Send to this rank itself would wait for the receive that follows it
        long raw = 0;
        Mpi.Check(Mpi.Comm_dup(c.Handle, &raw));
        nint handle = Mpi.ReadHandle(&raw);
        int last = c.Size - 1;
        int[] sent = [1, 2, 3];
        if (c.Rank == last)
        {
            fixed (int* p = sent)
                Mpi.Check(Mpi.Send(p, sent.Length, Mpi.Abi.Datatypes.Int32, 0, 0, handle));
        }
        using var adopted = (Intracommunicator)Communicator.Adopt(handle)!;
        if (c.Rank == 0)
            Expect.Sequence(sent, adopted.Receive<int[]>(last, 0));
        adopted.Barrier();
    }

    [Check]
    public static void BarrierThroughTheBaseClass(Intracommunicator c)
    {
        // MPI.NET declares Barrier on Communicator: code holding the base type calls it.
        Communicator plain = c;
        plain.Barrier();
        using var clone = (Communicator)c.Clone();
        clone.Barrier();
    }

    [Check]
    public static void CloneIsCongruentAndSeparate(Intracommunicator c)
    {
        using var clone = (Intracommunicator)c.Clone();
        Expect.Equal(Comparison.Identical, c.Compare(c));
        Expect.Equal(Comparison.Congruent, c.Compare(clone));
        Expect.Equal(c.Rank, clone.Rank);
        Expect.Equal(c.Size, clone.Size);
        // A message on the clone is invisible to the original.
        clone.Send(1, c.Rank, 9);
        Expect.Equal(null, c.ImmediateProbe(c.Rank, 9));
        Expect.Equal(1, clone.Receive<int>(c.Rank, 9));
    }

    [Check]
    public static void SplitByParity(Intracommunicator c)
    {
        using var half = c.Split(c.Rank % 2, -c.Rank);
        Expect.Equal((c.Size + 1 - c.Rank % 2) / 2, half.Size);
        // Keys are negated ranks, so the order within each half is reversed.
        Expect.Equal(half.Size - 1 - c.Rank / 2, half.Rank);
        Expect.Equal(c.Size == 1 ? Comparison.Congruent : Comparison.Unequal, c.Compare(half));
        half.Barrier();
    }

    [Check]
    public static void DisposedCommunicatorIsRefused(Intracommunicator c)
    {
        var clone = (Intracommunicator)c.Clone();
        clone.Dispose();
        clone.Dispose();
        Expect.Throws<ObjectDisposedException>(() => clone.Send(1, 0, 0));
        // Predefined communicators survive Dispose.
        Communicator.self.Dispose();
        Expect.Equal(1, Communicator.self.Size);
        _ = c;
    }

    [Check]
    public static void NoParentWithoutSpawn(Intracommunicator c)
    {
        Expect.Equal(null, c.Parent);
        Expect.Equal(null, Communicator.self.Parent);
    }

    [Check]
    public static void SpawnArgumentsAreChecked(Intracommunicator c)
    {
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Spawn("dotnet", [], 0, 0));
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Spawn("dotnet", [], 1, c.Size));
        Expect.Throws<ArgumentException>(() => c.Spawn("", [], 1, 0));
    }
}
