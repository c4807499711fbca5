using System.Text.RegularExpressions;

namespace MPI.Launch;

/// <summary>Open MPI's mpiexec (ORTE or PRRTE underneath): its table.</summary>
internal static partial class OpenMpi
{
    /// <summary>The table.</summary>
    public static MpiexecDialect Dialect { get; } = new()
    {
        Implementation = MpiImplementation.OpenMpi,
        DisplayName = "Open MPI",
        Names = ["OpenMpi", "OMPI"],
        Executable = "mpiexec.openmpi",
        ProcessNames = ["mpiexec.openmpi", "mpirun.openmpi", "orterun", "orted", "prte", "prted", "prterun"],
        HostList = list => ["--host", list],
        LaunchAgent = agent => ["--mca", "plm_rsh_agent", agent],
        // Output lines tagged [job,rank]<stream>: so the launcher can attribute them; ranks float over cores.
        Always = ["--tag-output", "--bind-to", "none"],
        Oversubscribe = ["--oversubscribe"],
        AllowRunAsRoot = ["--allow-run-as-root"],
        PassVariables = names => names.SelectMany(name => new[] { "-x", name }),
        WorkingDirectory = directory => ["--wdir", directory],
        OutputTag = Tag(),
        PieceTag = Piece(),
        NewReportReader = () => new Reports(),
        Version = VersionPattern(),
        Refusals =
        [
            new("run as root", "Open MPI runs as root only when told it may: set OMPI_ALLOW_RUN_AS_ROOT=1 and " +
                "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1, or AllowRunAsRoot on the job spec (-AllowRunAsRoot of Start-ParallelJob, Start-ParallelTaskJob and Submit-ParallelBatchJob)."),
        ],
    };

    // Open MPI names the rank of a process that was signalled, and of one that called MPI_Abort or exited non-zero
    // over two lines of a banner.
    private sealed class Reports : MpiexecReportReader
    {
        private int? _abortingRank, _exitingRank;

        public override void Read(string line, MpiexecReports reports)
        {
            if (Signal().Match(line) is { Success: true } signal)
            {
                reports.Add(new RankEnding(Number(signal, "rank"), Number(signal, "pid"), signal.Groups["host"].Value,
                    ExitCode: null, Signal: Number(signal, "signal"), SignalName: signal.Groups["name"].Value));
            }
            else if (Abort().Match(line) is { Success: true } abort)
            {
                _abortingRank = Number(abort, "rank");
            }
            else if (_abortingRank is { } aborting && AbortCode().Match(line) is { Success: true } abortCode)
            {
                reports.Add(RankEnding.Aborted(aborting, Number(abortCode, "code")));
                _abortingRank = null;
            }
            else if (ProcessName().Match(line) is { Success: true } name)
            {
                _exitingRank = Number(name, "rank");
            }
            else if (_exitingRank is { } exiting && ExitCode().Match(line) is { Success: true } exitCode)
            {
                reports.Add(new RankEnding(exiting, null, null, Number(exitCode, "code"), null, null));
                _exitingRank = null;
            }
        }
    }

    [GeneratedRegex(@"^\[\d+,(?<rank>\d+)\]<(?<stream>stdout|stderr)>:(?<text>.*)$")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\[\d+,\d+\]<(?:stdout|stderr)>:")]
    private static partial Regex Piece();

    [GeneratedRegex(@"\(Open(RTE| MPI)\) (?<version>[0-9][0-9.a-z]*)")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"process rank (?<rank>\d+) with PID (?<pid>\d+) on node (?<host>\S+) exited on signal (?<signal>\d+) \((?<name>[^)]*)\)")]
    private static partial Regex Signal();

    [GeneratedRegex(@"^MPI_ABORT was invoked on rank (?<rank>\d+) in communicator")]
    private static partial Regex Abort();

    [GeneratedRegex(@"^with errorcode (?<code>-?\d+)\.")]
    private static partial Regex AbortCode();

    [GeneratedRegex(@"^\s*Process name: \[\[\d+,\d+\],(?<rank>\d+)\]")]
    private static partial Regex ProcessName();

    [GeneratedRegex(@"^\s*Exit code:\s+(?<code>-?\d+)")]
    private static partial Regex ExitCode();
}
