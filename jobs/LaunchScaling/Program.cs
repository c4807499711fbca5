// How the launcher's cost grows with the number of ranks: a Hello job started with ParallelJob.Start and waited for,
// against the same mpiexec command run directly (its output read and discarded), at each rank count, alternating
// (raw, launched, raw, launched...) in this one invocation so both see the same machine. Prints per rank count and
// implementation the median and the best of each, their ratio (target: at most 1.1 at 64 ranks), and the CPU time the
// launcher spent per launched run.
// Usage: LaunchScaling <repository root> [runs (5)] [rank counts (8,32,64)] [implementations (OpenMpi,Mpich)]
// Open MPI as root needs OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the environment.
using System.Diagnostics;
using System.Globalization;
using MPI.Launch;

var root = args.Length > 0 ? args[0] : ".";
int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var counts = (args.Length > 2 ? args[2] : "8,32,64").Split(',').Select(count => int.Parse(count, CultureInfo.InvariantCulture)).ToList();
var implementations = (args.Length > 3 ? args[3] : "OpenMpi,Mpich").Split(',').Select(Enum.Parse<MpiImplementation>).ToList();
var hello = Path.GetFullPath(Path.Combine(root, "jobs/Hello/bin/Release/net10.0/Hello.dll"));
var storeRoot = Path.Combine(Path.GetTempPath(), $"launch-scaling-{Guid.NewGuid():N}");
var store = new JobStore(storeRoot);
var self = Process.GetCurrentProcess();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{"mpi",-8} {"ranks",5} {"raw med",8} {"launch med",10} {"ratio med",9} {"raw best",8} {"launch best",11} {"ratio best",10} {"launcher cpu",12}"));
try
{
    foreach (var implementation in implementations)
    {
        foreach (int ranks in counts)
        {
            var spec = new JobSpec
            {
                Program = hello,
                Ranks = ranks,
                Implementation = implementation,
                StartupDeadline = TimeSpan.FromMinutes(5),
            };
            var command = MpiexecCommand.Build(spec, "raw");
            var raw = new List<double>();
            var launched = new List<double>();
            var cpu = new List<double>();
            for (int run = 0; run < runs; run++)
            {
                raw.Add(Time(() => RunRaw(command)));
                self.Refresh();
                var before = self.TotalProcessorTime;
                launched.Add(Time(() =>
                {
                    using var job = ParallelJob.Start(spec, store);
                    var end = job.Wait(TimeSpan.FromMinutes(10));
                    if (end?.State != JobState.Completed)
                        throw new InvalidOperationException($"Hello on {ranks} ranks did not complete: {end?.State} {end?.Reason}");
                }));
                self.Refresh();
                cpu.Add((self.TotalProcessorTime - before).TotalSeconds);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{implementation,-8} {ranks,5} {Median(raw),8:F2} {Median(launched),10:F2} {Median(launched) / Median(raw),9:F2} {raw.Min(),8:F2} {launched.Min(),11:F2} {launched.Min() / raw.Min(),10:F2} {Median(cpu),12:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"         runs (s): raw {string.Join(' ', raw.Select(value => value.ToString("F2", CultureInfo.InvariantCulture)))}; launched {string.Join(' ', launched.Select(value => value.ToString("F2", CultureInfo.InvariantCulture)))}"));
        }
    }
}
finally
{
    Directory.Delete(storeRoot, recursive: true);
}

static double Time(Action action)
{
    var clock = Stopwatch.StartNew();
    action();
    return clock.Elapsed.TotalSeconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

// The same command the launcher runs (arguments and variables), started directly, its output read and discarded.
static void RunRaw(MpiexecCommand command)
{
    var environment = command.Environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value);
    environment["TERM"] = null;
    var run = ChildProcess.Run(command.FileName, command.Arguments, TimeSpan.FromMinutes(10), environment);
    if (run.ExitCode != 0)
        throw new InvalidOperationException($"raw mpiexec failed: {run.Error}");
}
