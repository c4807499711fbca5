using MPI;

namespace SpmdChecks;

/// <summary>
/// The roles a rank can have in a collective (root, peer of the root, rank that takes no part), which intra- and
/// intercommunicators share one implementation for: every rooted collective on an intercommunicator with the root in
/// either group and at every rank there, for raw and serialized values; a root that rejects its arguments on an
/// intercommunicator; and what the non-roots of an intracommunicator get back.
/// </summary>
internal static class CollectiveRoleChecks
{
    [Check(MinRanks = 2)]
    public static void RootedOnIntercommunicatorFromEveryRankOfBothGroups(Intracommunicator world)
    {
        var (inter, group) = IntercommunicatorChecks.Connect(world);
        using var _ = inter;
        for (int rootGroup = 0; rootGroup < 2; rootGroup++)
        {
            for (int rootRank = 0; rootRank < IntercommunicatorChecks.GroupSize(world, rootGroup); rootRank++)
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
    public static void IntercommunicatorRootRejectionReachesTheRemoteGroup(Intracommunicator world)
    {
        var (inter, group) = IntercommunicatorChecks.Connect(world);
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

    /// <summary>What ranks other than the root get back on an intracommunicator, and when arrays are reused.</summary>
    [Check]
    public static void NonRootsOfAnIntracommunicator(Intracommunicator c)
    {
        int n = c.Size, rank = c.Rank;
        var sentinel = new[] { -1 };
        foreach (int root in Enumerable.Range(0, n))
        {
            bool isRoot = rank == root;
            // Non-roots' arrays are left alone; the root's is reused when it has the result's length.
            int[]? gathered = isRoot ? new int[n] : sentinel;
            var kept = gathered;
            c.Gather(rank, root, ref gathered);
            Expect.True(ReferenceEquals(kept, gathered));
            Expect.Sequence(isRoot ? Enumerable.Range(0, n) : [-1], gathered);
            int[]? reduced = isRoot ? null : sentinel;
            c.Reduce(new[] { rank }, Operation<int>.Add, root, ref reduced);
            Expect.Sequence(isRoot ? [n * (n - 1) / 2] : [-1], reduced);
            string[]? texts = isRoot ? null : ["kept"];
            c.GatherFlattened(new[] { $"{rank}" }, root, ref texts);
            Expect.Sequence(isRoot ? Enumerable.Range(0, n).Select(r => $"{r}") : ["kept"], texts);

            // A receiver's serialized array is replaced when null or of another length.
            string[] words = isRoot ? ["a", "b"] : rank % 2 == 0 ? null! : ["too", "long", "!"];
            c.Broadcast(ref words, root);
            Expect.Sequence(["a", "b"], words);

            // Only the root can see that a count is negative: every rank hears of it.
            var counts = isRoot ? Enumerable.Range(0, n).Select(r => r == n - 1 ? -1 : 1).ToArray() : null;
            var error = Expect.Throws<ArgumentException>(() => c.GatherFlattened(new int[1], counts, root));
            Expect.True(error.Message.Contains(isRoot ? "negative" : $"root (rank {root}) rejected", StringComparison.Ordinal));
        }

        // Rank 0 of an exclusive scan gets null, even for the array it passed.
        int[]? scanned = [7];
        c.ExclusiveScan(new[] { rank }, Operation<int>.Add, ref scanned);
        Expect.Equal(rank == 0, scanned is null);
        if (rank > 0)
            Expect.Sequence([rank * (rank - 1) / 2], scanned);
        Expect.Equal(rank == 0 ? null : string.Concat(Enumerable.Range(0, rank)),
            c.ExclusiveScan($"{rank}", Operation<string>.Add));

        // Raw arrays of every rank's result length are reused.
        int[]? everywhere = new int[n];
        var same = everywhere;
        c.Allgather(rank, ref everywhere);
        Expect.True(ReferenceEquals(same, everywhere));
        int[]? part = new int[1];
        same = part;
        c.ScatterFromFlattened(rank == 0 ? Enumerable.Range(0, n).ToArray() : null, 1, 0, ref part);
        Expect.True(ReferenceEquals(same, part));
        Expect.Sequence([rank], part);

        // Raw elements need a receiving array on every rank.
        int[] none = null!;
        Expect.Throws<ArgumentNullException>(() => c.Broadcast(ref none, 0));
        c.Barrier();
    }
}
