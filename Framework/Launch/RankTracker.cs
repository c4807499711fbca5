using System.Text.Json;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// What the launcher knows of each rank from the records the ranks send (started where, finished, finalized,
/// exited with what code, told to stop, failed with what exception), and what follows from it while mpiexec still
/// runs: ranks stuck in MPI_Finalize, processes lingering after every rank ended. Not thread-safe: its job calls it
/// under its lock, and once the job is ending, only the job's end reads it.
/// </summary>
internal sealed class RankTracker(JobSpec spec)
{
    // What marks the records the launcher acts on. Most records are ordinary events: only these few are worth
    // parsing, and the launcher shares the machine with the ranks it serves.
    private static readonly string[] MarkerTexts =
        ["\"@l\":\"Fatal\"", JobContract.StartedTemplate, JobContract.FinishedTemplate, JobContract.FinalizedTemplate, JobContract.ExitedTemplate, JobContract.TerminatedTemplate];

    /// <summary>The markers as UTF-8, for finding the records worth reading without decoding the rest.</summary>
    public static IReadOnlyList<byte[]> Markers { get; } = [.. MarkerTexts.Select(System.Text.Encoding.UTF8.GetBytes)];

    private readonly int _expected = spec.Ranks;
    private readonly Dictionary<int, RankInfo> _ranks = [];
    private readonly HashSet<int> _finished = [], _terminated = [], _exited = [], _finalized = [], _ownFailures = [];
    private readonly Dictionary<int, int> _exitCodes = [];
    // When every rank had finished its work, and when every rank had ended, while mpiexec still ran.
    private DateTime? _allFinishedAt, _allEndedAt;
    private bool _lingerSwept, _finalizeSwept, _mpiexecEnded;

    /// <summary>The ranks that started, by rank, as far as they are known.</summary>
    public IReadOnlyDictionary<int, RankInfo> Ranks => _ranks;

    /// <summary>Ranks that sent their "finished" record (MPI_Finalize began).</summary>
    public IReadOnlySet<int> Finished => _finished;

    /// <summary>Ranks that said mpiexec told them to stop: they ended because the job did.</summary>
    public IReadOnlySet<int> Terminated => _terminated;

    /// <summary>Ranks that reported their own failure (an exception, an exit mid-job).</summary>
    public IReadOnlySet<int> OwnFailures => _ownFailures;

    /// <summary>The exit codes ranks reported (their exit record, or the code they abort with on an exception).</summary>
    public IReadOnlyDictionary<int, int> ExitCodes => _exitCodes;

    /// <summary>The first exception a rank reported: the best account of a failure there is.</summary>
    public string? FirstException { get; private set; }

    /// <summary>Ranks still in MPI_Finalize long after every rank had finished its work, which the launcher ended.</summary>
    public SortedSet<int> EndedInFinalize { get; } = [];

    /// <summary>Whether mpiexec still ran long after every rank had ended, and the launcher ended it.</summary>
    public bool EndedMpiexec => _mpiexecEnded;

    /// <summary>Whether every rank has started.</summary>
    public bool AllStarted => _ranks.Count >= _expected;

    /// <summary>The process ids of the ranks that said theirs.</summary>
    public HashSet<int> ProcessIds => [.. _ranks.Values.Select(info => info.ProcessId).OfType<int>()];

    /// <summary>The ranks as the manifest shows them, in rank order.</summary>
    public List<RankInfo> Snapshot() => [.. _ranks.Values.OrderBy(info => info.Rank)];

