using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// A job started by this process: mpiexec supervised until it ends, every line of every rank written to the job
/// store as it arrives, the manifest kept current. Ends in Completed, Failed (with the first failing rank and why),
/// Stopped or TimedOut; after any end no process of the job is left on this machine.
/// </summary>
/// <remarks>
/// Composed of small parts: <see cref="MpiexecProcess"/> (mpiexec's lifecycle and signals), <see cref="RankOutput"/>
/// (its output split by rank), <see cref="RecordTail"/> and <see cref="RankTracker"/> (the ranks' records and what
/// they tell), <see cref="ProcessExitWatch"/> (the order ranks ended in), <see cref="FailureDiagnosis"/> (how the job
/// ended) and <see cref="ManifestWriter"/> (the manifest in the store). One lock guards what the parts know; nothing
/// slow (a probe, a wait, a write of the manifest, a kill) runs under it, and the manifest is read without it.
/// </remarks>
public sealed class ParallelJob : IDisposable
{
    /// <summary>How long a stopped job gets to end by itself before it is killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);

    /// <summary>How long mpiexec may go on after every rank has ended before what the ranks started is ended.</summary>
    internal static readonly TimeSpan LingerGrace = TimeSpan.FromSeconds(3);

    /// <summary>How long mpiexec may go on after that before it is ended itself.</summary>
    internal static readonly TimeSpan MpiexecGrace = TimeSpan.FromSeconds(5);

    // The safety net for changes the directory watcher misses, and the clock of the ending's graces.
    private static readonly TimeSpan TailInterval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly JobStore _store;
    private readonly string _directory;
    private readonly MpiexecCommand _command;
    private readonly ProcessExitWatch _exits;
    private readonly MpiexecReports _reports;
    private readonly RankTracker _ranks;
    private readonly RankOutput _output;
    private readonly RecordTail _tail;
    private readonly ManifestWriter _writer;
    private readonly MpiexecProcess _mpiexec;
    private readonly OrphanGuard _guard;
    private readonly FileSystemWatcher? _changes;
    private readonly Timer _tick, _startup;
    private readonly Timer? _timeLimit;
    private readonly TaskCompletionSource<JobManifest> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobManifest _manifest;
    private (JobState State, string? Reason)? _stopRequested;
    // Set when mpiexec has ended: from then on only Finish touches what the parts know.
    private bool _finishing;

    private ParallelJob(JobStore store, JobManifest manifest, MpiexecCommand command)
    {
        _store = store;
        _manifest = manifest;
        _command = command;
        _directory = store.JobDirectory(manifest.Id);
        _reports = new MpiexecReports(command.Dialect);
        _ranks = new RankTracker(manifest.Spec);
        _output = new RankOutput(_directory, command.Dialect, _reports, Observe);
        _tail = new RecordTail(_directory);
        _writer = new ManifestWriter(store, written => ManifestChanged?.Invoke(this, written));
        _exits = new ProcessExitWatch(JobContract.ExitChannelName(manifest.Id));
        // Before mpiexec starts, so that nothing of the job can outlive this process unsupervised.
        _guard = new OrphanGuard(manifest.Id, StopGrace);
        try
        {
            _mpiexec = new MpiexecProcess(command, manifest.Id, _exits.Name);
        }
        catch
        {
            _guard.Dispose();
            _exits.Dispose();
            throw;
        }
        Update(job => job with { State = JobState.Starting, Started = DateTimeOffset.UtcNow });
        _writer.Written.GetAwaiter().GetResult();
        _startup = new Timer(_ => CheckStartup(), null, manifest.Spec.StartupDeadline, Timeout.InfiniteTimeSpan);
        _tick = new Timer(_ => Guarded(() =>
        {
            ReadRecords(rank: null);
            CheckStopRequest();
            CheckEnding();
        }), null, TailInterval, TailInterval);
        _exits.Exited += _ => Guarded(CheckEnding);
        _changes = WatchDirectory();
        if (manifest.Spec.TimeLimit is { } limit)
            _timeLimit = new Timer(_ => RequestStop(JobState.TimedOut, $"The job exceeded its time limit of {limit}."), null, limit, Timeout.InfiniteTimeSpan);
        _ = _mpiexec.ReadOutput(Route).ContinueWith(_ =>
        {
            try
            {
                Finish();
            }
            catch (Exception e) when (!_completion.Task.IsCompleted)
            {
                // Lost with this continuation otherwise, leaving every waiter waiting for ever: the job ends failed,
                // saying why.
                _completion.TrySetResult(Update(job => job with
                {
                    State = JobState.Failed,
                    Reason = $"The launcher failed while the job ended: {e.Message}",
                    Ended = DateTimeOffset.UtcNow,
                }));
            }
        }, TaskScheduler.Default);
    }

    /// <summary>The job's id in the store.</summary>
    public string Id => _manifest.Id;

