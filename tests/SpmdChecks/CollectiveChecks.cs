using MPI;

namespace SpmdChecks;

/// <summary>Every collective of MPI.NET's surface with raw and serialized types, every rank as root.</summary>
internal static class CollectiveChecks
{
    private static IEnumerable<int> Roots(Communicator c) => Enumerable.Range(0, c.Size);

    private static string Name(int rank) => $"r{rank}";

    [Check]
    public static void Broadcast(Intracommunicator c)
    {
        foreach (int root in Roots(c))
        {
            int value = c.Rank == root ? 42 + root : -1;
            c.Broadcast(ref value, root);
            Expect.Equal(42 + root, value);

            var numbers = c.Rank == root ? Enumerable.Range(root, 7).ToArray() : new int[7];
            c.Broadcast(ref numbers, root);
            Expect.Sequence(Enumerable.Range(root, 7), numbers);

            string text = c.Rank == root ? $"héllo {root}" : "";
            c.Broadcast(ref text, root);
            Expect.Equal($"héllo {root}", text);

            var words = c.Rank == root ? new[] { "a", Name(root) } : new string[2];
            var before = words;
            c.Broadcast(ref words, root);
            Expect.Sequence(["a", Name(root)], words);
            Expect.True(ReferenceEquals(before, words));

            var point = c.Rank == root ? new Point(root, -root) : default;
            c.Broadcast(ref point, root);
            Expect.Equal(new Point(root, -root), point);

            var empty = Array.Empty<double>();
            c.Broadcast(ref empty, root);
            Expect.Equal(0, empty.Length);
        }
    }

    [Check]
    public static void GatherAndAllgather(Intracommunicator c)
    {
        var ranks = Enumerable.Range(0, c.Size).ToArray();
        foreach (int root in Roots(c))
        {
            var numbers = c.Gather(c.Rank * 2, root);
            var names = c.Gather(Name(c.Rank), root);
            if (c.Rank == root)
            {
                Expect.Sequence(ranks.Select(r => r * 2), numbers);
                Expect.Sequence(ranks.Select(Name), names);
            }
            else
            {
                Expect.Equal(null, numbers);
                Expect.Equal(null, names);
            }
            int[]? into = null;
            c.Gather(c.Rank, root, ref into);
            if (c.Rank == root)
                Expect.Sequence(ranks, into);
        }
        Expect.Sequence(ranks.Select(r => r + 1), c.Allgather(c.Rank + 1));
        Expect.Sequence(ranks.Select(Name), c.Allgather(Name(c.Rank)));
        string[] names2 = null!;
        c.Allgather(Name(c.Rank), ref names2);
        Expect.Sequence(ranks.Select(Name), names2);
    }

    [Check]
    public static void FlattenedGathers(Intracommunicator c)
    {
        // Rank r contributes r elements (rank 0 none), so every block size differs.
        var counts = Enumerable.Range(0, c.Size).ToArray();
        var mine = Enumerable.Repeat(c.Rank, c.Rank).ToArray();
        var mineText = mine.Select(Name).ToArray();
        var expected = counts.SelectMany(r => Enumerable.Repeat(r, r)).ToArray();
        foreach (int root in Roots(c))
        {
            var flat = c.GatherFlattened(mine, c.Rank == root ? counts : null, root);
            var flatText = c.GatherFlattened(mineText, c.Rank == root ? counts : null, root);
            var equal = c.GatherFlattened(new[] { c.Rank, c.Rank }, root);
            if (c.Rank == root)
            {
                Expect.Sequence(expected, flat);
                Expect.Sequence(expected.Select(Name), flatText);
                Expect.Sequence(counts.SelectMany(r => new[] { r, r }), equal);
            }
            else
            {
                Expect.Equal(null, flat);
            }
        }
        Expect.Sequence(expected, c.AllgatherFlattened(mine, counts));
        Expect.Sequence(expected.Select(Name), c.AllgatherFlattened(mineText, counts));
        Expect.Sequence(counts.SelectMany(r => new[] { r, -r }), c.AllgatherFlattened(new[] { c.Rank, -c.Rank }, 2));
        int[] into = null!;
        c.AllgatherFlattened(mine, counts, ref into);
        Expect.Sequence(expected, into);
    }

