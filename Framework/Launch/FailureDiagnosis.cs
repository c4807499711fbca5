namespace MPI.Launch;

/// <summary>How a job ended, as its manifest records it.</summary>
/// <param name="State">Completed, Failed, Stopped or TimedOut.</param>
/// <param name="Reason">Why it did not complete; null when it did.</param>
/// <param name="ExitCode">The job's exit code (mpiexec's, or 0 when the launcher ended ranks stuck after their work).</param>
/// <param name="Ranks">How each rank ended, in rank order.</param>
internal sealed record JobEnding(JobState State, string? Reason, int ExitCode, List<RankInfo> Ranks);

/// <summary>
/// Settles how a job and each of its ranks ended from everything heard once mpiexec has exited: the ranks' own
/// records (<see cref="RankTracker"/>), mpiexec's reports and first lines, the order the ranks on this machine ended
/// in, and, for ranks on another host that ended without a word, a probe of that host. Slow (a probe takes up to
/// <see cref="ProbeTimeout"/>, waiting for exits up to <see cref="ExitWait"/>): it runs on evidence no one changes
/// any more, under no lock.
/// </summary>
internal sealed class FailureDiagnosis(RankTracker tracker, MpiexecReports reports, IReadOnlyList<string> firstLines,
    ProcessExitWatch exits, MpiexecDialect dialect, string executable, JobSpec spec)
{
    /// <summary>How long a host suspected lost gets to answer a probe, and a rank there to be killed.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long the ranks on this machine get to be seen ending before the order they ended in is read.</summary>
    public static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(2);

    private readonly Dictionary<int, RankInfo> _ranks = new(tracker.Ranks);

    /// <summary>
    /// The job's ending, given mpiexec's <paramref name="exitCode"/> and the stop asked for, if one was (which then
    /// gives the state and reason).
    /// </summary>
    public JobEnding Settle(int exitCode, (JobState State, string? Reason)? stopRequested)
    {
        var failure = Conclude(exitCode);
        // Ranks the launcher ended in MPI_Finalize, or an mpiexec it ended after every rank had ended: the job completed
        // when every rank had done its work, and none reported a failure or exited with a code other than 0.
        bool workDone = (tracker.EndedInFinalize.Count > 0 || tracker.EndedMpiexec) && tracker.FirstException is null
            && tracker.Finished.Count >= spec.Ranks && tracker.ExitCodes.Values.All(code => code == 0);
        if (workDone)
        {
            exitCode = 0;
            foreach (var rank in tracker.EndedInFinalize)
                _ranks[rank] = _ranks[rank] with { Failure = null, Note = $"Still in MPI_Finalize {spec.FinalizeGrace} after every rank had finished its work; ended by the launcher." };
        }
        // Hydra exits with 0 when its ranks were interrupted (SIGINT to mpiexec, Ctrl-C in its terminal): a rank that
        // started and ended neither finishing its work nor reporting its exit is no success, whatever mpiexec's code.
        bool interrupted = exitCode == 0 && !workDone && stopRequested is null
            && tracker.Ranks.Keys.Any(rank => !tracker.Finished.Contains(rank) && !tracker.ExitCodes.ContainsKey(rank));
        var (state, reason) = stopRequested ?? (exitCode == 0 && !interrupted ? (JobState.Completed, null) : (JobState.Failed, failure));
        // A stop (the caller's, or the time limit) ends every rank: one that had not reported a failure of its own was
        // ended by it, whatever the order of the ends or mpiexec's report say (Hydra reports one as killed by SIGTERM).
        foreach (var (rank, info) in _ranks.Where(entry => !entry.Value.Finished && (entry.Value.Failure is null ||
            (stopRequested is not null && !tracker.OwnFailures.Contains(entry.Key)))).ToList())
            _ranks[rank] = info with { Failure = $"Ended without finishing when the job ended {state}.", EndedWithJob = true };
        // A rank that had finished its work and was still waiting in MPI_Finalize for the others when the stop came
        // completed its part, under either MPI (Hydra reports it as killed by the stop's SIGTERM, Open MPI not at all).
        if (stopRequested is not null)
        {
            foreach (var (rank, info) in _ranks.Where(entry => entry.Value.Finished && !tracker.ExitCodes.ContainsKey(entry.Key)
                && !tracker.OwnFailures.Contains(entry.Key)).ToList())
                _ranks[rank] = info with { Failure = null, Note = $"Had finished its work and was waiting in MPI_Finalize for the other ranks when the job ended {state}." };
        }
        return new JobEnding(state, reason, exitCode, [.. _ranks.Values.OrderBy(info => info.Rank)]);
    }

    // Settles how each rank ended and returns the best account of the first failure: an exception a rank reported;
    // Open MPI naming the rank that failed first and its signal, abort or exit code; a rank's own non-zero exit code;
    // the first rank seen to end without finishing; Hydra's report (it names a process that ended badly, not always
    // the first: it kills the others with the same signal); Hydra's exit string.
    private string Conclude(int exitCode)
    {
        var beforeStart = NoRankStarted(exitCode);
        foreach (var rank in tracker.Finished)
            _ranks[rank] = (_ranks.GetValueOrDefault(rank) ?? new RankInfo(rank, null, null)) with { Finished = true };
        foreach (var (rank, code) in tracker.ExitCodes)
            _ranks[rank] = (_ranks.GetValueOrDefault(rank) ?? new RankInfo(rank, null, null)) with { ExitCode = code };
        string? reported = null, reportedByProcess = null;
        foreach (var ending in reports.Endings)
        {
            var known = ending.Rank is { } rank
                ? _ranks.GetValueOrDefault(rank) ?? new RankInfo(rank, ending.Host, ending.ProcessId)
                : _ranks.Values.FirstOrDefault(info => info.ProcessId == ending.ProcessId);
            if (known is null)
            {
                reportedByProcess ??= $"Process {ending.ProcessId} on {ending.Host} " + (ending.Signal is { } signal
                    ? $"was killed by signal {signal} ({ending.SignalName})."
                    : $"exited with code {ending.ExitCode}.");
                continue;
            }
            var description = ending.Describe(known);
            _ranks[known.Rank] = known with
            {
                ExitCode = ending.ExitCode ?? known.ExitCode,
                Signal = ending.Signal ?? known.Signal,
                Failure = known.Failure ?? description,
            };
            if (ending.Rank is null)
                reportedByProcess ??= description;
            else
                reported ??= description;
        }
        if (exitCode == 0)
        {
            foreach (var (rank, info) in _ranks.ToList())
                _ranks[rank] = info with { ExitCode = info.ExitCode ?? 0 };
        }
        var nonZero = _ranks.Values.Where(info => info.ExitCode is not (null or 0)).OrderBy(info => info.Rank).FirstOrDefault();
        // The exit order covers the ranks on this machine only: with ranks elsewhere, one of those may have ended first.
        bool allWatched = _ranks.Keys.All(exits.IsWatching);
        return tracker.FirstException
            ?? beforeStart
            ?? (allWatched ? FirstToEnd() : null)
            ?? reported
            ?? (nonZero is null ? null : $"{nonZero.Describe()} exited with code {nonZero.ExitCode}.")
            ?? LostHost()
            ?? (allWatched ? null : FirstToEnd())
            ?? reportedByProcess
            ?? reports.ExitString
            ?? $"mpiexec exited with code {exitCode}.";
    }

    // Ranks on another host that ended without a word (no finished, exit or told-to-stop record, nothing from
    // mpiexec) while the job ran: their host went away, or everything of the job on it was killed. The host is
    // probed to say which.
    private string? LostHost()
    {
        var silent = _ranks.Values
            .Where(info => info.Host is not null && !HostProbe.IsThisMachine(info.Host) && !tracker.OwnFailures.Contains(info.Rank)
                && !tracker.Finished.Contains(info.Rank) && !tracker.ExitCodes.ContainsKey(info.Rank) && !tracker.Terminated.Contains(info.Rank)
                && !tracker.EndedInFinalize.Contains(info.Rank))
            .OrderBy(info => info.Rank)
            .ToList();
        if (silent.Count == 0)
            return null;
        // mpiexec ends the ranks on the other hosts too, as silently: the lost host is the one that no longer answers,
        // else the one mpiexec reported, else the first.
        var agent = spec.EffectiveLaunchAgent;
        var probes = silent.Select(info => info.Host!).Distinct()
            .ToDictionary(host => host, host => Task.Run(() => HostProbe.Probe(host, agent, ProbeTimeout)));
        Task.WaitAll([.. probes.Values]);
        var reportedHosts = reports.Endings.Select(ending => ending.Host).OfType<string>().ToHashSet();
        var host = probes.Keys.FirstOrDefault(name => !probes[name].Result.Reachable)
            ?? probes.Keys.FirstOrDefault(reportedHosts.Contains)
            ?? silent[0].Host!;
        var probe = probes[host].Result;
        var state = probe.Reachable ? "it still answers, so the job's processes there were killed" : $"it no longer answers: {probe.Reason}";
        var lost = silent.Where(info => info.Host == host).ToList();
        var reason = $"Host {host} was lost while the job ran ({state}): {string.Join(", ", lost.Select(info => info.Describe()))} ended without a word.";
        foreach (var info in lost)
            _ranks[info.Rank] = info with { Failure = reason };
        foreach (var other in silent.Where(info => info.Host != host))
            _ranks[other.Rank] = _ranks[other.Rank] with { Failure = null };
        return reason;
    }

    // mpiexec failed before any rank started (it refused to run, a host or the program could not be reached...):
    // its own explanation, first sentence or so, and what to do about it when its implementation knows.
    private string? NoRankStarted(int exitCode)
    {
        if (_ranks.Count > 0)
            return null;
        List<string> lines = [.. firstLines.Select(line => line.Trim()).Where(line => line.Length > 0 && !line.All(c => c is '-' or '=' or '*' or '#'))];
        if (lines.Count == 0)
            return null;
        int end = lines.FindIndex(line => line.EndsWith('.'));
        var said = string.Join(' ', lines.Take(end is >= 0 and < 3 ? end + 1 : 3));
        var fix = dialect.Refusals.FirstOrDefault(refusal => lines.Any(line => line.Contains(refusal.Said, StringComparison.Ordinal)));
        return $"{executable} exited with code {exitCode} before any rank started: {said}{(fix is null ? "" : " " + fix.Advice)}";
    }

    // The rank on this machine that ended first without its "finished" record (the kernel's order, see
    // ProcessExitWatch), in its own words or mpiexec's if there are any. Ranks that ended after it without a word of
    // their own ended because of it, whatever mpiexec said about them (Hydra kills them with the first one's signal
    // and may report one of them instead). None when such a rank has no place in the order (its end was found only
    // after it happened, or not yet): it may have been the first.
    private string? FirstToEnd()
    {
        exits.WaitForAll(ExitWait);
        bool Unfinished(int rank) => !tracker.Finished.Contains(rank) && !tracker.Terminated.Contains(rank);
        var order = exits.EndedInOrder().Where(Unfinished).ToList();
        if (_ranks.Keys.Any(rank => Unfinished(rank) && exits.IsWatching(rank) && !order.Contains(rank)))
            return null;
        if (order.Count == 0 || !_ranks.TryGetValue(order[0], out var first))
            return null;
        // Hydra's exit string tells how the process it reported ended: said of this rank only if it reported this one.
        bool aboutAnother = reports.Endings.Any(ending => ending.ProcessId is { } pid && pid != first.ProcessId);
        var how = reports.ExitString is null || aboutAnother ? "" : $": {reports.ExitString}";
        var reason = first.Failure
            ?? (first.ExitCode is { } code and not 0 ? $"{first.Describe()} exited with code {code}." : $"{first.Describe()} ended without finishing{how}.");
        _ranks[first.Rank] = first with { Failure = reason };
        foreach (var later in order.Skip(1).Where(rank => !tracker.OwnFailures.Contains(rank)))
            _ranks[later] = _ranks[later] with { Failure = null };
        return reason;
    }
}