    /// <summary>The job's record as it stands.</summary>
    /// <remarks>Read without waiting: a job working out how it ended (which may take seconds) does not hold its readers.</remarks>
    public JobManifest Manifest => Volatile.Read(ref _manifest);

    /// <summary>
    /// Raised, on a pool thread, each time a newer manifest has been written to the store: ranks started or finished,
    /// the job running, its end (raised before <see cref="Completion"/> completes). Changes that come in a burst are
    /// written, and raised, once, with the newest.
    /// </summary>
    /// <remarks>
    /// Handlers run on the writer's thread: one that waits for <see cref="Completion"/> or <see cref="Wait"/> waits for
    /// ever (the end is raised before them); continue on <see cref="Completion"/> instead. An exception a handler
    /// throws is not reported to anyone: catch it in the handler.
    /// </remarks>
    public event EventHandler<JobManifest>? ManifestChanged;

    /// <summary>Completes with the final record when the job has ended.</summary>
    public Task<JobManifest> Completion => _completion.Task;

    /// <summary>
    /// Validates <paramref name="spec"/> (program, ranks, hosts that resolve, variables...) and decides the job's id and
    /// exact mpiexec command, without writing or starting anything: what <see cref="Start(LaunchPlan, JobStore)"/> would run.
    /// </summary>
    /// <exception cref="JobSpecException">The spec cannot run.</exception>
    public static LaunchPlan Plan(JobSpec spec, JobStore store) => Plan(spec, store, JobStore.NewJobId());

    /// <summary>What <see cref="Plan(JobSpec, JobStore)"/> decides, for a job whose id is already chosen (a farm's attempt).</summary>
    internal static LaunchPlan Plan(JobSpec spec, JobStore store, string id)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
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
    /// Starts a job that was submitted to a batch scheduler (<see cref="BatchJobs.Submit(JobSpec, BatchOptions, JobStore)"/>), from inside its
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