    [Check]
    public static void Scatters(Intracommunicator c)
    {
        var ranks = Enumerable.Range(0, c.Size).ToArray();
        foreach (int root in Roots(c))
        {
            bool isRoot = c.Rank == root;
            Expect.Equal(c.Rank * 3, c.Scatter(isRoot ? ranks.Select(r => r * 3).ToArray() : null, root));
            Expect.Equal(Name(c.Rank), c.Scatter(isRoot ? ranks.Select(Name).ToArray() : null, root));
            Expect.Equal(c.Rank % 2 == 0, c.Scatter(isRoot ? ranks.Select(r => r % 2 == 0).ToArray() : null, root));
            Expect.Equal(c.Rank + 100, isRoot ? c.Scatter(ranks.Select(r => r + 100).ToArray()) : c.Scatter<int>(root));

            // Rank r receives r elements: the root (when it is rank 0) receives none.
            var counts = ranks;
            var flat = isRoot ? ranks.SelectMany(r => Enumerable.Repeat(r, r)).ToArray() : null;
            var part = c.ScatterFromFlattened(flat, counts, root);
            Expect.Sequence(Enumerable.Repeat(c.Rank, c.Rank), part);
            var textPart = c.ScatterFromFlattened(flat?.Select(Name).ToArray(), counts, root);
            Expect.Sequence(Enumerable.Repeat(Name(c.Rank), c.Rank), textPart);
            int[] pair = null!;
            c.ScatterFromFlattened(isRoot ? ranks.SelectMany(r => new[] { r, r }).ToArray() : null, 2, root, ref pair);
            Expect.Sequence([c.Rank, c.Rank], pair);
        }
    }

    [Check]
    public static void Alltoalls(Intracommunicator c)
    {
        var ranks = Enumerable.Range(0, c.Size).ToArray();
        Expect.Sequence(ranks.Select(r => r * 100 + c.Rank), c.Alltoall(ranks.Select(r => c.Rank * 100 + r).ToArray()));
        Expect.Sequence(ranks.Select(r => $"{r}>{c.Rank}"), c.Alltoall(ranks.Select(r => $"{c.Rank}>{r}").ToArray()));
        // Rank s sends s elements to every rank (rank 0 sends nothing).
        var sendCounts = Enumerable.Repeat(c.Rank, c.Size).ToArray();
        var receiveCounts = ranks;
        var outgoing = ranks.SelectMany(r => Enumerable.Repeat(c.Rank * 10 + r, c.Rank)).ToArray();
        var expected = ranks.SelectMany(s => Enumerable.Repeat(s * 10 + c.Rank, s)).ToArray();
        Expect.Sequence(expected, c.AlltoallFlattened(outgoing, sendCounts, receiveCounts));
        Expect.Sequence(expected.Select(v => $"{v}"),
            c.AlltoallFlattened(outgoing.Select(v => $"{v}").ToArray(), sendCounts, receiveCounts));
        Expect.Sequence(ranks.SelectMany(s => new[] { s, c.Rank }),
            c.AlltoallFlattened(ranks.SelectMany(r => new[] { c.Rank, r }).ToArray(), 2));
    }

    private static int AddInts(int x, int y) => x + y;

    private static string Concat(string x, string y) => x + y;

