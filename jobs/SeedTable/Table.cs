using System.Diagnostics;
using System.Globalization;

/// <summary>One cell of the table: how long a variant took and whether its tally was the expected one.</summary>
internal sealed record Cell(string Workload, string Variant, double Seconds, bool Verified, string Note);

/// <summary>
/// The table driver: runs every variant of every workload in turn (never two at once, and no rank left waiting while
/// another variant runs, since MPI ranks poll the processor while they wait), verifies each, and prints the table.
/// </summary>
internal static class Table
{
    private static readonly string[] Variants = ["sequential", "threads", "async", "ranks", "shared window"];

    // The article's Python figures in seconds (sequential, threads, processes).
    private static readonly Dictionary<string, (int Sequential, int Threads, int Processes)> Python = new()
    {
        ["CPU-bound"] = (94, 101, 53),
        ["IO-bound"] = (22, 24, 12),
        ["network-bound"] = (7, 1, 1),
    };

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(Options options)
    {
        var directory = Directory.CreateTempSubdirectory("seedtable-");
        try
        {
            await using var server = new DelayServer(options.DelayScale);
            using var network = new NetworkWorkload(server.Port, options.Requests, options.DelayScale);
            Workload[] workloads =
            [
                new CpuWorkload(options.CpuIterations, Options.CpuItems),
                new IoWorkload(options.Lines, Options.IoItems, directory.FullName),
                network,
            ];
            var launcher = new RankLauncher(options, directory.FullName, server.Port, Deadline);
            double[] delays = [.. network.Delays];
            Console.WriteLine(Invariant($"SeedTable: CPU-bound {options.CpuIterations:N0} iterations in {Options.CpuItems} pieces; IO-bound {options.Lines:N0} lines in {Options.IoItems} files; network-bound {options.Requests} GETs answered in {delays.Min():F2} to {delays.Max():F2} s (sum {delays.Sum():F2} s)"));
            Console.WriteLine(Invariant($"{System.Environment.ProcessorCount} cores; threads: {options.Threads} (network-bound: one per request); ranks: {options.Ranks} under {launcher.Describe()}; fastest of {options.Repeat} round(s) per cell"));
            // Rounds of the whole table rather than repeats of one cell: a burst of other work on the machine then
            // slows one run of several cells, not every run of one.
            var cells = new List<Cell>();
            RankRun? startup = null;
            var references = new Dictionary<Workload, Tally>();
            for (int round = 0; round < options.Repeat; round++)
            {
                var run = launcher.Run("startup", "");
                startup = startup is null || !run.Verified || (startup.Verified && run.Seconds < startup.Seconds) ? run : startup;
                int index = 0;
                foreach (var workload in workloads)
                {
                    if (round == 0)
                        workload.WarmUp();
                    var sequential = Measure(workload, "sequential", () => Sequential(workload), null);
                    var reference = references.TryGetValue(workload, out var first) ? first
                        : references[workload] = workload.Known ?? sequential.Tally;
                    Keep(cells, index++, sequential.Cell with { Verified = sequential.Cell.Verified && sequential.Tally == reference });
                    int threads = workload is NetworkWorkload ? options.Requests : options.Threads;
                    Keep(cells, index++, Measure(workload, "threads", () => Threaded(workload, threads), reference, server).Cell);
                    if (workload is NetworkWorkload web)
                        Keep(cells, index++, Measure(workload, "async", () => Asynchronous(web), reference, server).Cell);
                    Keep(cells, index++, Ranked(launcher, workload, "ranks", reference));
                    Keep(cells, index++, Ranked(launcher, workload, "shared window", reference));
                }
            }
            Console.WriteLine(Invariant($"MPI start-up and shutdown of {options.Ranks} ranks, no work: {startup!.Seconds:F2} s{(startup.Verified ? "" : $" FAILED: {startup.Note}")}"));
            Print(cells, delays.Max());
            int failed = cells.Count(cell => !cell.Verified) + (startup.Verified ? 0 : 1);
            Console.WriteLine(failed == 0
                ? $"All {cells.Count} cells verified."
                : $"{failed} of {cells.Count + 1} runs FAILED (see above).");
            return failed == 0 ? 0 : 1;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Tally Sequential(Workload workload)
    {
        var total = default(Tally);
        for (int item = 0; item < workload.Items; item++)
            total += workload.Run(item);
        return total;
    }

    // A fixed block of pieces per thread, as the ranks variant splits them across processes.
    private static Tally Threaded(Workload workload, int count)
    {
        var tallies = new Tally[count];
        var errors = new Exception?[count];
        var threads = new Thread[count];
        for (int index = 0; index < count; index++)
        {
            int me = index;
            threads[me] = new Thread(() =>
            {
                try
                {
                    var (first, end) = workload.Block(me, count);
                    for (int item = first; item < end; item++)
                        tallies[me] += workload.Run(item);
                }
#pragma warning disable CA1031 // Any failure of a thread is carried to the caller.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    errors[me] = e;
                }
            });
            threads[me].Start();
        }
        foreach (var thread in threads)
            thread.Join();
        if (errors.FirstOrDefault(error => error is not null) is { } failure)
            throw new AggregateException(failure);
        return tallies.Aggregate(default(Tally), (a, b) => a + b);
    }

    // Every request in flight at once on the thread pool; no thread waits while the server delays.
    private static Tally Asynchronous(NetworkWorkload workload) =>
        Task.WhenAll(Enumerable.Range(0, workload.Items).Select(workload.RunAsync)).GetAwaiter().GetResult()
            .Aggregate(default(Tally), (a, b) => a + b);

    // Keeps the fastest run of a cell, or the first that failed.
    private static void Keep(List<Cell> cells, int index, Cell cell)
    {
        if (index == cells.Count)
            cells.Add(cell);
        else if (cells[index].Verified && (!cell.Verified || cell.Seconds < cells[index].Seconds))
            cells[index] = cell;
    }

    private static (Cell Cell, Tally Tally) Measure(Workload workload, string variant, Func<Tally> run, Tally? reference,
        DelayServer? server = null)
    {
        server?.ResetMostInFlight();
        double? processor = ProcessorClock.Seconds();
        var clock = Stopwatch.StartNew();
        Tally tally;
        try
        {
            tally = run();
        }
#pragma warning disable CA1031 // A failed cell is reported and the table goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (new Cell(workload.Name, variant, clock.Elapsed.TotalSeconds, false, $"failed: {e.Message}"), default);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var expected = reference ?? workload.Known;
        bool verified = expected is null || tally == expected;
        string note = (verified ? tally.ToString() : $"got {tally}, expected {expected}")
            + ProcessorClock.Describe(processor, seconds);
        if (server is not null && workload is NetworkWorkload)
            note += Invariant($"; at most {server.MostInFlight} requests in flight");
        return (new Cell(workload.Name, variant, seconds, verified, note), tally);
    }

    private static Cell Ranked(RankLauncher launcher, Workload workload, string variant, Tally reference)
    {
        var run = launcher.Run(variant == "ranks" ? "ranks" : "shared", workload.Key);
        if (!run.Verified)
            return new Cell(workload.Name, variant, run.Seconds, false, run.Note);
        bool verified = run.Tally == reference;
        string note = verified
            ? Invariant($"{run.Tally}; {run.Inside:F2} s after start-up; pieces per rank {run.Pieces}{run.Processor}")
            : $"got {run.Tally}, expected {reference}";
        return new Cell(workload.Name, variant, run.Seconds, verified, note);
    }

    private static void Print(List<Cell> cells, double slowestRequest)
    {
        Console.WriteLine();
        Console.WriteLine(Invariant($"{"seconds (speed-up)",-15}{string.Concat(Variants.Select(variant => $"{variant,17}"))}   | Python (article): seq / threads / processes"));
        foreach (var row in cells.GroupBy(cell => cell.Workload))
        {
            double sequential = row.First(cell => cell.Variant == "sequential").Seconds;
            var line = Invariant($"{row.Key,-15}");
            foreach (var variant in Variants)
            {
                var cell = row.FirstOrDefault(cell => cell.Variant == variant);
                string text = cell is null ? "-"
                    : !cell.Verified ? "FAILED"
                    : variant == "sequential" ? Invariant($"{cell.Seconds:F2}")
                    : Invariant($"{cell.Seconds:F2} ({sequential / cell.Seconds:F2}x)");
                line += $"{text,17}";
            }
            var (pythonSequential, pythonThreads, pythonProcesses) = Python[row.Key];
            Console.WriteLine(Invariant($"{line}   | {pythonSequential,3} / {pythonThreads,3} / {pythonProcesses,3}"));
        }
        Console.WriteLine("(ranks and shared window: wall-clock of the whole mpiexec run, start-up included)");
        Console.WriteLine();
        foreach (var cell in cells)
        {
            string ofSlowest = cell.Workload == "network-bound" && cell.Verified && cell.Variant != "sequential"
                ? Invariant($"; {cell.Seconds / slowestRequest:F2}x the slowest request")
                : "";
            Console.WriteLine(Invariant($"cell {cell.Workload} / {cell.Variant}: {cell.Seconds:F3} s {(cell.Verified ? "verified" : "NOT VERIFIED")} ({cell.Note}{ofSlowest})"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
