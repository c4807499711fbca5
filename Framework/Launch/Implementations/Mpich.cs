using System.Text.RegularExpressions;

namespace MPI.Launch;

/// <summary>MPICH's mpiexec (Hydra): its table.</summary>
internal static partial class Mpich
{
    /// <summary>The table.</summary>
    public static MpiexecDialect Dialect { get; } = new()
    {
        Implementation = MpiImplementation.Mpich,
        DisplayName = "MPICH",
        Names = ["Mpich", "Hydra"],
        Executable = "mpiexec.mpich",
        ProcessNames = ["mpiexec.hydra", "mpiexec.mpich", "mpirun.mpich", "hydra_pmi_proxy"],
        HostList = list => ["-hosts", list],
        LaunchAgent = agent => ["-launcher", "ssh", "-launcher-exec", agent],
        // Output lines tagged "[rank] " so the launcher can attribute them.
        Always = ["-prepend-rank"],
        Oversubscribe = [],
        AllowRunAsRoot = [],
        // A comma would split the list: JobSpec.Validate refuses such names.
        PassVariables = names => ["-genvlist", string.Join(',', names)],
        WorkingDirectory = directory => ["-wdir", directory],
        OutputTag = Tag(),
        NewReportReader = () => new Reports(),
        Version = VersionPattern(),
    };

    // Hydra prints MPI_Abort's report on the rank's own output; a process that ended badly in a banner naming its
    // process id and host, then its exit code, then (once) an exit string saying how the first such process ended.
    private sealed class Reports : MpiexecReportReader
    {
        private (int ProcessId, string Host)? _badTermination;

        public override void Read(string line, MpiexecReports reports)
        {
            if (Abort().Match(line) is { Success: true } abort)
            {
                reports.Add(RankEnding.Aborted(Number(abort, "rank"), Number(abort, "code")));
            }
            else if (BadProcess().Match(line) is { Success: true } bad)
            {
                _badTermination = (Number(bad, "pid"), bad.Groups["host"].Value);
            }
            else if (_badTermination is { } process && ExitCode().Match(line) is { Success: true } code)
            {
                reports.Add(new RankEnding(null, process.ProcessId, process.Host, Number(code, "code"), null, null));
                _badTermination = null;
            }
            else if (ExitString().Match(line) is { Success: true } exitString)
            {
                var said = exitString.Groups["reason"].Value.Trim();
                reports.ExitString ??= said;
                // Hydra's exit code is the signal number when a signal ended the process; its exit string says which.
                if (Signal().Match(reports.ExitString) is { Success: true } bySignal)
                    reports.ReviseLastProcessEnding(ending => ending with { ExitCode = null, Signal = Number(bySignal, "signal"), SignalName = bySignal.Groups["name"].Value.Trim() });
            }
        }
    }

    [GeneratedRegex(@"^\[(?<rank>\d+)\] (?<text>.*)$")]
    private static partial Regex Tag();

    [GeneratedRegex(@"Version:\s+(?<version>[0-9][0-9.a-z]*)")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"application called MPI_Abort\([^,]+, (?<code>-?\d+)\) - process (?<rank>\d+)")]
    private static partial Regex Abort();

    [GeneratedRegex(@"^=\s+PID (?<pid>\d+) RUNNING AT (?<host>\S+)")]
    private static partial Regex BadProcess();

    [GeneratedRegex(@"^=\s+EXIT CODE: (?<code>-?\d+)")]
    private static partial Regex ExitCode();

    [GeneratedRegex(@"TERMINATED WITH THE EXIT STRING: (?<reason>.+)$")]
    private static partial Regex ExitString();

    [GeneratedRegex(@"^(?<name>.*)\(signal (?<signal>\d+)\)")]
    private static partial Regex Signal();
}