    [Check]
    public static void Reductions(Intracommunicator c)
    {
        int n = c.Size;
        int sum = n * (n - 1) / 2;
        string ordered = string.Concat(Enumerable.Range(0, n).Select(Name));
        foreach (int root in Roots(c))
        {
            bool isRoot = c.Rank == root;
            Expect.Equal(isRoot ? sum : 0, c.Reduce(c.Rank, AddInts, root));
            Expect.Equal(isRoot ? sum : 0, c.Reduce(c.Rank, Operation<int>.Add, root));
            Expect.Equal(isRoot ? new Point(sum, -sum) : default, c.Reduce(new Point(c.Rank, -c.Rank), Point.Plus, root));
            Expect.Equal(isRoot ? ordered : null, c.Reduce(Name(c.Rank), Concat, root));
            Expect.Equal(isRoot && n <= 1, c.Reduce(c.Rank == 0, Operation<bool>.LogicalAnd, root));
            var arrays = c.Reduce(new[] { c.Rank, 1 }, Operation<int>.Add, root);
            var texts = c.Reduce(new[] { Name(c.Rank), "x" }, Operation<string>.Add, root);
            var flags = c.Reduce(new[] { true, c.Rank == 0 }, Operation<bool>.LogicalOr, root);
            if (isRoot)
            {
                Expect.Sequence([sum, n], arrays);
                Expect.Sequence([ordered, string.Concat(Enumerable.Repeat("x", n))], texts);
                Expect.Sequence([true, true], flags);
            }
            else
            {
                Expect.Equal(null, arrays);
            }
        }
        Expect.Equal(sum, c.Allreduce(c.Rank, AddInts));
        Expect.Equal(n - 1, c.Allreduce(c.Rank, Operation<int>.Max));
        Expect.Equal(new Point(0, 0), c.Allreduce(new Point(c.Rank, -c.Rank), Operation<Point>.Min));
        Expect.Equal(new Point(n - 1, -(n - 1)), c.Allreduce(new Point(c.Rank, -c.Rank), Operation<Point>.Max));
        Expect.Equal(new Point(sum, 2 * n), c.Allreduce(new Point(c.Rank, 2), Operation<Point>.Add));
        Expect.Equal(ordered, c.Allreduce(Name(c.Rank), Operation<string>.Add));
        Expect.Sequence([sum, n], c.Allreduce(new[] { c.Rank, 1 }, Operation<int>.Add));
        Expect.Sequence([ordered], c.Allreduce(new[] { Name(c.Rank) }, Concat));
        Expect.Equal(1 << (n - 1), c.Allreduce(1 << c.Rank, Operation<int>.Max));
        Expect.Equal((1 << n) - 1, c.Allreduce(1 << c.Rank, Operation<int>.BitwiseOr));
        Expect.Equal(1.5 * n, c.Allreduce(1.5, Operation<double>.Add));
        Expect.Equal((byte)n, c.Allreduce((byte)1, Operation<byte>.Add));
        int[] into = null!;
        c.Allreduce(new[] { 2 }, Operation<int>.Multiply, ref into);
        Expect.Sequence([1 << n], into);
    }

    [Check]
    public static void ReduceScatterAndScans(Intracommunicator c)
    {
        int n = c.Size, rank = c.Rank;
        // Rank r gets r + 1 elements; every element sums rank numbers.
        var counts = Enumerable.Range(1, n).ToArray();
        int total = counts.Sum();
        var mine = Enumerable.Repeat(rank, total).ToArray();
        Expect.Sequence(Enumerable.Repeat(n * (n - 1) / 2, rank + 1), c.ReduceScatter(mine, Operation<int>.Add, counts));
        var texts = c.ReduceScatter(Enumerable.Repeat(Name(rank), total).ToArray(), Concat, counts);
        Expect.Sequence(Enumerable.Repeat(string.Concat(Enumerable.Range(0, n).Select(Name)), rank + 1), texts);

        int prefix = rank * (rank + 1) / 2;
        string prefixText = string.Concat(Enumerable.Range(0, rank + 1).Select(Name));
        Expect.Equal(prefix, c.Scan(rank, AddInts));
        Expect.Equal(new Point(prefix, rank + 1), c.Scan(new Point(rank, 1), Point.Plus));
        Expect.Equal(prefixText, c.Scan(Name(rank), Concat));
        Expect.Sequence([prefix, rank + 1], c.Scan(new[] { rank, 1 }, Operation<int>.Add));
        Expect.Sequence([prefixText], c.Scan(new[] { Name(rank) }, Operation<string>.Add));

        int exclusive = rank * (rank - 1) / 2;
        string exclusiveText = string.Concat(Enumerable.Range(0, rank).Select(Name));
        Expect.Equal(exclusive, c.ExclusiveScan(rank, AddInts));
        Expect.Equal(rank == 0 ? default : new Point(exclusive, rank), c.ExclusiveScan(new Point(rank, 1), Point.Plus));
        Expect.Equal(rank == 0 ? null : exclusiveText, c.ExclusiveScan(Name(rank), Concat));
        var arrays = c.ExclusiveScan(new[] { rank, 1 }, Operation<int>.Add);
        var strings = c.ExclusiveScan(new[] { Name(rank) }, Operation<string>.Add);
        if (rank == 0)
        {
            Expect.Equal(null, arrays);
            Expect.Equal(null, strings);
        }
        else
        {
            Expect.Sequence([exclusive, rank], arrays);
            Expect.Sequence([exclusiveText], strings);
        }
    }

