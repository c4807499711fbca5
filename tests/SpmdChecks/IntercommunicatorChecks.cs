using MPI;

namespace SpmdChecks;

/// <summary>
/// An intercommunicator between the even and the odd ranks of the world, and every collective MPI.NET offers on
/// it, for raw and serialized payloads. Group 0 (even ranks) holds the root of the rooted collectives.
/// </summary>
internal static class IntercommunicatorChecks
{
    internal static (Intercommunicator Inter, int Group) Connect(Intracommunicator world)
    {
        int group = world.Rank % 2;
        using var local = world.Split(group, world.Rank);
        return (new Intercommunicator(local, 0, world, group == 0 ? 1 : 0, 77), group);
    }

    internal static int GroupSize(Intracommunicator world, int group) => (world.Size + 1 - group) / 2;

    /// <summary>The root argument for a collective rooted at local rank 0 of group 0.</summary>
    private static int RootArgument(Intercommunicator inter, int group) =>
        group == 1 ? 0 : inter.Rank == 0 ? Intercommunicator.Root : Intercommunicator.Null;

    [Check(MinRanks = 2)]
    public static void ShapeMergeAndPointToPoint(Intracommunicator world)
    {
        var (inter, group) = Connect(world);
        using (inter)
        {
            Expect.Equal(GroupSize(world, group), inter.Size);
            Expect.Equal(GroupSize(world, 1 - group), inter.RemoteSize);
            Expect.Equal(world.Rank / 2, inter.Rank);
            if (inter.Rank == 0)
            {
                inter.Send($"hello from group {group}", 0, 5);
                Expect.Equal($"hello from group {1 - group}", inter.Receive<string>(0, 5));
                inter.Send(group * 10, 0, 6);
                Expect.Equal((1 - group) * 10, inter.Receive<int>(0, 6));
            }
            Expect.Throws<ArgumentOutOfRangeException>(() => inter.Send(1, inter.RemoteSize, 0));
            inter.Barrier();
            using var merged = inter.Merge(upper: group == 1);
            Expect.Equal(world.Size, merged.Size);
            int expected = group == 0 ? world.Rank / 2 : GroupSize(world, 0) + world.Rank / 2;
            Expect.Equal(expected, merged.Rank);
            using var copy = (Intercommunicator)inter.Clone();
            Expect.Equal(inter.RemoteSize, copy.RemoteSize);
        }
    }

    [Check(MinRanks = 2)]
    public static void RootedCollectives(Intracommunicator world)
    {
        var (inter, group) = Connect(world);
        using var _ = inter;
        int root = RootArgument(inter, group);
        bool isRoot = root == Intercommunicator.Root;
        int remote = inter.RemoteSize;

        int number = isRoot ? 99 : -1;
        inter.Broadcast(ref number, root);
        Expect.Equal(group == 1 || isRoot ? 99 : -1, number);
        string text = isRoot ? "from the root" : "";
        inter.Broadcast(ref text, root);
        Expect.Equal(group == 1 || isRoot ? "from the root" : "", text);
        var values = isRoot ? new[] { 1, 2, 3 } : new int[3];
        inter.Broadcast(ref values, root);
        Expect.Sequence(group == 1 || isRoot ? [1, 2, 3] : new int[3], values);

        var gathered = inter.Gather(inter.Rank * 3, root);
        var names = inter.Gather($"n{inter.Rank}", root);
        if (isRoot)
        {
            Expect.Sequence(Enumerable.Range(0, remote).Select(r => r * 3), gathered);
            Expect.Sequence(Enumerable.Range(0, remote).Select(r => $"n{r}"), names);
        }
        else
        {
            Expect.Equal(null, gathered);
        }

        if (isRoot)
        {
            inter.Scatter(Enumerable.Range(0, remote).Select(r => r + 50).ToArray());
            inter.Scatter(Enumerable.Range(0, remote).Select(r => $"s{r}").ToArray());
        }
        else if (group == 1)
        {
            Expect.Equal(inter.Rank + 50, inter.Scatter<int>(0));
            Expect.Equal($"s{inter.Rank}", inter.Scatter<string>(0));
        }
        else
        {
            inter.Scatter<int>();
            inter.Scatter<string>();
        }

        Expect.Equal(isRoot ? remote * (remote - 1) / 2 : 0, inter.Reduce(inter.Rank, Operation<int>.Add, root));
        Expect.Equal(isRoot ? string.Concat(Enumerable.Range(0, remote).Select(r => $"n{r}")) : null,
            inter.Reduce($"n{inter.Rank}", Operation<string>.Add, root));
        int[]? sums = isRoot ? new int[2] : null;
        inter.Reduce(group == 1 ? new[] { inter.Rank, 1 } : null, Operation<int>.Add, root, ref sums);
        if (isRoot)
            Expect.Sequence([remote * (remote - 1) / 2, remote], sums);
    }

