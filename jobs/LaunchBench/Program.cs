// Launcher measurements, both implementations:
//   overhead: a 4-rank Hello through the launcher against the same raw mpiexec command, median of RUNS runs each,
//             alternating (target: under 150 ms added);
//   logging:  jobs/LogBench under the launcher, every record shipped to the job store (throughput; slowdown of a
//             compute loop logging 10,000 events per second per rank, target under 3%).
// Usage: LaunchBench <repository root> [runs]
//        LaunchBench scaling ...: how the launcher's cost grows with the number of ranks (see Scaling.cs)
//        LaunchBench logging ...: the logging cost with and without the launcher reading the records (see Logging.cs)
using System.Diagnostics;
using System.Globalization;
using MPI.Launch;
using static Measure;

if (args.Length > 0 && args[0] == "scaling")
{
    Scaling.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "logging")
{
    Logging.Run(args[1..]);
    return;
}
var root = args.Length > 0 ? args[0] : ".";
int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
var hello = Path.Combine(root, "jobs/Hello/bin/Release/net10.0/Hello.dll");
var logBench = Path.Combine(root, "jobs/LogBench/bin/Release/net10.0/LogBench.dll");
var storeRoot = Path.Combine(Path.GetTempPath(), $"launch-bench-{Guid.NewGuid():N}");
var store = new JobStore(storeRoot);
try
{
    foreach (var implementation in new[] { MpiImplementation.OpenMpi, MpiImplementation.Mpich })
    {
        var spec = new JobSpec { Program = hello, Ranks = 4, Implementation = implementation };
        var launched = new List<double>();
        var raw = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            launched.Add(Time(() =>
            {
                using var job = ParallelJob.Start(spec, store);
                var end = job.Wait(TimeSpan.FromMinutes(2));
                if (end?.State != JobState.Completed)
                    throw new InvalidOperationException($"Hello did not complete: {end?.State} {end?.Reason}");
            }));
            var command = MpiexecCommand.Build(spec with { }, "raw");
            raw.Add(Time(() => RunRaw(command)));
        }
        double added = Median(launched) - Median(raw);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{implementation}: 4-rank Hello median {Median(raw) * 1000:F0} ms raw mpiexec, {Median(launched) * 1000:F0} ms through the launcher: {added * 1000:F0} ms added (target < 150)"));

        var launcherCpu = Process.GetCurrentProcess().TotalProcessorTime;
        using var logging = ParallelJob.Start(new JobSpec { Program = logBench, Ranks = 2, Implementation = implementation }, store);
        var final = logging.Wait(TimeSpan.FromMinutes(5))!;
        launcherCpu = Process.GetCurrentProcess().TotalProcessorTime - launcherCpu;
        var lines = store.Logs(logging.Id).Read(new LogQuery { Rank = 0 })
            .Select(record => record.Message)
            .Where(message => message.StartsWith("throughput ", StringComparison.Ordinal) || message.StartsWith("slowdown ", StringComparison.Ordinal));
        int records = store.Logs(logging.Id).Read().Count;
        Console.WriteLine($"{implementation}: LogBench {final.State}, {records} records in the store; {string.Join("; ", lines)} (per rank, 2 ranks; slowdown target < 0.03)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{implementation}: the launcher used {launcherCpu.TotalSeconds:F2} s of CPU over the {(final.Ended - final.Started)!.Value.TotalSeconds:F1} s job ({launcherCpu.TotalMicroseconds / records:F2} µs per record)"));
    }
}
finally
{
    Directory.Delete(storeRoot, recursive: true);
}
