using System.Globalization;
using System.Text.RegularExpressions;

namespace MPI.Launch;

/// <summary>
/// What mpiexec itself says about ranks that ended badly, read from its output: Open MPI's signal, MPI_Abort and
/// non-zero exit reports, Hydra's (MPICH) bad-termination banner, MPI_Abort line and exit string. Some reports
/// span several lines, so lines must be given in the order mpiexec wrote them. These are the only source of how a
/// rank ended when the program does not use this framework (a C program, say) or was killed.
/// </summary>
internal sealed partial class MpiexecReports
{
    private readonly Lock _gate = new();
    private readonly List<RankEnding> _endings = [];
    private int? _abortingRank;
    private int? _exitingRank;
    private (int ProcessId, string Host)? _badTermination;

    /// <summary>The reports so far, first first.</summary>
    public IReadOnlyList<RankEnding> Endings
    {
        get
        {
            lock (_gate)
                return [.. _endings];
        }
    }

    /// <summary>Hydra's one-line summary of the first bad termination ("Killed (signal 9)"), if it gave one.</summary>
    public string? ExitString { get; private set; }

    /// <summary>Reads one line of mpiexec's output (a rank's own line too: MPICH prints MPI_Abort's report there).</summary>
    public void Read(string line)
    {
        lock (_gate)
        {
            if (OpenMpiSignal().Match(line) is { Success: true } signal)
            {
                _endings.Add(new RankEnding(Number(signal, "rank"), Number(signal, "pid"), signal.Groups["host"].Value,
                    ExitCode: null, Signal: Number(signal, "signal"), SignalName: signal.Groups["name"].Value));
            }
            else if (OpenMpiAbort().Match(line) is { Success: true } abort)
            {
                _abortingRank = Number(abort, "rank");
            }
            else if (_abortingRank is { } aborting && OpenMpiAbortCode().Match(line) is { Success: true } abortCode)
            {
                _endings.Add(RankEnding.Aborted(aborting, Number(abortCode, "code")));
                _abortingRank = null;
            }
            else if (MpichAbort().Match(line) is { Success: true } mpichAbort)
            {
                _endings.Add(RankEnding.Aborted(Number(mpichAbort, "rank"), Number(mpichAbort, "code")));
            }
            else if (OpenMpiProcessName().Match(line) is { Success: true } name)
            {
                _exitingRank = Number(name, "rank");
            }
            else if (_exitingRank is { } exiting && OpenMpiExitCode().Match(line) is { Success: true } exitCode)
            {
                _endings.Add(new RankEnding(exiting, null, null, Number(exitCode, "code"), null, null));
                _exitingRank = null;
            }
            else if (MpichBadProcess().Match(line) is { Success: true } bad)
            {
                _badTermination = (Number(bad, "pid"), bad.Groups["host"].Value);
            }
            else if (_badTermination is { } process && MpichExitCode().Match(line) is { Success: true } code)
            {
                _endings.Add(new RankEnding(null, process.ProcessId, process.Host, Number(code, "code"), null, null));
                _badTermination = null;
            }
            else if (MpichExitString().Match(line) is { Success: true } exitString)
            {
                ExitString ??= exitString.Groups["reason"].Value.Trim();
                // Hydra's exit code is the signal number when a signal ended the process; its exit string says which.
                int last = _endings.FindLastIndex(ending => ending.Rank is null && ending.ProcessId is not null);
                if (last >= 0 && MpichSignal().Match(ExitString) is { Success: true } bySignal)
                {
                    _endings[last] = _endings[last] with
                    {
                        ExitCode = null,
                        Signal = Number(bySignal, "signal"),
                        SignalName = bySignal.Groups["name"].Value.Trim(),
                    };
                }
            }
        }
    }

    private static int Number(Match match, string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"process rank (?<rank>\d+) with PID (?<pid>\d+) on node (?<host>\S+) exited on signal (?<signal>\d+) \((?<name>[^)]*)\)")]
    private static partial Regex OpenMpiSignal();

    [GeneratedRegex(@"^MPI_ABORT was invoked on rank (?<rank>\d+) in communicator")]
    private static partial Regex OpenMpiAbort();

    [GeneratedRegex(@"^with errorcode (?<code>-?\d+)\.")]
    private static partial Regex OpenMpiAbortCode();

    [GeneratedRegex(@"application called MPI_Abort\([^,]+, (?<code>-?\d+)\) - process (?<rank>\d+)")]
    private static partial Regex MpichAbort();

    [GeneratedRegex(@"^\s*Process name: \[\[\d+,\d+\],(?<rank>\d+)\]")]
    private static partial Regex OpenMpiProcessName();

    [GeneratedRegex(@"^\s*Exit code:\s+(?<code>-?\d+)")]
    private static partial Regex OpenMpiExitCode();

    [GeneratedRegex(@"^=\s+PID (?<pid>\d+) RUNNING AT (?<host>\S+)")]
    private static partial Regex MpichBadProcess();

    [GeneratedRegex(@"^=\s+EXIT CODE: (?<code>-?\d+)")]
    private static partial Regex MpichExitCode();

    [GeneratedRegex(@"TERMINATED WITH THE EXIT STRING: (?<reason>.+)$")]
    private static partial Regex MpichExitString();

    [GeneratedRegex(@"^(?<name>.*)\(signal (?<signal>\d+)\)")]
    private static partial Regex MpichSignal();
}

/// <summary>
/// How one rank ended, as far as it is known: exit code or signal. <see cref="Rank"/> is null when only the process
/// is known (Hydra names the process id); the launcher maps it to a rank.
/// </summary>
internal sealed record RankEnding(int? Rank, int? ProcessId, string? Host, int? ExitCode, int? Signal, string? SignalName)
{
    /// <summary>Whether the rank called MPI_Abort (its code is then the exit code the job ends with).</summary>
    public bool Abort { get; init; }

    public static RankEnding Aborted(int rank, int code) => new(rank, null, null, code, null, null) { Abort = true };

    /// <summary>The ending of <paramref name="rank"/> in words, for a job's reason and a rank's failure.</summary>
    public string Describe(RankInfo rank)
    {
        ArgumentNullException.ThrowIfNull(rank);
        if (Signal is { } signal)
            return $"{rank.Describe()} was killed by signal {signal} ({SignalName}).";
        return Abort ? $"{rank.Describe()} called MPI_Abort with error code {ExitCode}." : $"{rank.Describe()} exited with code {ExitCode}.";
    }
}
