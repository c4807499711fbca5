using MPI;

namespace SpmdChecks;

/// <summary>
/// Node communicators and node-shared arrays: one copy per node, written by the node's writer, read by every rank of
/// the node through the same memory. Every rank of a test run is on this machine: one node, unless a check splits the
/// ranks into several groups that each hold a copy (as nodes would).
/// </summary>
internal static class SharedMemoryChecks
{
    [Check]
    public static void SplitSharedGivesOneNodeOrderedByKey(Intracommunicator c)
    {
        using var node = c.SplitShared();
        Expect.Equal(c.Size, node.Size);
        Expect.Equal(c.Rank, node.Rank);
        using var reversed = c.SplitShared(key: c.Size - c.Rank);
        Expect.Equal(c.Size, reversed.Size);
        Expect.Equal(c.Size - 1 - c.Rank, reversed.Rank);
    }

    [Check]
    public static void TheWritersStoresAreReadThroughTheSameMemoryByEveryRank(Intracommunicator c)
    {
        using var array = NodeSharedArray<long>.Create(c, 1000);
        Expect.Equal(1000, array.Length);
        Expect.Equal(c.Rank == 0, array.IsWriter);
        Expect.Equal(c.Size, array.NodeCommunicator.Size);
        Expect.True(array.ReadOnlySpan.ToArray().All(value => value == 0));
        // One segment on the node, the writer's: the others map it and own none.
        Expect.Equal(array.IsWriter ? 1000 : 0, array.Window.Local.Length);
        array.Synchronize();

        // Stored after creation, without any message: only shared memory can carry it.
        if (array.IsWriter)
            for (int i = 0; i < array.Length; i++)
                array.Span[i] = 3L * i;
        array.Synchronize();
        Expect.Sequence(Enumerable.Range(0, 1000).Select(i => 3L * i), array.ToArray());
        array.Synchronize();

        // The same holds the other way: the last rank's store reaches the writer.
        if (c.Rank == c.Size - 1)
            array.Span[999] = -1;
        array.Synchronize();
        Expect.Equal(-1L, array.ReadOnlySpan[999]);
    }

    [Check]
    public static void RepeatedRoundsReadNoStaleValues(Intracommunicator c)
    {
        using var array = NodeSharedArray<int>.Create(c, 4096);
        for (int round = 1; round <= 20; round++)
        {
            if (array.IsWriter)
                array.Span.Fill(round);
            array.Synchronize();
            var span = array.ReadOnlySpan;
            for (int i = 0; i < span.Length; i++)
                if (span[i] != round)
                    throw new CheckFailedException($"round {round}: element {i} is {span[i]}");
            // Every rank has read before the writer stores again.
            array.Synchronize();
        }
    }

    [Check]
    public static void CreatingFromOneRanksDataSharesItWithEveryRank(Intracommunicator c)
    {
        int root = c.Size - 1;
        var data = c.Rank == root ? Enumerable.Range(0, 500).Select(i => i * 0.5).ToArray() : [];
        using var array = NodeSharedArray<double>.Create(c, data, root);
        Expect.Equal(500, array.Length);
        Expect.Sequence(Enumerable.Range(0, 500).Select(i => i * 0.5), array.ToArray());
    }

    [Check(MinRanks = 2)]
    public static void BroadcastFromANonWriterFillsEveryNodesCopy(Intracommunicator c)
    {
        // Two "nodes" on this machine: even and odd ranks, each group with its own copy and writer.
        using var array = NodeSharedArray<int>.Create(c, 256, all => (Intracommunicator)all.Split(all.Rank % 2, all.Rank));
        int group = c.Rank % 2;
        Expect.Equal(c.Rank < 2, array.IsWriter);
        Expect.Equal((c.Size + 1 - group) / 2, array.NodeCommunicator.Size);
        for (int round = 0; round < 3 * c.Size; round++)
        {
            if (array.IsWriter)
                array.Span.Fill(1000 * round + group);
            array.Synchronize();
            // Two copies: each group reads its own writer's values.
            Expect.True(array.ToArray().All(value => value == 1000 * round + group));
            array.Synchronize();

            int root = round % c.Size;
            if (c.Rank == root)
                array.Span[7] = -round;
            array.Broadcast(root);
            var seen = array.ToArray();
            Expect.Equal(-round, seen[7]);
            Expect.True(seen.Where((_, i) => i != 7).All(value => value == 1000 * round + root % 2));
            array.Synchronize();
        }
    }