    [Check]
    public static void Spans(Intracommunicator c)
    {
        int n = c.Size, rank = c.Rank;
        Span<double> results = stackalloc double[3 * n];
        Span<long> values = stackalloc long[2];
        Span<int> part = stackalloc int[2];
        Span<int> reduced = stackalloc int[2];
        foreach (int root in Roots(c))
        {
            values[0] = rank == root ? 5 : 0;
            values[1] = rank == root ? 6 : 0;
            c.Broadcast(values, root);
            Expect.Sequence([5L, 6L], values.ToArray());

            c.Gather<double>([rank, rank + 0.5, -rank], rank == root ? results : Span<double>.Empty, root);
            if (rank == root)
                Expect.Sequence(Enumerable.Range(0, n).SelectMany(r => new[] { r, r + 0.5, -r }), results.ToArray());

            var all = Enumerable.Range(0, 2 * n).ToArray();
            c.Scatter<int>(rank == root ? all : ReadOnlySpan<int>.Empty, part, root);
            Expect.Sequence([2 * rank, 2 * rank + 1], part.ToArray());

            c.Reduce<int>([rank, 1], rank == root ? reduced : Span<int>.Empty, AddInts, root);
            if (rank == root)
                Expect.Sequence([n * (n - 1) / 2, n], reduced.ToArray());
        }
        c.Allgather<double>([rank, rank + 0.5, -rank], results);
        Expect.Sequence(Enumerable.Range(0, n).SelectMany(r => new[] { r, r + 0.5, -r }), results.ToArray());

        var outgoing = Enumerable.Range(0, n).SelectMany(r => new[] { rank * 10 + r, -1 }).ToArray();
        var incoming = new int[2 * n];
        c.Alltoall<int>(outgoing, incoming);
        Expect.Sequence(Enumerable.Range(0, n).SelectMany(s => new[] { s * 10 + rank, -1 }), incoming);

        Span<double> sums = stackalloc double[2];
        c.Allreduce<double>([1.0, rank], sums, Operation<double>.Add);
        Expect.Sequence([n, n * (n - 1) / 2.0], sums.ToArray());
        Span<int> inPlace = stackalloc int[] { rank, 1 };
        c.Allreduce(inPlace, Operation<int>.Max);
        Expect.Sequence([n - 1, 1], inPlace.ToArray());
        Span<Point> points = stackalloc Point[1];
        c.Allreduce<Point>([new Point(rank, 1)], points, Point.Plus);
        Expect.Equal(new Point(n * (n - 1) / 2, n), points[0]);

        Span<int> scanned = stackalloc int[1];
        c.Scan<int>([rank], scanned, Operation<int>.Add);
        Expect.Equal(rank * (rank + 1) / 2, scanned[0]);
        scanned[0] = -7;
        c.ExclusiveScan<int>([rank], scanned, Operation<int>.Add);
        Expect.Equal(rank * (rank - 1) / 2, scanned[0]);

        var counts = Enumerable.Repeat(1, n).ToArray();
        Span<int> mine = stackalloc int[1];
        c.ReduceScatter<int>(Enumerable.Repeat(rank, n).ToArray(), mine, Operation<int>.Add, counts);
        Expect.Equal(n * (n - 1) / 2, mine[0]);

        Span<int> reduceInPlace = stackalloc int[2];
        foreach (int root in Roots(c))
        {
            reduceInPlace[0] = rank;
            reduceInPlace[1] = 2;
            c.Reduce(reduceInPlace, Operation<int>.Add, root);
            Expect.Sequence(rank == root ? [n * (n - 1) / 2, 2 * n] : [rank, 2], reduceInPlace.ToArray());
        }
        Span<long> scanInPlace = stackalloc long[] { rank, 1 };
        c.Scan(scanInPlace, Operation<long>.Add);
        Expect.Sequence([(long)rank * (rank + 1) / 2, rank + 1L], scanInPlace.ToArray());
        scanInPlace[0] = rank;
        scanInPlace[1] = 1;
        c.ExclusiveScan(scanInPlace, Operation<long>.Add);
        Expect.Sequence([(long)rank * (rank - 1) / 2, rank], scanInPlace.ToArray());

        c.Allreduce(Span<int>.Empty, Operation<int>.Add);
        c.Broadcast(Span<byte>.Empty, 0);
        c.Allgather(ReadOnlySpan<int>.Empty, Span<int>.Empty);
    }

