// How the launcher's cost grows with the number of ranks: a Hello job run three ways at each rank count, alternating
// (raw, library, module, raw, library, module...) in this one invocation so all three see the same machine:
//   raw:     the launcher's mpiexec command run directly, its output read and discarded;
//   library: ParallelJob.Start, then Wait;
//   module:  Start-ParallelJob | Wait-ParallelJob in a hosted PowerShell session (the module imported once).
// Prints per implementation and rank count the median and best of each, the ratios to raw (target: at most 1.1 at
// 64 ranks), and the CPU time this process spent per library run and per module run (medians, seconds).
// Usage: LaunchBench scaling <repository root> [runs (5)] [rank counts (8,32,64)] [implementations (OpenMpi,Mpich)]
//                            [ways (raw,library,module); a way left out shows as 0]
// Open MPI as root needs OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the environment.
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation.Runspaces;
using MPI.Launch;
using static Measure;

internal static class Scaling
{
    public static void Run(string[] args)
    {
        var root = Path.GetFullPath(args.Length > 0 ? args[0] : ".");
        int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var counts = (args.Length > 2 ? args[2] : "8,32,64").Split(',').Select(count => int.Parse(count, CultureInfo.InvariantCulture)).ToList();
        var implementations = (args.Length > 3 ? args[3] : "OpenMpi,Mpich").Split(',').Select(Enum.Parse<MpiImplementation>).ToList();
        var ways = (args.Length > 4 ? args[4] : "raw,library,module").Split(',').ToHashSet();
        var hello = Path.Combine(root, "jobs/Hello/bin/Release/net10.0/Hello.dll");
        var storeRoot = Path.Combine(Path.GetTempPath(), $"launch-scaling-{Guid.NewGuid():N}");
        Directory.CreateDirectory(storeRoot);
        // The module's jobs go to the same temporary store.
        Environment.SetEnvironmentVariable(JobStore.LocationVariable, storeRoot);
        var store = new JobStore(storeRoot);
        var self = Process.GetCurrentProcess();
        using var session = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault());
        session.Open();
        Invoke(session, $"Import-Module '{Path.Combine(root, "artifacts/ParallelJob/ParallelJob.psd1")}' -ErrorAction Stop");
        Console.WriteLine($"{"mpi",-8} {"ranks",5} {"raw",6} {"library",8} {"module",7} {"library/raw",12} {"module/raw",11} {"(best: raw",11} {"library",8} {"module)",8} {"cpu: library",13} {"module",7}");
        try
        {
            foreach (var implementation in implementations)
            {
                foreach (int ranks in counts)
                {
                    var spec = new JobSpec { Program = hello, Ranks = ranks, Implementation = implementation, StartupDeadline = TimeSpan.FromMinutes(5) };
                    var command = MpiexecCommand.Build(spec, "raw");
                    List<double> raw = [], library = [], module = [], libraryCpu = [], moduleCpu = [];
                    for (int run = 0; run < runs; run++)
                    {
                        raw.Add(Timed(() => RunRaw(command), ways.Contains("raw")));
                        var before = Cpu(self);
                        library.Add(Timed(() =>
                        {
                            using var job = ParallelJob.Start(spec, store);
                            var end = job.Wait(TimeSpan.FromMinutes(10));
                            if (end?.State != JobState.Completed)
                                throw new InvalidOperationException($"Hello on {ranks} ranks did not complete: {end?.State} {end?.Reason}");
                        }, ways.Contains("library")));
                        libraryCpu.Add(Cpu(self) - before);
                        before = Cpu(self);
                        module.Add(Timed(() =>
                        {
                            var state = Invoke(session, $"$j = Start-ParallelJob '{hello}' -Ranks {ranks} -MpiImplementation {implementation}; $null = $j | Wait-ParallelJob; $j.JobStateInfo.State");
                            if (state != "Completed")
                                throw new InvalidOperationException($"Start-ParallelJob: Hello on {ranks} ranks did not complete: {state}");
                        }, ways.Contains("module")));
                        moduleCpu.Add(Cpu(self) - before);
                    }
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{implementation,-8} {ranks,5} {Median(raw),6:F2} {Median(library),8:F2} {Median(module),7:F2} {Median(library) / Median(raw),12:F2} {Median(module) / Median(raw),11:F2} {raw.Min(),11:F2} {library.Min(),8:F2} {module.Min(),8:F2} {Median(libraryCpu),13:F2} {Median(moduleCpu),7:F2}"));
                    Console.WriteLine($"         runs (s): raw {Join(raw)}; library {Join(library)}; module {Join(module)}");
                }
            }
        }
        finally
        {
            Invoke(session, "Get-Job | Remove-Job -Force");
            Directory.Delete(storeRoot, recursive: true);
        }
    }

    // The CPU time this process has used, in seconds.
    private static double Cpu(Process self)
    {
        self.Refresh();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static double Timed(Action action, bool run) => run ? Time(action) : 0;

    // Runs a script in the session; its output joined, or an exception with its first error.
    private static string Invoke(Runspace session, string script)
    {
        using var shell = System.Management.Automation.PowerShell.Create(session);
        var output = shell.AddScript(script).Invoke();
        if (shell.Streams.Error.Count > 0)
            throw new InvalidOperationException($"{script}: {shell.Streams.Error[0]}");
        return string.Join(' ', output.Select(item => item?.ToString()));
    }
}