    // A submitted job (or a farm's attempt, recorded with its farm's id) starts from the record it has.
    internal static ParallelJob Start(LaunchPlan plan, JobStore store, JobManifest? submitted)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(store);
        var (id, spec, command) = plan;
        // The number of ranks as decided now (its default depends on the hosts), recorded and followed.
        spec = spec with { Ranks = spec.Ranks };
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
            throw new JobSpecException($"{command.FileName} could not start: {e.Message}", JobSpecProblem.NotFound, JobSpecField.Implementation, command.FileName);
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
        StopWatching();
        _guard.Dispose();
        _exits.Dispose();
        _mpiexec.Dispose();
    }

    private void RequestStop(JobState state, string reason, bool force = false)
    {
        lock (_gate)
        {
            if (_manifest.IsFinished || _finishing || (_stopRequested is not null && !force))
                return;
            _stopRequested ??= (state, reason);
        }
        if (force)
            _mpiexec.KillAll();
        else
            _ = _mpiexec.StopAsync(StopGrace);
    }

    // The launcher's callbacks (timers, watcher, exits, mpiexec's output) run on pool threads, where an exception
    // would end the whole process (a PowerShell session with it) or, in the output's readers and the ending, leave the
    // job unfinished for ever: a job directory that can no longer be read or written (removed by someone while the job
    // runs, a full disk) stops the job instead, saying why. Once the job is ending, what cannot be written is dropped.
    private void Guarded(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RequestStop(JobState.Failed, $"The job's directory {_directory} could not be read or written while the job ran: {e.Message}", force: true);
        }
    }

    // Records are read as soon as a rank writes them, so the launcher knows every rank's process from its first
    // moments, and a stop asked for by another process is acted on at once. A change reads the one file changed.
    // Without a watcher (the user's inotify instances, 128 by default for all their processes, are taken) the tick
    // reads every change, TailInterval later: mpiexec runs already, and must not be left unsupervised.
    private FileSystemWatcher? WatchDirectory()
    {
        var watcher = new FileSystemWatcher(_directory)
        {
            NotifyFilter = NotifyFilters.Size | NotifyFilters.LastWrite | NotifyFilters.FileName,
        };
        watcher.Changed += (_, change) => Guarded(() => OnChange(change.Name));
        watcher.Created += (_, change) => Guarded(() => OnChange(change.Name));
        watcher.Renamed += (_, change) => Guarded(() => OnChange(change.Name));
        try
        {
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (IOException)
        {
            watcher.Dispose();
            return null;
        }
    }

    private void OnChange(string? name)
    {
        if (name == JobStore.StopRequestFile)
            CheckStopRequest();
        else if (RecordTail.RankOf(name) is { } rank)
            ReadRecords(rank);
    }

    // Another process asked, through the job directory, for the job to stop.
    private void CheckStopRequest()
    {
        if (JobStore.ReadStopRequest(_directory) is { } force)
            RequestStop(JobState.Stopped, "Stopped by the caller.", force);
    }

    // What is new in one rank's record file (or every rank's), for what the launcher must know.
    private void ReadRecords(int? rank)
    {
        lock (_gate)
        {
            if (_finishing)
                return;
            if (rank is { } one)
            {
                foreach (var record in _tail.Read(one))
                    Observe(one, record);
            }
            else
            {
                foreach (var (from, record) in _tail.ReadAll())
                    Observe(from, record);
            }
        }
    }

    // One line of mpiexec's output, filed under its rank (records in it are observed).
    private void Route(string line, string pipe) => Guarded(() =>
    {
        lock (_gate)
            _output.Route(line, pipe);
    });

    // One record a rank sent (under the lock): the manifest follows the ranks starting and finishing.
    private void Observe(int rank, string record)
    {
        if (_ranks.Observe(rank, record))
            Update(job => job with { State = _ranks.AllStarted ? JobState.Running : job.State, RankInfo = _ranks.Snapshot() });
    }

    private void CheckStartup()
    {
        int started;
        lock (_gate)
            started = _ranks.Ranks.Count;
        if (started < _manifest.Spec.Ranks)
            RequestStop(JobState.TimedOut,
                $"Only {started} of {_manifest.Spec.Ranks} ranks started within the startup deadline of {_manifest.Spec.StartupDeadline}.");
    }

    // Follows the end of a job whose ranks are done while mpiexec still runs (see RankTracker.CheckEnding): ranks
    // stuck in MPI_Finalize are killed, processes the ranks started that keep mpiexec from ending are ended, and then
    // mpiexec itself if it still does not end.
    private void CheckEnding()
    {
        IReadOnlyList<RankInfo> stuck;
        bool linger, endMpiexec;
        HashSet<int> processes;
        lock (_gate)
        {
            if (_manifest.IsFinished || _stopRequested is not null || _finishing)
                return;
            (stuck, linger, endMpiexec) = _ranks.CheckEnding(DateTime.UtcNow, _exits, LingerGrace, MpiexecGrace);
            processes = linger ? _ranks.ProcessIds : [];
        }
        var spec = _manifest.Spec;
        if (stuck.Count > 0)
        {
            Warn($"{string.Join(", ", stuck.Select(info => info.Describe()))} {(stuck.Count == 1 ? "was" : "were")} still in MPI_Finalize " +
                $"{spec.FinalizeGrace} after every rank had finished its work: ended by the launcher; the job's work is complete.");
            foreach (var info in stuck)
                _ = Task.Run(() => JobProcesses.KillRank(info, spec.EffectiveLaunchAgent, FailureDiagnosis.ProbeTimeout, Warn));
        }
        if (linger)
            JobProcesses.EndStartedByRanks(Id, processes, "still ran after every rank had exited, keeping mpiexec from ending", Warn);
        if (endMpiexec)
        {
            Warn($"{_command.FileName} still ran {LingerGrace + MpiexecGrace} after every rank had ended: ended by the launcher.");
            _ = _mpiexec.StopAsync(StopGrace);
        }
    }

    // A record of the launcher's own in the job's log.
    private void Warn(string text) => Guarded(() =>
    {
        lock (_gate)
            _output.Warn(text);
    });

    private void StopWatching()
    {
        _startup.Dispose();
        _tick.Dispose();
        _changes?.Dispose();
        _timeLimit?.Dispose();
    }

    // mpiexec has ended: what it left is swept, the last records read, and how the job ended is worked out (outside
    // the lock: that may probe a host) and recorded.
    private void Finish()
    {
        HashSet<int> ranks;
        lock (_gate)
        {
            _finishing = true;
            ranks = _ranks.ProcessIds;
        }
        StopWatching();
        JobProcesses.SweepLeftovers(Id, ranks, Warn);
        _guard.Dispose();
        FailureDiagnosis diagnosis;
        lock (_gate)
        {
            try
            {
                // Once the ranks have ended, their files are trimmed to their records.
                foreach (var (rank, record) in _tail.ReadAll(trim: true))
                    Observe(rank, record);
                _output.Flush();
                _output.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The job directory went away while the job ran (see Guarded): the job ends on what was read.
            }
            diagnosis = new FailureDiagnosis(_ranks, _reports, _output.FirstLines, _exits, _command.Dialect, _command.FileName, _manifest.Spec);
        }
        var ending = diagnosis.Settle(_mpiexec.ExitCode, _stopRequested);
        Task written;
        JobManifest final;
        lock (_gate)
        {
            final = Update(job => job with { State = ending.State, Reason = ending.Reason, ExitCode = ending.ExitCode, Ended = DateTimeOffset.UtcNow, RankInfo = ending.Ranks });
            written = _writer.Written;
        }
        try
        {
            written.GetAwaiter().GetResult();
        }
        finally
        {
            // Waiters are told how the job ended even when the store could not be written.
            _completion.TrySetResult(final);
        }
    }

    // A new version of the manifest (under the lock), written to the store in the background.
    private JobManifest Update(Func<JobManifest, JobManifest> change) => _writer.Update(_gate, ref _manifest, change);
}
