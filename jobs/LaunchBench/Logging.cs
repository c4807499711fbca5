// The cost of logging on a rank, with and without the launcher reading the records: jobs/LogBench (2 ranks, each
// timing a fixed compute loop quiet and logging 10,000 events per second, alternately, best of each) run two ways,
// alternating, ROUNDS times per implementation:
//   launcher:  ParallelJob.Start, the real pipeline: records appended to the mapped record files in the job store
//              while the launcher follows them (on a 2-core machine its reading competes with the 2 ranks);
//   no reader: the same mpiexec command run directly with the same record directory variables, so the ranks append
//              to the same kind of mapped record files the same way, but no launcher process reads them.
// Prints per implementation and way the best (lowest) and median slowdown and the best throughput (events per second
// per rank, the slowest rank's), the same in CPU time (the loop's CPU time logging against quiet, the same difference
// per event logged, and the CPU per event in the throughput run: what a loaded machine disturbs least), and the
// launcher's CPU time per record. The issue's target (slowdown below 0.03)
// is judged on the launcher way: the rank's compute loop under the real pipeline.
// Usage: LaunchBench logging <repository root> [rounds (5)] [implementations (OpenMpi,Mpich)]
// Open MPI as root needs OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the environment.
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MPI.Launch;
using MPI.Logging;
using static Measure;

internal static class Logging
{
    public static void Run(string[] args)
    {
        var root = Path.GetFullPath(args.Length > 0 ? args[0] : ".");
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var implementations = (args.Length > 2 ? args[2] : "OpenMpi,Mpich").Split(',').Select(Enum.Parse<MpiImplementation>).ToList();
        var logBench = Path.Combine(root, "jobs/LogBench/bin/Release/net10.0/LogBench.dll");
        var storeRoot = Path.Combine(Path.GetTempPath(), $"launch-logging-{Guid.NewGuid():N}");
        var store = new JobStore(storeRoot);
        try
        {
            foreach (var implementation in implementations)
            {
                var spec = new JobSpec { Program = logBench, Ranks = 2, Implementation = implementation };
                var launched = new List<Figures>();
                var unread = new List<Figures>();
                double launcherCpu = 0;
                long records = 0;
                for (int round = 0; round < rounds; round++)
                {
                    var (figures, cpu, count) = ThroughTheLauncher(spec, store);
                    launched.Add(figures);
                    launcherCpu += cpu;
                    records += count;
                    unread.Add(WithoutReader(spec, storeRoot));
                }
                foreach (var (way, figures) in new[] { ("launcher", launched), ("no reader", unread) })
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{implementation}: {way,-9} slowdown best {figures.Min(f => f.Slowdown):F4} median {Median(figures.Select(f => f.Slowdown).ToList()):F4} ({string.Join(' ', figures.Select(f => f.Slowdown.ToString("F4", CultureInfo.InvariantCulture)))}); throughput best {figures.Max(f => f.Throughput):F0} events/s per rank"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{implementation}: {way,-9} in CPU time: slowdown best {figures.Min(f => f.CpuSlowdown):F4} median {Median(figures.Select(f => f.CpuSlowdown).ToList()):F4}; cost best {figures.Min(f => f.Cost):F3} µs of CPU per event; in the loop best {figures.Min(f => f.LoopCost):F3} median {Median(figures.Select(f => f.LoopCost).ToList()):F3} µs"));
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{implementation}: the launcher used {launcherCpu * 1e6 / records:F2} µs of CPU per record ({records} records over {rounds} jobs); target: launcher slowdown < 0.03"));
            }
        }
        finally
        {
            Directory.Delete(storeRoot, recursive: true);
        }
    }

    // What rank 0 of LogBench printed.
    private readonly record struct Figures(double Slowdown, double Throughput, double CpuSlowdown, double Cost, double LoopCost);

    private static (Figures Figures, double LauncherCpu, long Records) ThroughTheLauncher(JobSpec spec, JobStore store)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        using var job = ParallelJob.Start(spec, store);
        var end = job.Wait(TimeSpan.FromMinutes(5));
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        if (end?.State != JobState.Completed)
            throw new InvalidOperationException($"LogBench did not complete: {end?.State} {end?.Reason}");
        var output = string.Join('\n', store.Logs(job.Id).Read(new LogQuery { Rank = 0 }).Select(record => record.Message));
        return (Read(output), cpu.TotalSeconds, store.Logs(job.Id).Read().Count);
    }

    private static Figures WithoutReader(JobSpec spec, string storeRoot)
    {
        var jobId = $"unread-{Guid.NewGuid():N}";
        var directory = Directory.CreateDirectory(Path.Combine(storeRoot, jobId)).FullName;
        File.WriteAllText(Path.Combine(directory, JobContract.RecordDirectoryMarker), jobId);
        var command = MpiexecCommand.Build(spec, jobId, directory);
        var environment = command.Environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value);
        environment["TERM"] = null;
        var run = ChildProcess.Run(command.FileName, command.Arguments, TimeSpan.FromMinutes(5), environment);
        if (run.ExitCode != 0)
            throw new InvalidOperationException($"LogBench without a reader failed: {run.Error}");
        var figures = Read(run.Output);
        Directory.Delete(directory, recursive: true);
        return figures;
    }

    // Rank 0's lines, "throughput N", "slowdown F", "cost C", "cpu-slowdown F", "loop-cost C" (mpiexec may have tagged them).
    private static Figures Read(string output)
    {
        double Figure(string name)
        {
            var match = Regex.Match(output, $@"(?<![\w-]){name} (-?[0-9.]+)");
            return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"LogBench printed no {name}: {output}");
        }
        return new Figures(Figure("slowdown"), Figure("throughput"), Figure("cpu-slowdown"), Figure("cost"), Figure("loop-cost"));
    }
}
