using System.Diagnostics;
using System.Globalization;
using System.Text;

/// <summary>What one mpiexec run of the rank workers gave: wall-clock seconds (start-up included) and rank 0's report.</summary>
internal sealed record RankRun(double Seconds, bool Verified, string Note, Tally Tally = default, double Inside = 0, string Pieces = "", string Processor = "");

/// <summary>
/// Starts <c>mpiexec -n ranks dotnet SeedTable.dll --worker ...</c> of the chosen implementation and times it from
/// the start to the exit of mpiexec, as a process pool's time includes starting its processes.
/// </summary>
internal sealed class RankLauncher(Options options, string directory, int port, TimeSpan deadline)
{
    private string Mpiexec => options.Mpi == MpiChoice.OpenMpi ? "mpiexec.openmpi" : "mpiexec.mpich";

    /// <summary>The launcher, for the table's heading.</summary>
    public string Describe() => Mpiexec;

    /// <summary>Runs the worker variant on <paramref name="workload"/> (a workload key, or empty for start-up alone).</summary>
    public RankRun Run(string worker, string workload)
    {
        var start = new ProcessStartInfo(Mpiexec)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (options.Mpi == MpiChoice.OpenMpi)
        {
            // Unbound ranks, as MPICH's: a .NET process bound to one core runs in single-processor mode.
            start.ArgumentList.Add("--bind-to");
            start.ArgumentList.Add("none");
            if (options.Ranks > System.Environment.ProcessorCount)
                start.ArgumentList.Add("--oversubscribe");
            // Open MPI refuses to run as root without both; they change nothing for other users.
            start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
            start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        }
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(options.Ranks.ToString(CultureInfo.InvariantCulture));
        string host = System.Environment.ProcessPath ?? "dotnet";
        start.ArgumentList.Add(host);
        // Started through the dotnet host, the program is its dll; started as its own executable, nothing more.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SeedTable.dll"));
        foreach (var argument in options.WorkerArguments(worker, workload, directory, port))
            start.ArgumentList.Add(argument);
        // The implementation is chosen by the launcher; no terminal escapes from .NET's console into the output.
        start.Environment.Remove("SPMD_MPI_LIBRARY");
        start.Environment.Remove("TERM");

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        double? processor = ProcessorClock.Seconds();
        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Mpiexec} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new RankRun(0, false, $"{Mpiexec} could not be started ({e.Message}); is that MPI installed?");
        }
        using var owned = process;
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) lock (stdout) stdout.AppendLine(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) lock (stderr) stderr.AppendLine(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(deadline))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new RankRun(clock.Elapsed.TotalSeconds, false, $"killed after {deadline.TotalSeconds} s: {Tail(stderr)}");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        process.WaitForExit(); // the output's last lines
        // mpiexec has been waited for, and it waited for its ranks: their processor time is now counted as children's.
        string processorUse = ProcessorClock.Describe(processor, seconds);
        var result = stdout.ToString().Split('\n').Select(line => line.Trim().Split(' '))
            .FirstOrDefault(words => words is ["RESULT", _, _, _, _]);
        if (process.ExitCode != 0 || result is null)
            return new RankRun(seconds, false, $"{Mpiexec} exited with {process.ExitCode}: {Tail(stderr)}{Tail(stdout)}");
        var tally = new Tally(ulong.Parse(result[1], CultureInfo.InvariantCulture), long.Parse(result[2], CultureInfo.InvariantCulture));
        return new RankRun(seconds, true, "", tally, double.Parse(result[3], CultureInfo.InvariantCulture), result[4],
            processorUse);
    }

    private static string Tail(StringBuilder text)
    {
        lock (text)
            return text.Length <= 2000 ? text.ToString() : "..." + text.ToString(text.Length - 2000, 2000);
    }
}