    [Check]
    public static void EachHostHoldsOneCopyAndBroadcastReachesThemAll(Intracommunicator c)
    {
        // Holds on one machine and on several: NodeSharedArrayHostTests runs it over test hosts, saying how many.
        var hosts = c.Allgather(MPI.Environment.ProcessorName);
        var sameHost = Enumerable.Range(0, c.Size).Where(rank => hosts[rank] == hosts[c.Rank]).ToArray();
        var hostIndex = hosts.Distinct().ToList().IndexOf(hosts[c.Rank]);
        if (System.Environment.GetEnvironmentVariable("SPMD_EXPECT_HOSTS") is { } expected)
            Expect.Equal(int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), hosts.Distinct().Count());
        using var array = NodeSharedArray<int>.Create(c, 1024);
        Expect.Sequence(sameHost, array.NodeCommunicator.Allgather(c.Rank));
        Expect.Equal(c.Rank == sameHost[0], array.IsWriter);

        if (array.IsWriter)
            array.Span.Fill(hostIndex + 1);
        array.Synchronize();
        Expect.True(array.ToArray().All(value => value == hostIndex + 1));
        array.Synchronize();

        int root = c.Size - 1;
        if (c.Rank == root)
            array.Span.Fill(-7);
        array.Broadcast(root);
        Expect.True(array.ToArray().All(value => value == -7));
    }

    [Check]
    public static void ALargeArrayIsOneCopyPerNode(Intracommunicator c)
    {
        const int Length = 8 << 20; // 64 MiB of longs
        long anonymousBefore = AnonymousResidentBytes();
        using var array = NodeSharedArray<long>.Create(c, Length);
        if (array.IsWriter)
        {
            var span = array.Span;
            for (int i = 0; i < span.Length; i++)
                span[i] = i;
        }
        array.Synchronize();
        long sum = 0;
        foreach (var value in array.ReadOnlySpan)
            sum += value;
        Expect.Equal((long)Length * (Length - 1) / 2, sum);
        // Every page has been read; a rank holding its own copy would have grown by the array's size.
        long growth = AnonymousResidentBytes() - anonymousBefore;
        if (!array.IsWriter && anonymousBefore > 0)
            Expect.True(growth < Length * sizeof(long) / 2, $"a non-writer's private memory grew by {growth} bytes");
        array.Synchronize();
    }

    [Check]
    public static void BadInputIsRefused(Intracommunicator c)
    {
        Expect.Throws<ArgumentNullException>(() => NodeSharedArray<int>.Create(null!, 1));
        Expect.Throws<ArgumentOutOfRangeException>(() => NodeSharedArray<int>.Create(c, -1));
        Expect.Throws<ArgumentOutOfRangeException>(() => NodeSharedArray<int>.Create(c, [1, 2], c.Size));
        Expect.Throws<ArgumentOutOfRangeException>(() => NodeSharedArray<int>.Create(c, [1, 2], -1));

        var array = NodeSharedArray<int>.Create(c, 0);
        Expect.Equal(0, array.Span.Length);
        Expect.Throws<ArgumentOutOfRangeException>(() => array.Broadcast(c.Size));
        Expect.Throws<ArgumentOutOfRangeException>(() => array.Broadcast(-1));
        array.Dispose();
        array.Dispose();
        Expect.Throws<ObjectDisposedException>(() => _ = array.Span);
        Expect.Throws<ObjectDisposedException>(() => _ = array.ReadOnlySpan);
        Expect.Throws<ObjectDisposedException>(() => _ = array.IsWriter);
        Expect.Throws<ObjectDisposedException>(() => _ = array.NodeCommunicator);
        Expect.Throws<ObjectDisposedException>(array.Synchronize);
        Expect.Throws<ObjectDisposedException>(() => array.Broadcast(0));
        Expect.Throws<ObjectDisposedException>(() => array.ToArray());
    }

    [Check(MinRanks = 2)]
    public static void DifferentLengthsAreRefusedOnEveryRank(Intracommunicator c)
    {
        var refused = Expect.Throws<ArgumentException>(() => NodeSharedArray<int>.Create(c, 10 + c.Rank));
        Expect.Equal("length", refused.ParamName);
    }

    // RssAnon of /proc/self/status in bytes (0 where there is none): memory private to this process.
    private static long AnonymousResidentBytes()
    {
        const string Path = "/proc/self/status";
        if (!File.Exists(Path))
            return 0;
        var line = File.ReadLines(Path).FirstOrDefault(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