    /// <summary>
    /// Takes in one record of <paramref name="rank"/> (CLEF); returns whether what the manifest shows of the ranks
    /// changed (a rank started or finished).
    /// </summary>
    public bool Observe(int rank, string clef)
    {
        if (!MarkerTexts.Any(marker => clef.Contains(marker, StringComparison.Ordinal)))
            return false;
        LogRecord record;
        try
        {
            record = LogRecord.FromClef(clef);
        }
        catch (JsonException)
        {
            return false;
        }
        bool changed = false;
        if (record.Template == JobContract.StartedTemplate)
        {
            var processId = record.Properties.TryGetValue(JobContract.ProcessIdProperty, out var pid) && pid is long value ? (int)value : (int?)null;
            _ranks[rank] = new RankInfo(rank, record.Host, processId);
            changed = true;
        }
        if (record.Template == JobContract.FinishedTemplate)
        {
            _finished.Add(rank);
            if (_ranks.TryGetValue(rank, out var info))
                _ranks[rank] = info with { Finished = true };
            // Readers follow the job's progress (ranks started and finished) in the manifest.
            changed = true;
        }
        if (record.Template == JobContract.TerminatedTemplate)
            _terminated.Add(rank);
        if (record.Template == JobContract.ExitedTemplate)
            _exited.Add(rank);
        if (record.Template == JobContract.FinalizedTemplate)
            _finalized.Add(rank);
        // The exit record, or the record of a rank aborting on an exception, which names the code it aborts with.
        if ((record.Template == JobContract.ExitedTemplate || record.Level == "Fatal") && record.Properties.GetValueOrDefault("ExitCode") is long code)
            _exitCodes.TryAdd(rank, (int)code);
        if (record.Level == "Fatal")
        {
            var cause = record.Exception?.Split('\n')[0].Trim() ?? record.Message;
            var failure = $"Rank {rank} failed: {cause}";
            FirstException ??= failure;
            _ownFailures.Add(rank);
            if (_ranks.TryGetValue(rank, out var info))
                _ranks[rank] = info with { Failure = info.Failure ?? failure };
        }
        return changed;
    }

    /// <summary>
    /// Follows the end of a job whose ranks are done while mpiexec still runs (<paramref name="exits"/> tells which
    /// ranks on this machine ended). Once every rank has finished its work, ranks still in MPI_Finalize after the
    /// spec's FinalizeGrace are to be ended (MPICH over TCP can hang there for good): returned once, and remembered
    /// in <see cref="EndedInFinalize"/>, which count as ended from then on. Once every rank has ended, <c>Linger</c>
    /// says (once, after <paramref name="lingerGrace"/>) that what the ranks started and still holds mpiexec's output
    /// pipes open is to be ended, and <c>EndMpiexec</c> (once, <paramref name="mpiexecGrace"/> later) that mpiexec
    /// itself is (Open MPI's can miss the end of ranks killed at once, and wait for them for good).
    /// </summary>
    public (IReadOnlyList<RankInfo> Stuck, bool Linger, bool EndMpiexec) CheckEnding(DateTime now, ProcessExitWatch exits,
        TimeSpan lingerGrace, TimeSpan mpiexecGrace)
    {
        if (_ranks.Count < _expected)
            return ([], false, false);
        var running = _ranks.Values.Where(info => !EndedInFinalize.Contains(info.Rank)
            && (exits.IsWatching(info.Rank) ? !exits.HasEnded(info.Rank) : !_exited.Contains(info.Rank))).ToList();
        if (running.Count == 0)
        {
            _allEndedAt ??= now;
            bool linger = !_lingerSwept && now - _allEndedAt >= lingerGrace;
            _lingerSwept |= linger;
            bool endMpiexec = !_mpiexecEnded && now - _allEndedAt >= lingerGrace + mpiexecGrace;
            _mpiexecEnded |= endMpiexec;
            return ([], linger, endMpiexec);
        }
        if (_finished.Count < _expected || FirstException is not null)
            return ([], false, false);
        _allFinishedAt ??= now;
        if (_finalizeSwept || now - _allFinishedAt < spec.FinalizeGrace)
            return ([], false, false);
        // What a rank does after MPI_Finalize has returned is its own business.
        var stuck = running.Where(info => !_finalized.Contains(info.Rank)).ToList();
        _finalizeSwept = true;
        EndedInFinalize.UnionWith(stuck.Select(info => info.Rank));
        return (stuck, false, false);
    }
}
