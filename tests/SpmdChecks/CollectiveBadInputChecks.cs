using MPI;

namespace SpmdChecks;

/// <summary>Bad arguments to collectives: a clear exception on the caller, and every rank still able to go on.</summary>
internal static class CollectiveBadInputChecks
{
    [Check]
    public static void RootOutOfRange(Intracommunicator c)
    {
        int value = 1;
        foreach (int root in new[] { c.Size, -1, -4 })
        {
            var error = Expect.Throws<ArgumentOutOfRangeException>(() => c.Broadcast(ref value, root));
            Expect.True(error.Message.Contains($"Root rank {root}", StringComparison.Ordinal));
            Expect.Throws<ArgumentOutOfRangeException>(() => c.Reduce(1, Operation<int>.Add, root));
            Expect.Throws<ArgumentOutOfRangeException>(() => c.Gather("x", root));
            Expect.Throws<ArgumentOutOfRangeException>(() => c.Scatter<int>(root));
            Expect.Throws<ArgumentOutOfRangeException>(() => c.ImmediateBroadcast<int>(new int[1], root));
        }
        c.Barrier();
    }

    [Check]
    public static void CountsThatDoNotAddUp(Intracommunicator c)
    {
        var counts = Enumerable.Repeat(2, c.Size).ToArray();
        // Only the root can see that its input is one element short: every rank must hear about it.
        var shortInput = c.Rank == 0 ? new int[2 * c.Size - 1] : null;
        var error = Expect.Throws<ArgumentException>(() => c.ScatterFromFlattened(shortInput, counts, 0));
        Expect.True(error.Message.Contains(c.Rank == 0 ? "inValues" : "root (rank 0) rejected", StringComparison.Ordinal));
        Expect.Throws<ArgumentException>(() => c.Scatter(c.Rank == 0 ? new int[c.Size + 1] : null, 0));
        Expect.Throws<ArgumentException>(() => c.AllgatherFlattened(new int[2], new int[c.Size + 1]));
        Expect.Throws<ArgumentException>(() => c.AllgatherFlattened(new int[3], counts));
        Expect.Throws<ArgumentException>(() => c.ReduceScatter(new int[1], Operation<int>.Add, counts));
        Expect.Throws<ArgumentException>(() => c.AlltoallFlattened(new int[1], counts, counts));
        Expect.Throws<ArgumentException>(() => c.ReduceScatter(new int[c.Size], Operation<int>.Add, Enumerable.Repeat(-1, c.Size).ToArray()));
        c.Barrier();
        Expect.Equal(c.Size, c.Allreduce(1, Operation<int>.Add));
    }

    [Check]
    public static void MismatchedLengths(Intracommunicator c)
    {
        Expect.Throws<ArgumentException>(() => c.Alltoall(new int[c.Size + 1]));
        Expect.Throws<ArgumentException>(() => c.Alltoall(new string[c.Size + 1]));
        Expect.Throws<ArgumentException>(() => c.Allreduce<int>(new int[3], new int[2], Operation<int>.Add));
        Expect.Throws<ArgumentException>(() => c.Allgather<int>(new int[1], new int[c.Size + 1]));
        Expect.Throws<ArgumentException>(() => c.Alltoall<int>(new int[c.Size], new int[c.Size + 1]));
        Expect.Throws<ArgumentException>(() => c.ImmediateAllreduce<int>(new int[2], new int[1], Operation<int>.Add));
        c.Barrier();
    }

    // Serialized arrays of different lengths cannot be combined: every rank sees every array, every rank throws.
    [Check(MinRanks = 2)]
    public static void DifferentLengthsAcrossRanks(Intracommunicator c)
    {
        var error = Expect.Throws<ArgumentException>(() => c.Allreduce(new string[c.Rank + 1], Operation<string>.Add));
        Expect.True(error.Message.Contains("Rank 1 contributed 2 elements", StringComparison.Ordinal));
        c.Barrier();
    }

    [Check]
    public static void OperationNotDefinedForType(Intracommunicator c)
    {
        var error = Expect.Throws<InvalidOperationException>(() => _ = Operation<Account>.Add);
        Expect.True(error.Message.Contains("SpmdChecks.Account", StringComparison.Ordinal));
        Expect.True(error.Message.Contains("Add", StringComparison.Ordinal));
        Expect.Throws<InvalidOperationException>(() => _ = Operation<bool>.Multiply);
        Expect.Throws<InvalidOperationException>(() => _ = Operation<double>.BitwiseAnd);
        Expect.Throws<InvalidOperationException>(() => _ = Operation<string>.Min);
    }

    [Check]
    public static void ThrowingReduction(Intracommunicator c)
    {
        static int Explode(int x, int y) => throw new InvalidTimeZoneException("boom");
        bool threw = false;
        try
        {
            c.Allreduce(c.Rank, Explode);
        }
        catch (InvalidOperationException e) when (e.InnerException is InvalidTimeZoneException)
        {
            threw = true;
        }
        // With one rank MPI never calls the operation; with more, some rank must have run it and reported it.
        Expect.Equal(c.Size > 1, c.Allreduce(threw, Operation<bool>.LogicalOr));
        // Serialized values are combined on every rank, so every rank sees the exception itself.
        if (c.Size > 1)
            Expect.Throws<InvalidTimeZoneException>(() => c.Allreduce($"{c.Rank}", (x, y) => throw new InvalidTimeZoneException("boom")));
    }
}
