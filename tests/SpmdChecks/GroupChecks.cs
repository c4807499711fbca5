using MPI;

namespace SpmdChecks;

internal static class GroupChecks
{
    [Check]
    public static void MembershipAndSetAlgebra(Intracommunicator c)
    {
        int n = c.Size;
        using var all = c.Group;
        Expect.Equal(n, all.Size);
        Expect.Equal(c.Rank, all.Rank);
        Expect.Equal(Comparison.Identical, all.Compare(c.Group));
        using var evens = all.IncludeOnly(Enumerable.Range(0, n).Where(r => r % 2 == 0).ToArray());
        using var odds = all.Exclude(Enumerable.Range(0, n).Where(r => r % 2 == 0).ToArray());
        Expect.Equal((n + 1) / 2, evens.Size);
        Expect.Equal(n / 2, odds.Size);
        Expect.Equal(c.Rank % 2 == 0 ? c.Rank / 2 : Group.NoProcess, evens.Rank);
        using var union = odds | evens;
        Expect.Equal(n, union.Size);
        Expect.Equal(n > 1 ? Comparison.Similar : Comparison.Identical, union.Compare(all));
        using var intersection = evens & all;
        Expect.Equal(Comparison.Identical, intersection.Compare(evens));
        using var difference = all - evens;
        Expect.Equal(Comparison.Identical, difference.Compare(odds));
        Expect.Equal(0, (evens & odds).Size);
        Expect.Equal(0, Group.empty.Size);
        Expect.Equal(Group.NoProcess, Group.empty.Rank);

        // Rank r of all is rank r / 2 of evens when r is even; odd ranks are not in it.
        var translated = all.TranslateRanks(Enumerable.Range(0, n).ToArray(), evens);
        Expect.Sequence(Enumerable.Range(0, n).Select(r => r % 2 == 0 ? r / 2 : Group.NoProcess), translated);
    }

    [Check]
    public static void CreateFromGroup(Intracommunicator c)
    {
        using var all = c.Group;
        using var firstHalf = all.IncludeOnly(Enumerable.Range(0, (c.Size + 1) / 2).ToArray());
        using var created = c.Create(firstHalf);
        if (c.Rank < (c.Size + 1) / 2)
        {
            var comm = (Intracommunicator)created!;
            Expect.Equal((c.Size + 1) / 2, comm.Size);
            Expect.Equal(c.Rank, comm.Rank);
            Expect.Equal((c.Size + 1) / 2 * ((c.Size + 1) / 2 - 1) / 2, comm.Allreduce(comm.Rank, Operation<int>.Add));
        }
        else
        {
            Expect.Equal(null, created);
        }
    }

    [Check]
    public static void BadRanks(Intracommunicator c)
    {
        using var all = c.Group;
        Expect.Throws<ArgumentOutOfRangeException>(() => all.IncludeOnly([c.Size]));
        Expect.Throws<ArgumentOutOfRangeException>(() => all.Exclude([-1]));
        Expect.Throws<ArgumentOutOfRangeException>(() => all.TranslateRanks([c.Size + 3], all));
        Expect.Throws<ArgumentException>(() => all.IncludeOnly([0, 0]));
        var disposed = c.Group;
        disposed.Dispose();
        disposed.Dispose();
        Expect.Throws<ObjectDisposedException>(() => _ = disposed.Size);
    }

    [Check]
    public static void NegativeSplitColourLeavesNobodyWaiting(Intracommunicator c)
    {
        // Rank 0 passes a negative colour: it gets an exception, the others their communicator.
        if (c.Rank == 0)
        {
            var error = Expect.Throws<ArgumentOutOfRangeException>(() => c.Split(-1, 0));
            Expect.True(error.Message.Contains("must not be negative", StringComparison.Ordinal));
        }
        else
        {
            using var rest = c.Split(1, c.Rank);
            Expect.Equal(c.Size - 1, rest.Size);
            Expect.Equal(c.Rank - 1, rest.Rank);
        }
        Communicator asBase = c;
        using var again = asBase.Split(0, 0);
        Expect.Equal(c.Size, again.Size);
    }
}
