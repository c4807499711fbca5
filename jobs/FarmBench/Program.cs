// Task farm throughput against mpi4py.futures: tiny tasks (x => x * x) on 2 worker ranks, the coordinator not
// computing (mpiexec -n 3), unchunked, with chunks of 100 and with automatic chunking; mpi4py.futures
// (Debian's python3-mpi4py, `mpiexec -n 3 python3 -m mpi4py.futures farm_mpi4py.py`) runs the same tasks in the
// same invocation. Prints tasks per second for each and the ratios.
// Usage: FarmBench [openmpi|mpich|both] [rounds]     the driver: runs the mpiexec jobs below and compares them
//        FarmBench rank <tasks unchunked> <tasks chunked>   a rank of the C# job (under mpiexec -n 3)
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MPI;

const int UnchunkedTasks = 300_000;
const int ChunkedTasks = 10_000_000;
const int Mpi4pyUnchunkedTasks = 20_000;
const int Mpi4pyChunkedTasks = 1_000_000;

if (args.Length > 0 && args[0] == "rank")
{
    RankProgram.Run(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));
    return 0;
}
var which = args.Length > 0 ? args[0] : "both";
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var implementations = which switch
{
    "both" => new[] { "openmpi", "mpich" },
    "openmpi" or "mpich" => [which],
    _ => throw new ArgumentException($"Unknown implementation '{which}': openmpi, mpich or both."),
};
var self = typeof(RankProgram).Assembly.Location;
var script = Path.Combine(AppContext.BaseDirectory, "farm_mpi4py.py");
var best = new Dictionary<string, double>();
void Keep(string key, double rate) => best[key] = Math.Max(best.GetValueOrDefault(key), rate);

for (int round = 0; round < rounds; round++)
{
    // mpi4py is built against Open MPI (Debian's default MPI), so it runs under Open MPI's mpiexec only.
    foreach (var (label, tasks, chunk) in new[] { ("mpi4py unchunked", Mpi4pyUnchunkedTasks, 1), ("mpi4py chunk 100", Mpi4pyChunkedTasks, 100) })
    {
        foreach (var rate in Rates(Launch("openmpi", ["/usr/bin/python3", "-m", "mpi4py.futures", script,
                     tasks.ToString(CultureInfo.InvariantCulture), chunk.ToString(CultureInfo.InvariantCulture)])))
            Keep(label, rate.Value);
    }
    foreach (var implementation in implementations)
    {
        foreach (var rate in Rates(Launch(implementation, ["dotnet", self, "rank",
                     UnchunkedTasks.ToString(CultureInfo.InvariantCulture), ChunkedTasks.ToString(CultureInfo.InvariantCulture)])))
            Keep($"C# {rate.Key} ({implementation})", rate.Value);
    }
}

Console.WriteLine($"Tiny tasks (x*x) on 2 worker ranks (mpiexec -n 3, coordinator not computing), best of {rounds} round(s), tasks/s:");
foreach (var (key, rate) in best.OrderBy(pair => pair.Key, StringComparer.Ordinal))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key,-36} {rate,14:N0}"));
foreach (var implementation in implementations)
{
    double Rate(string key) => best.GetValueOrDefault(key);
    double unchunked = Rate($"C# unchunked ({implementation})");
    double chunk100 = Rate($"C# chunk 100 ({implementation})");
    double automatic = Rate($"C# automatic chunks ({implementation})");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{implementation}: C#/mpi4py unchunked {unchunked / Rate("mpi4py unchunked"):F1}x (target >= 5), " +
        $"C#/mpi4py chunk 100 {chunk100 / Rate("mpi4py chunk 100"):F1}x, " +
        $"C# automatic chunks {automatic:N0} tasks/s (target >= 1,000,000)"));
}
return 0;

static string Launch(string implementation, string[] command)
{
    var start = new ProcessStartInfo(implementation == "openmpi" ? "mpiexec.openmpi" : "mpiexec.mpich")
    {
        RedirectStandardOutput = true,
        UseShellExecute = false,
    };
    var launcher = implementation == "openmpi" ? new[] { "--oversubscribe", "--bind-to", "none", "-n", "3" } : ["-n", "3"];
    foreach (var arg in launcher.Concat(command))
        start.ArgumentList.Add(arg);
    start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
    start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd();
    if (!process.WaitForExit(TimeSpan.FromMinutes(5)) || process.ExitCode != 0)
        throw new InvalidOperationException($"{string.Join(' ', command)} under {implementation} failed ({process.ExitCode}):\n{output}");
    return output;
}

static IEnumerable<KeyValuePair<string, double>> Rates(string output) =>
    Regex.Matches(output, @"^RESULT (?<what>[^=]+?) tasks=\d+ seconds=[\d.]+ rate=(?<rate>[\d.]+)", RegexOptions.Multiline)
        .Select(m => KeyValuePair.Create(m.Groups["what"].Value, double.Parse(m.Groups["rate"].Value, CultureInfo.InvariantCulture)));

/// <summary>A rank of the C# job: a farm of x => x * x over ints, timed on the coordinator.</summary>
internal static class RankProgram
{
    public static void Run(int unchunkedTasks, int chunkedTasks)
    {
        MPI.Environment.Run(world =>
        {
            foreach (var (label, tasks, chunk) in new[]
                     {
                         ("unchunked", unchunkedTasks, 1), ("chunk 100", chunkedTasks, 100), ("automatic chunks", chunkedTasks, 0),
                     })
            {
                using var farm = TaskFarm<int, int>.Start(world, x => x * x, new TaskFarmOptions { ChunkSize = chunk });
                if (!farm.IsCoordinator)
                    continue;
                farm.Map(Enumerable.Range(0, 1000)); // warm up (JIT, connections)
                var inputs = Enumerable.Range(0, tasks).ToArray();
                var watch = Stopwatch.StartNew();
                var results = farm.Map(inputs);
                double seconds = watch.Elapsed.TotalSeconds;
                if (results[^1] != (tasks - 1) * (tasks - 1))
                    throw new InvalidOperationException("Wrong result.");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"RESULT {label} tasks={tasks} seconds={seconds:F4} rate={tasks / seconds:F0}"));
            }
        });
    }
}
