using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// A job started by this process: mpiexec supervised until it ends, every line of every rank written to the job
/// store as it arrives, the manifest kept current. Ends in Completed, Failed (with the first failing rank and why),
/// Stopped or TimedOut; after any end no process of the job is left on this machine.
/// </summary>
public sealed partial class ParallelJob : IDisposable
{
    /// <summary>How long a stopped job gets to end by itself before it is killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);

    private readonly JobStore _store;
    private readonly Process _process;
    private readonly Dictionary<string, StreamWriter> _logs = [];
    private readonly Dictionary<int, RankInfo> _ranks = [];
    private readonly HashSet<int> _finished = [];
    // Ranks that said mpiexec told them to stop: they ended because the job did.
    private readonly HashSet<int> _terminated = [];
    private readonly Dictionary<int, int> _exitCodes = [];
    private readonly MpiexecReports _reports = new();
    // The order in which this machine's ranks ended.
    private readonly ProcessExitWatch _exitWatch;
    // Ranks whose exit record arrived (how ranks on other hosts are known to have ended).
    private readonly HashSet<int> _exited = [];
    // Ranks whose MPI_Finalize returned.
    private readonly HashSet<int> _finalized = [];
    // Ranks that reported their own failure (an exception, an exit mid-job).
    private readonly HashSet<int> _ownFailures = [];
    // When every rank had finished its work, and when every rank had ended, while mpiexec still ran.
    private DateTime? _allFinishedAt, _allEndedAt;
    private bool _lingerSwept, _finalizeSwept;
    // Ranks still in MPI_Finalize long after every rank had finished its work, which the launcher ended.
    private readonly SortedSet<int> _endedInFinalize = [];
    private readonly Dictionary<int, long> _recordOffsets = [];
    private byte[] _recordBuffer = [];
    private readonly Lock _tailing = new();
    private readonly Timer _tail;
    private readonly FileSystemWatcher _changes;
    private static readonly TimeSpan TailInterval = TimeSpan.FromMilliseconds(100);
    private readonly Dictionary<(int? Rank, string Stream), string> _partial = [];
    // The first lines of output (mpiexec's and the programs'): what explains a job that ended before any rank started.
    private readonly List<string> _firstLines = [];
    private const int MaximumRecordLength = 1 << 20;
    private readonly Lock _gate = new();
    private readonly Lock _routing = new();
    private readonly TaskCompletionSource<JobManifest> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer? _timeLimit;
    private readonly Timer _startup;
    private JobManifest _manifest;
    private (JobState State, string? Reason)? _stopRequested;
    private bool _finalizing;
    // The first exception a rank reported: the best account of a failure there is.
    private string? _firstException;

    private ParallelJob(JobStore store, JobManifest manifest, MpiexecCommand command)
    {
        _store = store;
        _manifest = manifest;
        _exitWatch = new ProcessExitWatch(JobContract.ExitChannelName(manifest.Id));
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
            start.ArgumentList.Add(argument);
        // mpiexec itself carries the job id too, so the sweep at the end finds everything the job started.
        start.Environment[JobContract.JobIdVariable] = manifest.Id;
        start.Environment[JobContract.ExitChannelVariable] = _exitWatch.Name;
        // The variables' values: the arguments only name them.
        foreach (var (name, value) in command.Environment)
            start.Environment[name] = value;
        // Terminal-mode escapes from .NET's console would end up in the logs.
        start.Environment.Remove("TERM");
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        try
        {
            _process.Start();
        }
        catch
        {
            _exitWatch.Dispose();
            throw;
        }
        _process.StandardInput.Close();
        Update(job => job with { State = JobState.Starting, Started = DateTimeOffset.UtcNow });
        _startup = new Timer(_ => CheckStartup(), null, manifest.Spec.StartupDeadline, Timeout.InfiniteTimeSpan);
        _tail = new Timer(_ =>
        {
            ReadNewRecords();
            CheckStopRequest();
            CheckEnding();
        }, null, TailInterval, TailInterval);
        _exitWatch.Exited += _ => CheckEnding();
        // Records are read as soon as a rank writes them, so the launcher knows every rank's process from its first
        // moments, and a stop asked for by another process is acted on at once (the timer is the safety net for
        // changes the watcher misses).
        _changes = new FileSystemWatcher(_store.JobDirectory(manifest.Id))
        {
            NotifyFilter = NotifyFilters.Size | NotifyFilters.LastWrite | NotifyFilters.FileName,
        };
        _changes.Changed += (_, change) => OnChange(change.Name);
        _changes.Created += (_, change) => OnChange(change.Name);
        _changes.EnableRaisingEvents = true;
        if (manifest.Spec.TimeLimit is { } limit)
            _timeLimit = new Timer(_ => RequestStop(JobState.TimedOut, $"The job exceeded its time limit of {limit}."), null, limit, Timeout.InfiniteTimeSpan);
        var readers = new[] { Pump(_process.StandardOutput, "stdout"), Pump(_process.StandardError, "stderr") };
        _ = Task.Run(async () =>
        {
            await Task.WhenAll(readers).ConfigureAwait(false);
            await _process.WaitForExitAsync().ConfigureAwait(false);
            Finish();
        });
    }

