using System.Diagnostics;
using System.Globalization;
using MPI;

/// <summary>
/// The two process variants, run by every rank under mpiexec. Rank 0 prints one line for the driver:
/// <c>RESULT &lt;checksum&gt; &lt;count&gt; &lt;seconds&gt; &lt;pieces per rank&gt;</c>, the seconds counted from a barrier
/// after start-up to the result on rank 0.
/// <list type="bullet">
/// <item><c>ranks</c> (message passing): each rank takes a fixed block of the pieces, and the tallies meet on rank 0
/// by a reduction (MPI_Reduce), as a process pool's results come back to its parent.</item>
/// <item><c>shared</c> (shared memory): the ranks of the node share one window (MPI_Win_allocate_shared). Its first
/// element is a work counter: a rank takes the next piece by an atomic fetch-and-add on it (MPI_Fetch_and_op), until
/// the pieces run out, so a rank that finishes early takes more (dynamic balance, no coordinator). Each piece's tally
/// is stored directly into its own slots of the window, and after one barrier rank 0 reads them all in place: no
/// message carries work or results.</item>
/// <item><c>startup</c>: MPI start-up and shutdown alone, to tell the launch cost apart.</item>
/// </list>
/// </summary>
internal static class RankWorker
{
    /// <summary>Runs this rank's part; returns the process exit code.</summary>
    public static int Run(Options options)
    {
        var workload = Create(options);
        using var disposable = workload as IDisposable;
        MPI.Environment.Run(world =>
        {
            switch (options.Worker)
            {
                case "startup":
                    world.Barrier();
                    if (world.Rank == 0)
                        Report(new Tally(0, 0), 0, [world.Size]);
                    break;
                case "ranks":
                    ByMessages(world, workload!);
                    break;
                case "shared":
                    BySharedMemory(world, workload!);
                    break;
                default:
                    throw new ArgumentException($"--worker takes ranks, shared or startup, not \"{options.Worker}\".");
            }
        });
        return 0;
    }

    private static Workload? Create(Options options) => options.Workload switch
    {
        "cpu" => new CpuWorkload(options.CpuIterations, Options.CpuItems),
        "io" => new IoWorkload(options.Lines, Options.IoItems, options.Directory),
        "network" => new NetworkWorkload(options.Port, options.Requests, options.DelayScale),
        "" when options.Worker == "startup" => null,
        _ => throw new ArgumentException($"--workload takes cpu, io or network, not \"{options.Workload}\"."),
    };

    private static void ByMessages(Intracommunicator world, Workload workload)
    {
        world.Barrier();
        var clock = Stopwatch.StartNew();
        var (first, end) = workload.Block(world.Rank, world.Size);
        var mine = default(Tally);
        for (int item = first; item < end; item++)
            mine += workload.Run(item);
        Span<ulong> total = [mine.Checksum, (ulong)mine.Count];
        world.Reduce(total, Operation<ulong>.Add, 0);
        if (world.Rank == 0)
            Report(new Tally(total[0], (long)total[1]), clock.Elapsed.TotalSeconds,
                [.. Enumerable.Range(0, world.Size).Select(rank => workload.Block(rank, world.Size)).Select(block => block.End - block.First)]);
    }

    // Window layout (all in rank 0's segment, which every rank of the node maps): [0] the next piece to take,
    // then three slots per piece: checksum, count, and 1 + the rank that ran it (0: not run).
    private static void BySharedMemory(Intracommunicator world, Workload workload)
    {
        using var node = world.SplitShared();
        if (node.Size != world.Size)
            throw new InvalidOperationException(
                $"The shared-window variant needs every rank on one node; this node has {node.Size} of {world.Size}.");
        using var window = Window<ulong>.AllocateShared(node, node.Rank == 0 ? 1 + 3 * workload.Items : 0);
        var shared = window.SharedSegment(0);
        // One passive-target epoch for the whole run: the counter's atomics and Sync need one, and no rank waits for
        // another to open or close it.
        window.LockAll(WindowAssertions.NoCheck);
        node.Barrier();
        var clock = Stopwatch.StartNew();
        for (ulong item; (item = window.FetchAndOp(1, 0, 0, Operation<ulong>.Add)) < (ulong)workload.Items;)
        {
            var tally = workload.Run((int)item);
            var slots = shared.Slice(1 + 3 * (int)item, 3);
            slots[0] = tally.Checksum;
            slots[1] = (ulong)tally.Count;
            slots[2] = (ulong)node.Rank + 1;
        }
        // The shared-memory pattern of MPI's unified model: stores, Sync, a barrier, Sync, then the loads of
        // another rank see them.
        window.Sync();
        node.Barrier();
        window.Sync();
        if (node.Rank == 0)
        {
            var (total, pieces) = Collect(shared, workload.Items, node.Size);
            Report(total, clock.Elapsed.TotalSeconds, pieces);
        }
        window.UnlockAll();
    }

    // Rank 0 reads every piece's slots in place, and how many pieces each rank took.
    private static (Tally Total, int[] Pieces) Collect(Span<ulong> shared, int items, int ranks)
    {
        var total = default(Tally);
        var pieces = new int[ranks];
        for (int item = 0; item < items; item++)
        {
            var slots = shared.Slice(1 + 3 * item, 3);
            if (slots[2] == 0)
                throw new InvalidOperationException($"Piece {item} was never run.");
            total += new Tally(slots[0], (long)slots[1]);
            pieces[(int)slots[2] - 1]++;
        }
        return (total, pieces);
    }

    private static void Report(Tally total, double seconds, int[] pieces) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {total.Checksum} {total.Count} {seconds:F6} {string.Join(',', pieces)}"));
}
