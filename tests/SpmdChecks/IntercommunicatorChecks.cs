using MPI;

namespace SpmdChecks;

/// <summary>
/// An intercommunicator between the even and the odd ranks of the world, and every collective MPI.NET offers on
/// it, for raw and serialized payloads, with the root of the rooted collectives in either group.
/// </summary>
internal static class IntercommunicatorChecks
{
    private static (Intercommunicator Inter, int Group) Connect(Intracommunicator world)
    {
        int group = world.Rank % 2;
        using var local = world.Split(group, world.Rank);
        return (new Intercommunicator(local, 0, world, group == 0 ? 1 : 0, 77), group);
    }

    private static int GroupSize(Intracommunicator world, int group) => (world.Size + 1 - group) / 2;

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

    /// <summary>
    /// Every rooted collective with the root at every rank of either group (so both directions), for raw and
    /// serialized values: the root passes <see cref="Intercommunicator.Root"/>, the rest of its group
    /// <see cref="Intercommunicator.Null"/>, the remote group the root's rank.
    /// </summary>
    [Check(MinRanks = 2)]
    public static void RootedCollectives(Intracommunicator world)
    {
        var (inter, group) = Connect(world);
        using var _ = inter;
        for (int rootGroup = 0; rootGroup < 2; rootGroup++)
        {
            for (int rootRank = 0; rootRank < GroupSize(world, rootGroup); rootRank++)
            {
                bool peer = group != rootGroup;
                int root = peer ? rootRank : inter.Rank == rootRank ? Intercommunicator.Root : Intercommunicator.Null;
                RootedOnce(inter, root, peer, 100 * rootGroup + 10 * rootRank);
            }
        }
    }

    /// <summary>Every rooted collective once; <paramref name="tag"/> names the root, so a wrong root shows.</summary>
    private static void RootedOnce(Intercommunicator inter, int root, bool peer, int tag)
    {
        bool isRoot = root == Intercommunicator.Root;
        bool sees = isRoot || peer;
        int remote = inter.RemoteSize, rank = inter.Rank;

        int number = isRoot ? tag : -1;
        inter.Broadcast(ref number, root);
        Expect.Equal(sees ? tag : -1, number);
        string text = isRoot ? $"t{tag}" : "unset";
        inter.Broadcast(ref text, root);
        Expect.Equal(sees ? $"t{tag}" : "unset", text);
        int[] raw = isRoot ? [tag, tag + 1] : peer ? new int[2] : null!;
        inter.Broadcast(ref raw, root);
        if (peer)
            Expect.Sequence([tag, tag + 1], raw);
        string[] words = isRoot ? [$"w{tag}"] : peer ? new string[1] : null!;
        var before = words;
        inter.Broadcast(ref words, root);
        if (peer)
        {
            Expect.Sequence([$"w{tag}"], words);
            Expect.True(ReferenceEquals(before, words)); // copied into the receiver's array of the right length
        }

        var gathered = inter.Gather(tag + rank, root);
        var gatheredText = inter.Gather($"g{tag + rank}", root);
        if (isRoot)
        {
            Expect.Sequence(Enumerable.Range(0, remote).Select(r => tag + r), gathered);
            Expect.Sequence(Enumerable.Range(0, remote).Select(r => $"g{tag + r}"), gatheredText);
        }
        else
        {
            Expect.Equal(null, gathered);
            Expect.Equal(null, gatheredText);
        }

        if (isRoot)
        {
            inter.Scatter(Enumerable.Range(0, remote).Select(r => tag + r).ToArray());
            inter.Scatter(Enumerable.Range(0, remote).Select(r => $"s{tag + r}").ToArray());
        }
        else if (peer)
        {
            Expect.Equal(tag + rank, inter.Scatter<int>(root));
            Expect.Equal($"s{tag + rank}", inter.Scatter<string>(root));
        }
        else
        {
            inter.Scatter<int>();
            inter.Scatter<string>();
        }

        int sum = remote * (remote - 1) / 2;
        Expect.Equal(isRoot ? tag * remote + sum : 0, inter.Reduce(tag + rank, Operation<int>.Add, root));
        Expect.Equal(isRoot ? new Point(sum, remote) : default, inter.Reduce(new Point(rank, 1), Point.Plus, root));
        Expect.Equal(isRoot ? string.Concat(Enumerable.Range(0, remote).Select(r => $"{r}")) : null,
            inter.Reduce($"{rank}", Operation<string>.Add, root));
        // The root of a raw reduction learns the count from the array it passes for the result.
        int[]? sums = isRoot ? new int[2] : null;
        inter.Reduce(peer ? new[] { rank, tag } : null, Operation<int>.Add, root, ref sums);
        if (isRoot)
            Expect.Sequence([sum, tag * remote], sums);
        string[]? joined = null;
        inter.Reduce(peer ? new[] { $"{rank}" } : null, Operation<string>.Add, root, ref joined);
        if (isRoot)
            Expect.Sequence([string.Concat(Enumerable.Range(0, remote).Select(r => $"{r}"))], joined);
        else
            Expect.Equal(null, joined);

        // Peer r sends (and receives) r + 1 elements.
        var counts = Enumerable.Range(1, remote).ToArray();
        var flat = Enumerable.Range(0, remote).SelectMany(r => Enumerable.Repeat(tag + r, r + 1)).ToArray();
        var mine = Enumerable.Repeat(tag + rank, rank + 1).ToArray();
        if (isRoot)
        {
            int[]? rawBlocks = null;
            inter.GatherFlattened(counts, ref rawBlocks);
            Expect.Sequence(flat, rawBlocks);
            string[]? textBlocks = null;
            inter.GatherFlattened(counts, ref textBlocks);
            Expect.Sequence(flat.Select(v => $"{v}"), textBlocks);
            inter.ScatterFromFlattened(flat, counts);
            inter.ScatterFromFlattened(flat.Select(v => $"{v}").ToArray(), counts);
        }
        else if (peer)
        {
            inter.GatherFlattened(mine, root);
            inter.GatherFlattened(mine.Select(v => $"{v}").ToArray(), root);
            var localCounts = Enumerable.Range(1, inter.Size).ToArray();
            int[]? rawPart = new int[rank + 1];
            var kept = rawPart;
            inter.ScatterFromFlattened(localCounts, root, ref rawPart);
            Expect.Sequence(mine, rawPart);
            Expect.True(ReferenceEquals(kept, rawPart)); // an array of the right length is reused
            string[]? textPart = null;
            inter.ScatterFromFlattened(localCounts, root, ref textPart);
            Expect.Sequence(mine.Select(v => $"{v}"), textPart);
        }
        else
        {
            inter.GatherFlattened<int>();
            inter.GatherFlattened<string>();
            inter.ScatterFromFlattened<int>();
            inter.ScatterFromFlattened<string>();
        }
    }