    /// <summary>The job's id in the store.</summary>
    public string Id => _manifest.Id;

    /// <summary>The job's record as it stands.</summary>
    public JobManifest Manifest
    {
        get
        {
            lock (_gate)
                return _manifest;
        }
    }

    /// <summary>Completes with the final record when the job has ended.</summary>
    public Task<JobManifest> Completion => _completion.Task;

    /// <summary>
    /// Validates <paramref name="spec"/> (program, ranks, hosts that resolve, variables...) and decides the job's id and
    /// exact mpiexec command, without writing or starting anything: what <see cref="Start(LaunchPlan, JobStore)"/> would run.
    /// </summary>
    /// <exception cref="JobSpecException">The spec cannot run.</exception>
    public static LaunchPlan Plan(JobSpec spec, JobStore store)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
        var id = JobStore.NewJobId();
        var command = MpiexecCommand.Build(spec, id, store.JobDirectory(id));
        HostProbe.EnsureResolvable(spec.Hosts.Count > 0 ? spec.Hosts : Allocation.Hosts());
        // A batch allocation's hosts are reached by the scheduler, not the agent: only hosts given are probed.
        HostProbe.EnsureReachable(spec.Hosts, spec.EffectiveLaunchAgent);
        return new LaunchPlan(id, spec, command);
    }

    /// <summary>
    /// Validates <paramref name="spec"/>, records the job in <paramref name="store"/> and starts it. Nothing is
    /// written or started when the spec is invalid.
    /// </summary>
    /// <exception cref="JobSpecException">The spec cannot run (missing program, bad ranks, hosts, variables...).</exception>
    public static ParallelJob Start(JobSpec spec, JobStore store) => Start(Plan(spec, store), store);

    /// <summary>Records the planned job in <paramref name="store"/> and starts it.</summary>
    public static ParallelJob Start(LaunchPlan plan, JobStore store) => Start(plan, store, submitted: null);

    /// <summary>
    /// Starts a job that was submitted to a batch scheduler (<see cref="BatchJobs.Submit"/>), from inside its
    /// allocation: the job's hosts are the allocation's, and it keeps its id and directory in the store.
    /// </summary>
    /// <exception cref="JobSpecException">There is no such job, or it is not a submitted job waiting to start.</exception>
    public static ParallelJob StartSubmitted(JobStore store, string id)
    {
        ArgumentNullException.ThrowIfNull(store);
        var submitted = store.TryGet(id) ?? throw new JobSpecException($"There is no job {id} in {store.Root}.", JobSpecProblem.NotFound);
        if (submitted.Batch is null || submitted.State is not (JobState.Queued or JobState.NotStarted))
            throw new JobSpecException($"Job {id} is not a batch job waiting to start (it is {submitted.State}).");
        // The variables' values were kept apart from the manifest, in a file only the owner reads.
        var spec = BatchJobs.WithKeptEnvironment(store, submitted);
        var command = MpiexecCommand.Build(spec, id, store.JobDirectory(id));
        HostProbe.EnsureResolvable(Allocation.Hosts());
        return Start(new LaunchPlan(id, spec, command), store, submitted);
    }

    private static ParallelJob Start(LaunchPlan plan, JobStore store, JobManifest? submitted)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(store);
        var (id, spec, command) = plan;
        store.CreateJobDirectory(id);
        OwnerOnly.WriteAllText(Path.Combine(store.JobDirectory(id), JobContract.RecordDirectoryMarker), id);
        var manifest = (submitted ?? new JobManifest
        {
            Id = id,
            Name = spec.Name,
            Spec = spec,
            Command = [],
            CommandLine = "",
            Created = DateTimeOffset.UtcNow,
        }) with
        {
            Command = [command.FileName, .. command.Arguments],
            CommandLine = command.ToString(),
            State = JobState.NotStarted,
            LauncherProcessId = System.Environment.ProcessId,
            LauncherStartTicks = ProcessIdentity.StartTicks(System.Environment.ProcessId),
            LauncherHost = System.Environment.MachineName,
        };
        store.Save(manifest);
        try
        {
            return new ParallelJob(store, manifest, command);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            store.Save(manifest with { State = JobState.Failed, Reason = $"{command.FileName} could not start: {e.Message}", Ended = DateTimeOffset.UtcNow });
            throw new JobSpecException($"{command.FileName} could not start: {e.Message}", JobSpecProblem.NotFound);
        }
    }

    /// <summary>Waits for the end of the job; null when <paramref name="timeout"/> passes first.</summary>
    public JobManifest? Wait(TimeSpan? timeout = null) =>
        Completion.Wait(timeout ?? Timeout.InfiniteTimeSpan) ? Completion.Result : null;

    /// <summary>
    /// Stops the job: mpiexec is asked to end it, then killed with everything it started after a grace period
    /// (at once when <paramref name="force"/> is set).
    /// </summary>
    public void Stop(bool force = false) => RequestStop(JobState.Stopped, "Stopped by the caller.", force);

    /// <summary>Stops the job if it still runs (nothing of it outlives its launcher object), then frees what it holds.</summary>
    public void Dispose()
    {
        if (!Completion.IsCompleted)
        {
            Stop(force: true);
            Completion.Wait(StopGrace + TimeSpan.FromSeconds(10));
        }
        _timeLimit?.Dispose();
        _startup.Dispose();
        _tail.Dispose();
        _changes.Dispose();
        _exitWatch.Dispose();
        _process.Dispose();
    }

    private void RequestStop(JobState state, string reason, bool force = false)
    {
        lock (_gate)
        {
            if (_manifest.IsFinished || (_stopRequested is not null && !force))
                return;
            _stopRequested ??= (state, reason);
        }
        if (force)
        {
            KillAll();
            return;
        }
        _ = Task.Run(async () =>
        {
            // mpiexec forwards the request to the ranks and exits; if it is already gone, so much the better.
            _ = SendSignal(_process.Id, Terminate);
            using var grace = new CancellationTokenSource(StopGrace);
            try
            {
                await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                KillAll();
            }
        });
    }

    private void KillAll()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // mpiexec has ended already; the sweep at the end takes what it left.
        }
    }

    private void OnChange(string? name)
    {
        if (name == JobStore.StopRequestFile)
            CheckStopRequest();
        else if (name is not null && name.StartsWith("rank-", StringComparison.Ordinal) && !name.EndsWith(".output.clef", StringComparison.Ordinal))
            ReadNewRecords();
    }

    // Another process asked, through the job directory, for the job to stop.
    private void CheckStopRequest()
    {
        if (JobStore.ReadStopRequest(_store.JobDirectory(Id)) is { } force)
            RequestStop(JobState.Stopped, "Stopped by the caller.", force);
    }

    // The ranks append records to their files in the job directory; what is new is read for what the launcher must
    // know (ranks starting and finishing, exceptions). Once the ranks have ended, their files are trimmed to their
    // records.
    private void ReadNewRecords(bool trim = false)
    {
        lock (_tailing)
        {
            foreach (var path in Directory.EnumerateFiles(_store.JobDirectory(Id), "rank-*.clef"))
            {
                var name = Path.GetFileNameWithoutExtension(path);
                if (!int.TryParse(name.AsSpan("rank-".Length), CultureInfo.InvariantCulture, out int rank))
                    continue;
                if (trim)
                    RecordFiles.Trim(path);
                _recordOffsets.TryGetValue(rank, out long offset);
                int length = RecordFiles.ReadCompleteLines(path, offset, ref _recordBuffer);
                _recordOffsets[rank] = offset + length;
                foreach (var line in RecordFiles.LinesContaining(_recordBuffer.AsSpan(0, length), Markers))
                    Inspect(rank, line);
            }
        }
    }

    private void CheckStartup()
    {
        int started;
        lock (_gate)
            started = _ranks.Count;
        if (started < _manifest.Spec.Ranks)
            RequestStop(JobState.TimedOut,
                $"Only {started} of {_manifest.Spec.Ranks} ranks started within the startup deadline of {_manifest.Spec.StartupDeadline}.");
    }

    private async Task Pump(StreamReader reader, string stream)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            Route(line, stream);
    }

    // Attributes one line of mpiexec's output to a rank (from the tag mpiexec put on it) and files it.
    private void Route(string line, string pipe)
    {
        int? rank = null;
        string stream = pipe, text = line;
        var openMpi = OpenMpiTag().Match(line);
        var mpich = openMpi.Success ? Match.Empty : MpichTag().Match(line);
        if (openMpi.Success)
            (rank, stream, text) = (int.Parse(openMpi.Groups["rank"].Value, CultureInfo.InvariantCulture), openMpi.Groups["stream"].Value, openMpi.Groups["text"].Value);
        else if (mpich.Success)
            (rank, text) = (int.Parse(mpich.Groups["rank"].Value, CultureInfo.InvariantCulture), mpich.Groups["text"].Value);

        lock (_routing)
        {
            if (_firstLines.Count < 40 && !text.StartsWith(JobContract.RecordPrefix, StringComparison.Ordinal))
                _firstLines.Add(text);
            foreach (var clef in Assemble(rank, stream, text))
                Append(rank, clef);
        }
    }

    // A record longer than mpiexec's forwarding buffer arrives in pieces, each tagged like a line of its own: the
    // pieces are joined until the record parses. A record cut short for good (its rank killed mid-write) is kept
    // as a plain line.
    private IEnumerable<string> Assemble(int? rank, string stream, string text)
    {
        var key = (rank, stream);
        if (_partial.Remove(key, out var pending))
        {
            var joined = pending + text;
            if (LogRecord.IsClef(joined))
            {
                Inspect(rank!.Value, joined);
                yield return joined;
                yield break;
            }
            if (joined.Length < MaximumRecordLength && !text.StartsWith(JobContract.RecordPrefix, StringComparison.Ordinal))
            {
                _partial[key] = joined;
                yield break;
            }
            yield return LogRecord.ClefForLine(DateTimeOffset.UtcNow, rank, stream, JobContract.RecordPrefix + pending);
        }
        if (rank is not null && text.StartsWith(JobContract.RecordPrefix, StringComparison.Ordinal))
        {
            var record = text[JobContract.RecordPrefix.Length..];
            if (LogRecord.IsClef(record))
            {
                Inspect(rank.Value, record);
                yield return record;
            }
            else
            {
                _partial[key] = record;
            }
            yield break;
        }
        _reports.Read(text);
        yield return LogRecord.ClefForLine(DateTimeOffset.UtcNow, rank, stream, text);
    }

    private void Append(int? rank, string clef)
    {
        lock (_gate)
        {
            var name = JobLog.OutputFileName(rank);
            if (!_logs.TryGetValue(name, out var writer))
                _logs[name] = writer = new StreamWriter(OwnerOnly.Append(Path.Combine(_store.JobDirectory(Id), name))) { AutoFlush = true };
            writer.WriteLine(clef);
        }
    }

    // What marks the records the launcher acts on. Most records are ordinary events: only these few are worth
    // parsing, and the launcher shares the machine with the ranks it serves.
    private static readonly string[] MarkerTexts =
        ["\"@l\":\"Fatal\"", JobContract.StartedTemplate, JobContract.FinishedTemplate, JobContract.FinalizedTemplate, JobContract.ExitedTemplate, JobContract.TerminatedTemplate];
    private static readonly byte[][] Markers = [.. MarkerTexts.Select(System.Text.Encoding.UTF8.GetBytes)];

    private void Inspect(int rank, string clef)
    {
        if (!MarkerTexts.Any(marker => clef.Contains(marker, StringComparison.Ordinal)))
            return;
        LogRecord record;
        try
        {
            record = LogRecord.FromClef(clef);
        }
        catch (JsonException)
        {
            return;
        }
        if (record.Template == JobContract.StartedTemplate)
        {
            var processId = record.Properties.TryGetValue(JobContract.ProcessIdProperty, out var pid) && pid is long value ? (int)value : (int?)null;
            lock (_gate)
                _ranks[rank] = new RankInfo(rank, record.Host, processId);
            bool all;
            lock (_gate)
                all = _ranks.Count >= _manifest.Spec.Ranks;
            Update(job => job with { State = all ? JobState.Running : job.State, RankInfo = SnapshotRanks() });
        }
        if (record.Template == JobContract.FinishedTemplate)
        {
            lock (_gate)
            {
                _finished.Add(rank);
                if (_ranks.TryGetValue(rank, out var info))
                    _ranks[rank] = info with { Finished = true };
            }
            // Readers follow the job's progress (ranks started and finished) in the manifest.
            Update(job => job with { RankInfo = SnapshotRanks() });
        }
        if (record.Template == JobContract.TerminatedTemplate)
        {
            lock (_gate)
                _terminated.Add(rank);
        }
        if (record.Template == JobContract.ExitedTemplate || record.Template == JobContract.FinalizedTemplate)
        {
            lock (_gate)
                (record.Template == JobContract.ExitedTemplate ? _exited : _finalized).Add(rank);
        }
        // The exit record, or the record of a rank aborting on an exception, which names the code it aborts with.
        if ((record.Template == JobContract.ExitedTemplate || record.Level == "Fatal") && record.Properties.GetValueOrDefault("ExitCode") is long code)
        {
            lock (_gate)
                _exitCodes.TryAdd(rank, (int)code);
        }
        if (record.Level == "Fatal")
        {
            var cause = record.Exception?.Split('\n')[0].Trim() ?? record.Message;
            var failure = $"Rank {rank} failed: {cause}";
            lock (_gate)
            {
                _firstException ??= failure;
                _ownFailures.Add(rank);
                if (_ranks.TryGetValue(rank, out var info))
                    _ranks[rank] = info with { Failure = info.Failure ?? failure };
            }
        }
    }

    private void Finish()
    {
        lock (_gate)
            _finalizing = true;
        _startup.Dispose();
        _tail.Dispose();
        _changes.Dispose();
        _timeLimit?.Dispose();
        SweepLeftovers();
        ReadNewRecords(trim: true);
        int exitCode = _process.ExitCode;
        JobState state;
        string? reason;
        lock (_routing)
        {
            foreach (var ((rank, stream), pending) in _partial)
                Append(rank, LogRecord.ClefForLine(DateTimeOffset.UtcNow, rank, stream, JobContract.RecordPrefix + pending));
            _partial.Clear();
        }
        lock (_gate)
        {
            foreach (var writer in _logs.Values)
                writer.Dispose();
            _logs.Clear();
            var failure = Conclude(exitCode);
            // Ranks the launcher ended in MPI_Finalize had all done their work: the job completed.
            bool workDone = _endedInFinalize.Count > 0 && _firstException is null && _finished.Count >= _manifest.Spec.Ranks;
            if (workDone)
            {
                exitCode = 0;
                foreach (var rank in _endedInFinalize)
                    _ranks[rank] = _ranks[rank] with { Failure = null, Note = $"Still in MPI_Finalize {_manifest.Spec.FinalizeGrace} after every rank had finished its work; ended by the launcher." };
            }
            (state, reason) = _stopRequested ?? (exitCode == 0 ? (JobState.Completed, null) : (JobState.Failed, failure));
            foreach (var (rank, info) in _ranks.Where(entry => !entry.Value.Finished && entry.Value.Failure is null).ToList())
                _ranks[rank] = info with { Failure = $"Ended without finishing when the job ended {state}.", EndedWithJob = true };
        }
        var final = Update(job => job with { State = state, Reason = reason, ExitCode = exitCode, Ended = DateTimeOffset.UtcNow, RankInfo = SnapshotRanks() });
        _completion.TrySetResult(final);
    }

    // Settles how each rank ended from everything heard (its own records, mpiexec's reports) and returns the best
    // account of the first failure: an exception a rank reported; Open MPI naming the rank that failed first and its
    // signal, abort or exit code; a rank's own non-zero exit code; the first rank seen to end without finishing;
    // Hydra's report (it names a process that ended badly, not always the first: it kills the others with the
    // same signal); Hydra's exit string.
    private string Conclude(int exitCode)
    {
        var beforeStart = NoRankStarted(exitCode);
        foreach (var rank in _finished)
            _ranks[rank] = (_ranks.GetValueOrDefault(rank) ?? new RankInfo(rank, null, null)) with { Finished = true };
        foreach (var (rank, code) in _exitCodes)
            _ranks[rank] = (_ranks.GetValueOrDefault(rank) ?? new RankInfo(rank, null, null)) with { ExitCode = code };
        string? reported = null, reportedByProcess = null;
        foreach (var ending in _reports.Endings)
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
        bool allWatched = _ranks.Keys.All(_exitWatch.IsWatching);
        return _firstException
            ?? beforeStart
            ?? (allWatched ? FirstToEnd() : null)
            ?? reported
            ?? (nonZero is null ? null : $"{nonZero.Describe()} exited with code {nonZero.ExitCode}.")
            ?? LostHost()
            ?? (allWatched ? null : FirstToEnd())
            ?? reportedByProcess
            ?? _reports.ExitString
            ?? $"mpiexec exited with code {exitCode}.";
    }

    // Ranks on another host that ended without a word (no finished, exit or told-to-stop record, nothing from
    // mpiexec) while the job ran: their host went away, or everything of the job on it was killed. The host is
    // probed to say which.
    private string? LostHost()
    {
        var silent = _ranks.Values
            .Where(info => info.Host is not null && !HostProbe.IsThisMachine(info.Host) && !_ownFailures.Contains(info.Rank)
                && !_finished.Contains(info.Rank) && !_exitCodes.ContainsKey(info.Rank) && !_terminated.Contains(info.Rank)
                && !_endedInFinalize.Contains(info.Rank))
            .OrderBy(info => info.Rank)
            .ToList();
        if (silent.Count == 0)
            return null;
        // mpiexec ends the ranks on the other hosts too, as silently: the lost host is the one that no longer answers,
        // else the one mpiexec reported, else the first.
        var agent = _manifest.Spec.EffectiveLaunchAgent;
        var probes = silent.Select(info => info.Host!).Distinct()
            .ToDictionary(host => host, host => Task.Run(() => HostProbe.Probe(host, agent, LostHostProbeTimeout)));
        Task.WaitAll([.. probes.Values]);
        var reportedHosts = _reports.Endings.Select(ending => ending.Host).OfType<string>().ToHashSet();
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
    // its own explanation, first sentence or so.
    private string? NoRankStarted(int exitCode)
    {
        if (_ranks.Count > 0)
            return null;
        List<string> lines;
        lock (_routing)
            lines = [.. _firstLines.Select(line => line.Trim()).Where(line => line.Length > 0 && !line.All(c => c is '-' or '=' or '*' or '#'))];
        if (lines.Count == 0)
            return null;
        int end = lines.FindIndex(line => line.EndsWith('.'));
        var said = string.Join(' ', lines.Take(end is >= 0 and < 3 ? end + 1 : 3));
        var fix = lines.Any(line => line.Contains("run as root", StringComparison.Ordinal))
            ? " Open MPI runs as root only when told it may: set OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1, or AllowRunAsRoot on the job spec (Start-ParallelJob -AllowRunAsRoot)."
            : "";
        return $"{_manifest.Command[0]} exited with code {exitCode} before any rank started: {said}{fix}";
    }

    private static readonly TimeSpan LostHostProbeTimeout = TimeSpan.FromSeconds(3);

    // The rank on this machine that ended first without its "finished" record (the kernel's order, see
    // ProcessExitWatch), in its own words or mpiexec's if there are any. Ranks that ended after it without a word of
    // their own ended because of it, whatever mpiexec said about them (Hydra kills them with the first one's signal
    // and may report one of them instead).
    private string? FirstToEnd()
    {
        _exitWatch.WaitForAll(TimeSpan.FromSeconds(2));
        var order = _exitWatch.EndedInOrder().Where(rank => !_finished.Contains(rank) && !_terminated.Contains(rank)).ToList();
        if (order.Count == 0 || !_ranks.TryGetValue(order[0], out var first))
            return null;
        // Hydra's exit string tells how the process it reported ended: said of this rank only if it reported this one.
        bool aboutAnother = _reports.Endings.Any(ending => ending.ProcessId is { } pid && pid != first.ProcessId);
        var how = _reports.ExitString is null || aboutAnother ? "" : $": {_reports.ExitString}";
        var reason = first.Failure
            ?? (first.ExitCode is { } code and not 0 ? $"{first.Describe()} exited with code {code}." : $"{first.Describe()} ended without finishing{how}.");
        _ranks[first.Rank] = first with { Failure = reason };
        foreach (var later in order.Skip(1).Where(rank => !_ownFailures.Contains(rank)))
            _ranks[later] = _ranks[later] with { Failure = null };
        return reason;
    }

    // Follows the end of a job whose ranks are done while mpiexec still runs. Once every rank has finished its work,
    // a rank still in MPI_Finalize after the spec's FinalizeGrace is ended (MPICH over TCP can hang there for good).
    // Once every rank has ended, processes the ranks started that still hold mpiexec's output pipes open (so mpiexec
    // waits for them) are ended after LingerGrace.
    private void CheckEnding()
    {
        List<RankInfo>? stuck = null;
        bool linger = false;
        lock (_gate)
        {
            int expected = _manifest.Spec.Ranks;
            if (_manifest.IsFinished || _stopRequested is not null || _ranks.Count < expected || _finalizing)
                return;
            var running = _ranks.Values.Where(info => _exitWatch.IsWatching(info.Rank) ? !_exitWatch.HasEnded(info.Rank) : !_exited.Contains(info.Rank)).ToList();
            var now = DateTime.UtcNow;
            if (running.Count == 0)
            {
                _allEndedAt ??= now;
                linger = !_lingerSwept && now - _allEndedAt >= LingerGrace;
                _lingerSwept |= linger;
            }
            else if (_finished.Count >= expected && _firstException is null)
            {
                _allFinishedAt ??= now;
                if (!_finalizeSwept && now - _allFinishedAt >= _manifest.Spec.FinalizeGrace)
                {
                    // What a rank does after MPI_Finalize has returned is its own business.
                    stuck = [.. running.Where(info => !_finalized.Contains(info.Rank))];
                    _finalizeSwept = true;
                    _endedInFinalize.UnionWith(stuck.Select(info => info.Rank));
                }
            }
        }
        if (stuck is { Count: > 0 })
        {
            Warn($"{string.Join(", ", stuck.Select(info => info.Describe()))} {(stuck.Count == 1 ? "was" : "were")} still in MPI_Finalize " +
                $"{_manifest.Spec.FinalizeGrace} after every rank had finished its work: ended by the launcher; the job's work is complete.");
            foreach (var info in stuck)
                _ = Task.Run(() => KillRank(info));
        }
        if (linger)
            EndProcessesStartedByRanks("still ran after every rank had exited, keeping mpiexec from ending");
    }

    /// <summary>How long mpiexec may go on after every rank has ended before what the ranks started is ended.</summary>
    internal static readonly TimeSpan LingerGrace = TimeSpan.FromSeconds(3);

    // Ends processes of the job that are neither ranks nor mpiexec's, each named in a warning record.
    private void EndProcessesStartedByRanks(string why)
    {
        HashSet<int> ranks;
        lock (_gate)
            ranks = [.. _ranks.Values.Select(info => info.ProcessId).OfType<int>()];
        foreach (var process in JobProcesses.StartedByRanks(Id, ranks))
        {
            Warn($"Process {process.Describe()}, started by the job, {why}: ended by the launcher.");
            _ = SendSignal(process.ProcessId, Kill);
        }
    }

    private void KillRank(RankInfo info)
    {
        if (info.ProcessId is not { } processId)
            return;
        if (info.Host is null || HostProbe.IsThisMachine(info.Host))
            _ = SendSignal(processId, Kill);
        else
            KillThroughAgent(info.Host, processId);
    }

    // kill -KILL through the launch agent, as mpiexec reaches that host.
    private void KillThroughAgent(string host, int processId)
    {
        var agent = _manifest.Spec.EffectiveLaunchAgent;
        try
        {
            var result = ChildProcess.Run(agent, [host, "kill", "-KILL", processId.ToString(CultureInfo.InvariantCulture)], LostHostProbeTimeout);
            if (result.ExitCode != 0)
                Warn($"Could not end {processId} on {host} through {agent}: {(result.TimedOut ? "no answer" : result.Error.Trim())}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Warn($"Could not end {processId} on {host} through {agent}: {e.Message}");
        }
    }

    // A record of the launcher's own in the job's log.
    private void Warn(string text)
    {
        lock (_routing)
            Append(null, LogRecord.ClefForLauncher(DateTimeOffset.UtcNow, "Warning", text));
    }

    // Whatever the job started and left behind on this machine (found by the job id in its environment) is killed.
    private void SweepLeftovers()
    {
        EndProcessesStartedByRanks("outlived the job");
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var leftovers = ProcessIdentity.WithEnvironment(JobContract.JobIdVariable, Id).ToList();
            if (leftovers.Count == 0)
                return;
            foreach (var processId in leftovers)
                _ = SendSignal(processId, Kill); // one that ended meanwhile needs nothing
            Thread.Sleep(100);
        }
    }

    private List<RankInfo> SnapshotRanks()
    {
        lock (_gate)
            return [.. _ranks.Values.OrderBy(info => info.Rank)];
    }

    private JobManifest Update(Func<JobManifest, JobManifest> change)
    {
        lock (_gate)
        {
            _manifest = change(_manifest);
            _store.Save(_manifest);
            return _manifest;
        }
    }

    private const int Terminate = 15, Kill = 9;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int processId, int signal);

    [GeneratedRegex(@"^\[\d+,(?<rank>\d+)\]<(?<stream>stdout|stderr)>:(?<text>.*)$")]
    private static partial Regex OpenMpiTag();

    [GeneratedRegex(@"^\[(?<rank>\d+)\] (?<text>.*)$")]
    private static partial Regex MpichTag();
}