    [Check(MinRanks = 2)]
    public static void FlattenedRootedCollectives(Intracommunicator world)
    {
        var (inter, group) = Connect(world);
        using var _ = inter;
        int root = RootArgument(inter, group);
        int remote = inter.RemoteSize;
        // Remote rank r contributes (and receives) r + 1 elements.
        var remoteCounts = Enumerable.Range(1, remote).ToArray();
        var expected = Enumerable.Range(0, remote).SelectMany(r => Enumerable.Repeat(r, r + 1)).ToArray();

        if (root == Intercommunicator.Root)
        {
            int[] raw = null!;
            inter.GatherFlattened(remoteCounts, ref raw);
            Expect.Sequence(expected, raw);
            string[] words = null!;
            inter.GatherFlattened(remoteCounts, ref words);
            Expect.Sequence(expected.Select(v => $"w{v}"), words);
            inter.ScatterFromFlattened(expected, remoteCounts);
            inter.ScatterFromFlattened(expected.Select(v => $"w{v}").ToArray(), remoteCounts);
        }
        else if (group == 1)
        {
            var mine = Enumerable.Repeat(inter.Rank, inter.Rank + 1).ToArray();
            inter.GatherFlattened(mine, 0);
            inter.GatherFlattened(mine.Select(v => $"w{v}").ToArray(), 0);
            var localCounts = Enumerable.Range(1, inter.Size).ToArray();
            int[] raw = null!;
            inter.ScatterFromFlattened(localCounts, 0, ref raw);
            Expect.Sequence(mine, raw);
            string[] words = null!;
            inter.ScatterFromFlattened(localCounts, 0, ref words);
            Expect.Sequence(mine.Select(v => $"w{v}"), words);
        }
        else
        {
            inter.GatherFlattened<int>();
            inter.GatherFlattened<string>();
            inter.ScatterFromFlattened<int>();
            inter.ScatterFromFlattened<string>();
        }
    }

    [Check(MinRanks = 2)]
    public static void AllToAllCollectives(Intracommunicator world)
    {
        var (inter, group) = Connect(world);
        using var _ = inter;
        int remote = inter.RemoteSize, rank = inter.Rank;
        Expect.Sequence(Enumerable.Range(0, remote).Select(r => (1 - group) * 100 + r), inter.Allgather(group * 100 + rank));
        Expect.Sequence(Enumerable.Range(0, remote).Select(r => $"g{1 - group}r{r}"), inter.Allgather($"g{group}r{rank}"));

        var remoteCounts = Enumerable.Range(1, remote).ToArray();
        var expected = Enumerable.Range(0, remote).SelectMany(r => Enumerable.Repeat(r, r + 1)).ToArray();
        int[] raw = null!;
        inter.AllgatherFlattened(Enumerable.Repeat(rank, rank + 1).ToArray(), remoteCounts, ref raw);
        Expect.Sequence(expected, raw);
        string[] words = null!;
        inter.AllgatherFlattened(Enumerable.Repeat($"{rank}", rank + 1).ToArray(), remoteCounts, ref words);
        Expect.Sequence(expected.Select(v => $"{v}"), words);

        Expect.Equal(remote * (remote - 1) / 2, inter.Allreduce(rank, Operation<int>.Add));
        Expect.Equal(string.Concat(Enumerable.Range(0, remote).Select(r => $"{r}")), inter.Allreduce($"{rank}", Operation<string>.Add));
        int[] sums = null!;
        inter.Allreduce(new[] { rank, 1 }, Operation<int>.Add, ref sums);
        Expect.Sequence([remote * (remote - 1) / 2, remote], sums);
        string[] joined = null!;
        inter.Allreduce(new[] { $"{rank}" }, Operation<string>.Add, ref joined);
        Expect.Sequence([string.Concat(Enumerable.Range(0, remote).Select(r => $"{r}"))], joined);

        Expect.Sequence(Enumerable.Range(0, remote).Select(r => r * 10 + rank),
            inter.Alltoall(Enumerable.Range(0, remote).Select(r => rank * 10 + r).ToArray()));
        Expect.Sequence(Enumerable.Range(0, remote).Select(r => $"{r}>{rank}"),
            inter.Alltoall(Enumerable.Range(0, remote).Select(r => $"{rank}>{r}").ToArray()));
        var ones = Enumerable.Repeat(1, remote).ToArray();
        int[] exchanged = null!;
        inter.AlltoallFlattened(Enumerable.Range(0, remote).Select(r => rank * 10 + r).ToArray(), ones, ones, ref exchanged);
        Expect.Sequence(Enumerable.Range(0, remote).Select(r => r * 10 + rank), exchanged);
        string[] exchangedText = null!;
        inter.AlltoallFlattened(Enumerable.Range(0, remote).Select(r => $"{rank}>{r}").ToArray(), ones, ones, ref exchangedText);
        Expect.Sequence(Enumerable.Range(0, remote).Select(r => $"{r}>{rank}"), exchangedText);

        // Both groups combine arrays of the same total length (MPI requires equal sums of the counts); each group
        // scatters the combination of the remote group's arrays over its own ranks.
        int total = world.Size;
        var localCounts = Enumerable.Range(0, inter.Size).Select(r => total / inter.Size + (r < total % inter.Size ? 1 : 0)).ToArray();
        int remoteSum = remote * (remote + 1) / 2;
        int[] mine = null!;
        inter.ReduceScatter(Enumerable.Repeat(rank + 1, total).ToArray(), Operation<int>.Add, localCounts, ref mine);
        Expect.Sequence(Enumerable.Repeat(remoteSum, localCounts[rank]), mine);
        string[] mineText = null!;
        inter.ReduceScatter(Enumerable.Repeat($"{rank}", total).ToArray(), Operation<string>.Add, localCounts, ref mineText);
        Expect.Sequence(Enumerable.Repeat(string.Concat(Enumerable.Range(0, remote).Select(r => $"{r}")), localCounts[rank]), mineText);
    }

    [Check(MinRanks = 2)]
    public static void BadRoots(Intracommunicator world)
    {
        var (inter, _) = Connect(world);
        using var __ = inter;
        int value = 0;
        Expect.Throws<ArgumentOutOfRangeException>(() => inter.Broadcast(ref value, inter.RemoteSize));
        Expect.Throws<ArgumentOutOfRangeException>(() => inter.Reduce(1, Operation<int>.Add, -7));
        Expect.Throws<ArgumentException>(() => inter.Alltoall(new int[inter.RemoteSize + 1]));
        inter.Barrier();
    }
}