    /// <summary>
    /// A root that rejects its arguments on an intercommunicator throws, the remote group throws too instead of
    /// waiting, the rest of the root's group goes on; then the intercommunicator still works.
    /// </summary>
    [Check(MinRanks = 2)]
    public static void RootRejectionReachesTheRemoteGroup(Intracommunicator world)
    {
        var (inter, group) = Connect(world);
        using var _ = inter;
        int remote = inter.RemoteSize;
        bool isRoot = group == 0 && inter.Rank == 0;
        var tooShort = Enumerable.Range(1, remote).ToArray()[..^1];

        Rejected(inter, group, isRoot,
            () => inter.Scatter(new int[remote + 1]),
            () => inter.Scatter<int>(0),
            () => inter.Scatter<int>());
        Rejected(inter, group, isRoot,
            () => inter.Scatter(new string[remote + 1]),
            () => inter.Scatter<string>(0),
            () => inter.Scatter<string>());
        Rejected(inter, group, isRoot,
            () => inter.ScatterFromFlattened(new int[remote + 1], Enumerable.Repeat(1, remote).ToArray()),
            () =>
            {
                int[]? part = null;
                inter.ScatterFromFlattened(Enumerable.Repeat(1, inter.Size).ToArray(), 0, ref part);
            },
            () => inter.ScatterFromFlattened<int>());
        Rejected(inter, group, isRoot,
            () =>
            {
                string[]? all = null;
                inter.GatherFlattened(tooShort, ref all);
            },
            () => inter.GatherFlattened(new[] { "x" }, 0),
            () => inter.GatherFlattened<string>());

        inter.Barrier();
        Expect.Equal(remote, inter.Allreduce(1, Operation<int>.Add));
    }

    private static void Rejected(Intercommunicator inter, int group, bool isRoot, Action atRoot, Action atPeer,
        Action elsewhere)
    {
        if (isRoot)
        {
            var error = Expect.Throws<ArgumentException>(atRoot);
            Expect.False(error.Message.Contains("rejected", StringComparison.Ordinal));
        }
        else if (group == 1)
        {
            var error = Expect.Throws<ArgumentException>(atPeer);
            Expect.True(error.Message.Contains("root (rank 0) rejected", StringComparison.Ordinal));
        }
        else
        {
            elsewhere();
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
        Expect.Equal(new Point(remote * (remote - 1) / 2, remote), inter.Allreduce(new Point(rank, 1), Point.Plus));
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