    [Check]
    public static void NonblockingCollectives(Intracommunicator c)
    {
        int n = c.Size, rank = c.Rank;
        c.ImmediateBarrier().WaitAsync().GetAwaiter().GetResult();
        var values = new[] { 1.0, rank };
        var sums = new double[2];
        var allreduce = c.ImmediateAllreduce<double>(values, sums, Operation<double>.Add);
        var broadcast = new int[] { rank == 0 ? 9 : 0 };
        var bcast = c.ImmediateBroadcast<int>(broadcast, 0);
        var gathered = new int[n];
        var gather = c.ImmediateAllgather<int>(new[] { rank }, gathered);
        var userReduced = new Point[1];
        var user = c.ImmediateAllreduce<Point>(new[] { new Point(rank, 1) }, userReduced, Point.Plus);
        var scanned = new int[1];
        var scan = c.ImmediateExclusiveScan<int>(new[] { rank }, scanned, Operation<int>.Add);
        var list = new RequestList();
        foreach (var request in new[] { allreduce, bcast, gather, user, scan })
            list.Add(request);
        Expect.Equal(5, list.WaitAll().Count);
        Expect.Sequence([n, n * (n - 1) / 2.0], sums);
        Expect.Equal(9, broadcast[0]);
        Expect.Sequence(Enumerable.Range(0, n), gathered);
        Expect.Equal(new Point(n * (n - 1) / 2, n), userReduced[0]);
        Expect.Equal(rank * (rank - 1) / 2, scanned[0]);

        var part = new int[1];
        c.ImmediateScatter<int>(rank == 0 ? Enumerable.Range(10, n).ToArray() : Array.Empty<int>(), part, 0).Wait();
        Expect.Equal(10 + rank, part[0]);
        var rooted = new int[rank == n - 1 ? n : 0];
        c.ImmediateGather<int>(new[] { rank }, rooted, n - 1).Wait();
        if (rank == n - 1)
            Expect.Sequence(Enumerable.Range(0, n), rooted);
        var total = new long[1];
        c.ImmediateReduce<long>(new[] { (long)rank }, rank == 0 ? total : Array.Empty<long>(), Operation<long>.Add, 0).Wait();
        if (rank == 0)
            Expect.Equal((long)(n * (n - 1) / 2), total[0]);
        var exchanged = new int[n];
        c.ImmediateAlltoall<int>(Enumerable.Range(0, n).Select(r => rank * 10 + r).ToArray(), exchanged).Wait();
        Expect.Sequence(Enumerable.Range(0, n).Select(s => s * 10 + rank), exchanged);
        var inclusive = new int[1];
        c.ImmediateScan<int>(new[] { 1 }, inclusive, Operation<int>.Add).Wait();
        Expect.Equal(rank + 1, inclusive[0]);
    }

    [Check]
    public static void TypedPathDoesNotAllocate(Intracommunicator c)
    {
        var values = new double[1024];
        var results = new double[1024];
        var blocks = new double[1024 * c.Size];
        var exchanged = new double[1024 * c.Size];
        void Round()
        {
            c.Allreduce<double>(values, results, Operation<double>.Add);
            c.Allreduce(results.AsSpan(), Operation<double>.Max); // the array overload is MPI.NET's, which returns a new array
            c.Broadcast<double>(values, 0);
            c.Allgather<double>(values, blocks);
            c.Alltoall<double>(blocks, exchanged);
            c.Reduce<double>(values, results, Operation<double>.Min, 0);
            c.Scan<double>(values, results, Operation<double>.Add);
        }
        Round(); // the first round compiles the code and resolves the datatypes and operations
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
            Round();
        Expect.Equal(0L, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>What ranks other than the root get back on an intracommunicator, and when arrays are reused.</summary>
    [Check]
    public static void WhatNonRootsGetBack(Intracommunicator c)
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
