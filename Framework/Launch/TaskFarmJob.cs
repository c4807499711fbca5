using System.Globalization;
using System.Text.Json;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// A task farm run by this process: its tasks handed to a worker program (<see cref="TaskFarmContract"/>) started by
/// mpiexec on every rank, each result saved in the job store as it arrives, and, when a rank or a host is lost (which
/// ends the MPI job: MPI is not fault tolerant), the farm started again by itself on the hosts that still answer with
/// only the tasks that have no result yet. Each mpiexec run is an attempt: an ordinary job of the store
/// (<see cref="ParallelJob"/>) whose manifest names the farm (<see cref="JobManifest.FarmId"/>).
/// </summary>
/// <remarks>
/// <para>
/// The farm is a job of the store like any other (listings show it, not its attempts): its manifest has the state,
/// reason and times of the whole farm and its <see cref="JobManifest.Farm"/> summary; its directory holds the whole
/// definition, the results file (one <see cref="FarmTaskResult"/> per line, each flushed before
/// <see cref="TaskFinished"/> is raised) and its attempts' directories. A task whose result is saved is never run
/// again nor recorded twice; a task that was running when its rank was lost runs again in the next attempt, so a task
/// may run more than once.
/// </para>
/// <para>
/// Ends Completed when every task completed; Failed when a task failed (after its retries), or an attempt failed with
/// no restart left, or the worker ended leaving tasks without a result; Stopped when stopped; TimedOut past the job's
/// <see cref="JobSpec.TimeLimit"/>, which spans every attempt. After any end nothing of the farm is left running, and
/// <see cref="Resume"/> continues a farm that ended with tasks unfinished.
/// </para>
/// </remarks>
public sealed class TaskFarmJob : IDisposable
{
    // How often the running attempt's records are read for results, and a stop asked for by another process looked for.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    // One reader of the attempt's records at a time (the poll and the read after the attempt ended).
    private readonly Lock _reading = new();
    private readonly JobStore _store;
    private readonly string _directory;
    private readonly FarmDefinition _definition;
    private readonly FarmFiles _files;
    private readonly HashSet<long> _saved = [];
    private readonly SortedSet<long> _failed = [];
    private readonly List<string> _restarts = [];
    private readonly ManifestWriter _writer;
    private readonly TaskCompletionSource<JobManifest> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer _tick;
    private readonly Timer? _timeLimit;
    private JobManifest _manifest;
    private ParallelJob? _attempt;
    private JobLogCursor? _cursor;
    private (JobState State, string Reason)? _stopRequested;

    private const int InterruptSignal = 2; // SIGINT

    // When the farm was first asked to stop (or ran out of time): a task that fails after it was cut off by the stop.
    private DateTimeOffset? _stoppingSince;

    private TaskFarmJob(JobStore store, JobManifest manifest, FarmDefinition definition, IReadOnlyList<FarmTaskResult> saved)
    {
        _store = store;
        _manifest = manifest;
        _directory = store.JobDirectory(manifest.Id);
        _definition = definition;
        _files = new FarmFiles(_directory);
        foreach (var result in saved)
        {
            _saved.Add(result.Index);
            if (result.Outcome == FarmOutcome.Failed)
                _failed.Add(result.Index);
        }
        _writer = new ManifestWriter(store, written => ManifestChanged?.Invoke(this, written));
        _tick = new Timer(_ => Poll(), null, PollInterval, PollInterval);
        if (manifest.Spec.TimeLimit is { } limit)
            _timeLimit = new Timer(_ => RequestStop(JobState.TimedOut, $"The farm exceeded its time limit of {limit}.", force: false), null, limit, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The worker that runs PowerShell farms (script blocks and programs): taskworker/spmd-taskworker.dll beside
    /// MPI.Launch.dll, as the module ships it. <see cref="TaskFarmSpec.Job"/>'s program when it is "".
    /// </summary>
    public static string DefaultWorker =>
        Path.Combine(Path.GetDirectoryName(typeof(TaskFarmJob).Assembly.Location)!, "taskworker", TaskFarmContract.WorkerProgram);

    /// <summary>The name of the file in a farm's directory that holds its whole definition (every task, as given).</summary>
    public const string DefinitionFile = FarmFiles.DefinitionFile;

    /// <summary>The name of the file in a farm's directory that holds its saved results, one JSON <see cref="FarmTaskResult"/> per line.</summary>
    public const string ResultsFile = FarmFiles.ResultsFile;

    /// <summary>The farm's id in the store (a job like any other in listings).</summary>
    public string Id => _manifest.Id;

    /// <summary>
    /// The farm's record as it stands: State, Reason, Started and Ended as for a job, <see cref="JobManifest.Farm"/>
    /// with its progress, and the latest attempt's ranks and command.
    /// </summary>
    public JobManifest Manifest => Volatile.Read(ref _manifest);

    /// <summary>
    /// Raised, on a pool thread, for each result once it is saved in the results file, in the order results arrive
    /// (never twice for a task). An exception a handler throws is ignored: the result is saved whatever handlers do.
    /// </summary>
    public event EventHandler<FarmTaskResult>? TaskFinished;

    /// <summary>
    /// Raised, on a pool thread, each time a newer manifest of the farm has been written to the store (progress, an
    /// attempt starting or running, a restart, the end, which is raised before <see cref="Completion"/> completes).
    /// Changes that come in a burst are written, and raised, once, with the newest. Handlers must not wait for the
    /// farm's end (see <see cref="ParallelJob.ManifestChanged"/>).
    /// </summary>
    public event EventHandler<JobManifest>? ManifestChanged;

    /// <summary>Completes with the farm's final record when it has ended (after its last attempt, restarts included).</summary>
    public Task<JobManifest> Completion => _completion.Task;

    /// <summary>
    /// Validates <paramref name="spec"/>, records the farm in <paramref name="store"/> (its manifest, its whole
    /// definition) and starts its first attempt. A farm without tasks is recorded Completed at once, without mpiexec.
    /// Nothing is written or started when the spec is invalid.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="JobSpecException">The farm cannot run (its definition, the worker, ranks, hosts, MPI...): the field and value are named.</exception>
    public static TaskFarmJob Start(TaskFarmSpec spec, JobStore store)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
        var job = spec.Validate();
        var id = JobStore.NewJobId();
        var definition = spec.Definition with { Tasks = [.. spec.Definition.Tasks] };
        // The first attempt is planned before anything is written: unknown hosts or a missing mpiexec leave nothing.
        var first = definition.Tasks.Count > 0 ? PlanAttempt(store, id, 1, job, definition.Tasks.Count) : null;
        var manifest = Record(store, id, job, spec.MaxRestarts, definition, batch: null);
        var farm = new TaskFarmJob(store, manifest, definition, []);
        farm.Run(job, spec.MaxRestarts, first);
        return farm;
    }

    /// <summary>
    /// Starts a farm submitted to a batch scheduler (<see cref="BatchJobs.Submit(TaskFarmSpec, BatchOptions, JobStore)"/>),
    /// from inside its allocation (as spmd-run does): its attempts run on the allocation's hosts, restarts included,
    /// and it keeps its id and directory in the store.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    /// <exception cref="JobSpecException">There is no such farm, or it is not a submitted farm waiting to start, or it cannot run here.</exception>
    public static TaskFarmJob StartSubmitted(JobStore store, string id)
    {
        ArgumentNullException.ThrowIfNull(store);
        var submitted = store.TryGet(id) ?? throw new JobSpecException($"There is no job {id} in {store.Root}.", JobSpecProblem.NotFound);
        if (submitted.Farm is null || submitted.Batch is null || submitted.State is not (JobState.Queued or JobState.NotStarted))
            throw new JobSpecException($"Job {id} is not a batch task farm waiting to start (it is {submitted.State}{(submitted.Farm is null ? ", and not a farm" : "")}).");
        var job = BatchJobs.WithKeptEnvironment(store, submitted);
        var definition = ReadDefinition(store, id);
        var first = definition.Tasks.Count > 0 ? PlanAttempt(store, id, 1, job, definition.Tasks.Count) : null;
        var manifest = submitted with { Spec = job, State = JobState.NotStarted };
        manifest = WithLauncher(manifest);
        store.Save(manifest);
        var farm = new TaskFarmJob(store, manifest, definition, []);
        farm.Run(job, submitted.Farm.MaxRestarts, first);
        return farm;
    }

    /// <summary>
    /// Continues farm <paramref name="id"/> of <paramref name="store"/>, which ended with tasks unfinished (Failed,
    /// Stopped, TimedOut, or its launcher died): runs only the tasks that have no saved result, in new attempts of the
    /// same farm, with the farm's job (hosts, ranks, variables) and its restarts and time limit counted afresh. This
    /// process becomes the farm's launcher (a batch farm resumes here, not in a new allocation).
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="JobSpecException">
    /// There is no such job, it is not a farm, it is still running, it completed or every task has a result, or it cannot
    /// run any more (hosts, MPI).
    /// </exception>
    /// <exception cref="SchedulerNotFoundException">The farm is an unfinished batch farm and Slurm's commands are not on PATH.</exception>
    public static TaskFarmJob Resume(JobStore store, string id)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(id);
        var recorded = store.Reconcile([id]).SingleOrDefault()
            ?? throw new JobSpecException($"There is no job {id} in {store.Root}.", JobSpecProblem.NotFound);
        if (recorded.Farm is not { } summary)
            throw new JobSpecException($"Job {id} is not a task farm: only a farm can be resumed.");
        if (!recorded.IsFinished)
            throw new JobSpecException($"Farm {id} is {recorded.State}: only a farm that ended unfinished can be resumed.");
        if (recorded.State == JobState.Completed)
            throw new JobSpecException($"Farm {id} completed: there is nothing to resume.");
        var definition = ReadDefinition(store, id);
        var saved = ReadResults(store, id);
        int unfinished = definition.Tasks.Count - saved.Count, failed = saved.Count(result => result.Outcome == FarmOutcome.Failed);
        if (unfinished == 0)
            throw new JobSpecException($"Every task of farm {id} has a result ({failed} failed): there is nothing to resume.");
        var job = BatchJobs.WithKeptEnvironment(store, recorded);
        var first = PlanAttempt(store, id, summary.Attempts.Count + 1, job, unfinished);
        // A stop asked for in the run that ended is not one for this run.
        File.Delete(Path.Combine(store.JobDirectory(id), JobStore.StopRequestFile));
        var manifest = WithLauncher(recorded with
        {
            Spec = job,
            State = JobState.NotStarted,
            Reason = null,
            Ended = null,
            ExitCode = null,
            Batch = null,
            Farm = summary with { Completed = saved.Count - failed, Failed = failed },
        });
        store.Save(manifest);
        var farm = new TaskFarmJob(store, manifest, definition, saved);
        farm.Run(job, summary.MaxRestarts, first);
        return farm;
    }

    /// <summary>Every result saved for farm <paramref name="id"/> of <paramref name="store"/>, by index (from any process, while it runs too).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IReadOnlyList<FarmTaskResult> ReadResults(JobStore store, string id)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(id);
        return FarmFiles.ReadResults(store.JobDirectory(id));
    }

    /// <summary>Every task of farm <paramref name="id"/> of <paramref name="store"/> as it was given (inputs, arguments, script or program).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="JobSpecException">There is no such farm in the store, or its definition cannot be read.</exception>
    public static FarmDefinition ReadDefinition(JobStore store, string id)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(id);
        try
        {
            return FarmFiles.ReadDefinition(store.JobDirectory(id));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new JobSpecException($"There is no task farm {id} in {store.Root}.", JobSpecProblem.NotFound);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new JobSpecException($"The definition of farm {id} cannot be read: {e.Message}", JobSpecProblem.Invalid);
        }
    }

    /// <summary>Waits for the end of the farm; null when <paramref name="timeout"/> passes first.</summary>
    public JobManifest? Wait(TimeSpan? timeout = null) =>
        Completion.Wait(timeout ?? Timeout.InfiniteTimeSpan) ? Completion.Result : null;

    /// <summary>
    /// Stops the farm: its running attempt is stopped as <see cref="ParallelJob.Stop"/> does (at once when
    /// <paramref name="force"/> is set), and no other starts. The results saved so far stay saved and readable.
    /// </summary>
    public void Stop(bool force = false) => RequestStop(JobState.Stopped, "Stopped by the caller.", force);

    /// <summary>Stops the farm if it still runs (nothing of it outlives its launcher object), then frees what it holds.</summary>
    public void Dispose()
    {
        if (!Completion.IsCompleted)
        {
            Stop(force: true);
            Completion.Wait(ParallelJob.StopGrace + TimeSpan.FromSeconds(20));
        }
        _tick.Dispose();
        _timeLimit?.Dispose();
    }

    /// <summary>A farm's progress before any result: its tasks, and the restarts it may use.</summary>
    internal static FarmSummary NewSummary(int taskCount, int maxRestarts) => new(taskCount, 0, 0, 0, []) { MaxRestarts = maxRestarts };

    /// <summary>
    /// Records a farm in the store (its directory, its whole definition, its variables' values kept owner-only for a
    /// resume, its manifest) as NotStarted by this process; with no tasks, as Completed at once.
    /// </summary>
    internal static JobManifest Record(JobStore store, string id, JobSpec job, int maxRestarts, FarmDefinition definition, BatchSubmission? batch)
    {
        var directory = store.JobDirectory(id);
        store.CreateJobDirectory(id);
        FarmFiles.WriteDefinition(directory, definition);
        BatchJobs.KeepEnvironment(directory, job);
        var now = DateTimeOffset.UtcNow;
        var manifest = WithLauncher(new JobManifest
        {
            Id = id,
            Name = job.Name,
            Spec = job,
            Command = [],
            CommandLine = "",
            State = JobState.NotStarted,
            Created = now,
            Batch = batch,
            Farm = NewSummary(definition.Tasks.Count, maxRestarts),
        });
        if (definition.Tasks.Count == 0)
            manifest = manifest with { State = JobState.Completed, Reason = "The farm has no tasks.", Started = now, Ended = now, Batch = null };
        store.Save(manifest);
        return manifest;
    }

    private static JobManifest WithLauncher(JobManifest manifest) => manifest with
    {
        LauncherProcessId = System.Environment.ProcessId,
        LauncherStartTicks = ProcessIdentity.StartTicks(System.Environment.ProcessId),
        LauncherHost = System.Environment.MachineName,
    };

    // An attempt's job: the farm's, on its unfinished tasks only (never more ranks than tasks), without a time limit of
    // its own (the farm's spans the attempts), its definition file its only argument. Checks hosts and mpiexec.
    private static LaunchPlan PlanAttempt(JobStore store, string farmId, int number, JobSpec job, int unfinished)
    {
        var id = JobStore.AttemptId(farmId, number);
        var spec = job with
        {
            Arguments = [Path.Combine(store.JobDirectory(id), TaskFarmContract.DefinitionFile)],
            Ranks = Math.Max(1, Math.Min(job.Ranks, unfinished)),
            TimeLimit = null,
        };
        return ParallelJob.Plan(spec, store, id);
    }

    private void Run(JobSpec job, int restarts, LaunchPlan? first)
    {
        if (first is null)
        {
            Finish(Manifest.State == JobState.Completed ? (JobState.Completed, Manifest.Reason) : ByResults());
            return;
        }
        _ = Task.Run(async () =>
        {
            (JobState, string?) ending;
            try
            {
                ending = await RunAttempts(job, restarts, first).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Whatever went wrong (mpiexec that cannot start, hosts that cannot be planned on, a store that cannot be
                // written), the farm ends saying so: its waiters must not wait for ever.
                ending = (JobState.Failed, Told(e.Message));
            }
            Finish(ending);
        });
    }

    // Attempts until every task has a result, the farm is stopped, or an attempt ends in a way a restart cannot mend.
    private async Task<(JobState, string?)> RunAttempts(JobSpec job, int restartsLeft, LaunchPlan plan)
    {
        while (true)
        {
            var attempt = StartAttempt(plan);
            var ended = await attempt.Completion.ConfigureAwait(false);
            // A last look (results, a stop asked for, the directory gone) before deciding on a restart.
            Poll();
            lock (_gate)
            {
                _attempt = null;
                _cursor = null;
            }
            attempt.Dispose();
            var unfinished = Unfinished();
            if (unfinished.Count == 0)
                return ByResults();
            if (StopRequested() is { } stop)
                return (stop.State, Told(stop.Reason));
            string how = $"Attempt {ended.Id} ended {ended.State}{(ended.Reason is null ? "" : $": {ended.Reason.TrimEnd('.')}")}; {unfinished.Count} of {_definition.Tasks.Count} task(s) have no result";
            if (ended.State is JobState.Completed)
                return (JobState.Failed, Told($"The worker ended without a result for {unfinished.Count} task(s) ({Indices(unfinished.Select(task => task.Index))}) in attempt {ended.Id}."));
            if (ended.State is JobState.Stopped)
                return (JobState.Stopped, Told(how + "."));
            // Ctrl-C in the terminal reaches the ranks too (they share its process group): the user's interrupt, not a lost rank.
            if (ended.RankInfo.Any(rank => rank.Signal == InterruptSignal))
                return (JobState.Stopped, Told(how + "; interrupted (SIGINT), so not restarted."));
            if (restartsLeft == 0)
                return (JobState.Failed, Told(how + (Manifest.Farm!.MaxRestarts > 0 ? "; no restart left." : "; restarts are off.")));
            restartsLeft--;
            var (answering, lost) = Probe(job);
            if (job.Hosts.Count > 0 && answering.Count == 0)
                return (JobState.Failed, Told(how + $"; no host answers any more ({string.Join("; ", lost)})."));
            if (answering.Count > 0 && lost.Count > 0)
                job = job with { Hosts = answering, Ranks = Math.Min(job.Ranks, answering.Sum(host => host.Slots)) };
            string restart = lost.Count > 0
                ? $"{how}: {string.Join("; ", lost)}; restarted on {string.Join(", ", answering.Select(host => host.Host))}."
                : $"{how}; restarted.";
            lock (_gate)
                _restarts.Add(restart);
            Update(farm => farm with { State = JobState.Starting, Reason = restart, Farm = farm.Farm! with { Restarts = farm.Farm.Restarts + 1 } });
            if (StopRequested() is { } stopped)
                return (stopped.State, Told(stopped.Reason));
            plan = PlanAttempt(_store, Id, Manifest.Farm!.Attempts.Count + 1, job, unfinished.Count);
        }
    }

    // Which of the farm's hosts answer now, and why each other does not ("host h2 lost: no answer within 10 s").
    private static (IReadOnlyList<HostSlots> Answering, IReadOnlyList<string> Lost) Probe(JobSpec job)
    {
        // No hosts: this machine, or a batch allocation whose nodes its scheduler reaches, not the agent.
        if (job.Hosts.Count == 0)
            return ([], []);
        var probes = job.Hosts.Select(host => (host, Report: Task.Run(() => HostProbe.Probe(host.Host, job.EffectiveLaunchAgent)))).ToList();
        var answering = probes.Where(probe => probe.Report.Result.Reachable).Select(probe => probe.host).ToList();
        var lost = probes.Where(probe => !probe.Report.Result.Reachable).Select(probe => $"host {probe.host.Host} lost ({probe.Report.Result.Reason})").ToList();
        return (answering, lost);
    }

    private ParallelJob StartAttempt(LaunchPlan plan)
    {
        var directory = _store.JobDirectory(plan.Id);
        _store.CreateJobDirectory(plan.Id);
        var unfinished = Unfinished();
        FarmFiles.WriteAttemptDefinition(directory, _definition, unfinished);
        var now = DateTimeOffset.UtcNow;
        Update(farm => farm with
        {
            State = JobState.Starting,
            Started = farm.Started ?? now,
            Farm = farm.Farm! with { Attempts = [.. farm.Farm.Attempts, plan.Id] },
        });
        var attempt = ParallelJob.Start(plan, _store, new JobManifest
        {
            Id = plan.Id,
            Name = plan.Spec.Name,
            Spec = plan.Spec,
            Command = [],
            CommandLine = "",
            Created = now,
            FarmId = Id,
        });
        attempt.ManifestChanged += (_, changed) => Follow(changed);
        bool stop;
        lock (_gate)
        {
            _attempt = attempt;
            _cursor = _store.Logs(plan.Id).Cursor();
            stop = _stopRequested is not null;
        }
        Follow(attempt.Manifest);
        // A stop asked for while the attempt was being started.
        if (stop)
            attempt.Stop(force: true);
        return attempt;
    }

    // The farm's manifest follows its running attempt's: running once the attempt is, its ranks, its command.
    private void Follow(JobManifest attempt) => Update(farm => farm.IsFinished ? farm : farm with
    {
        State = attempt.State == JobState.Running ? JobState.Running : JobState.Starting,
        RankInfo = attempt.RankInfo,
        Command = attempt.Command,
        CommandLine = attempt.CommandLine,
    });

    private void Poll()
    {
        try
        {
            // Its removal would go unseen otherwise until an attempt ended, and a restart would make it again.
            if (!Directory.Exists(_directory))
                throw new DirectoryNotFoundException("it was removed.");
            if (JobStore.ReadStopRequest(_directory) is { } force)
                RequestStop(JobState.Stopped, "Stopped by the caller.", force);
            ReadResults();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The farm's directory cannot be read or written any more (removed while it ran): the farm ends, saying why.
            RequestStop(JobState.Failed, $"The farm's directory {_directory} could not be read or written while it ran: {e.Message}", force: true);
        }
    }

    // Saves the results the running attempt reported since the last look, each before it is told (TaskFinished).
    private void ReadResults()
    {
        lock (_reading)
        {
            JobLogCursor? cursor;
            ParallelJob? attempt;
            lock (_gate)
            {
                cursor = _cursor;
                attempt = _attempt;
            }
            if (cursor is null || attempt is null)
                return;
            foreach (var record in cursor.Next(null))
            {
                if (FarmTaskResult.FromRecord(record, attempt.Id) is not { } result || result.Index < 0 || result.Index >= _definition.Tasks.Count)
                    continue;
                lock (_gate)
                {
                    if (_saved.Contains(result.Index))
                        continue;
                    // Its program or rank was ended by the stop: it has no outcome of its own, and a resumed farm runs it.
                    if (result.Outcome == FarmOutcome.Failed && _stoppingSince is { } since && record.Timestamp >= since)
                        continue;
                }
                _files.Append(result);
                Update(farm =>
                {
                    _saved.Add(result.Index);
                    if (result.Outcome == FarmOutcome.Failed)
                        _failed.Add(result.Index);
                    return farm with
                    {
                        Farm = farm.Farm! with { Completed = _saved.Count - _failed.Count, Failed = _failed.Count },
                    };
                });
                try
                {
                    TaskFinished?.Invoke(this, result);
                }
                catch (Exception)
                {
                    // A handler's failure must not lose the results after this one, nor end the process from a timer.
                }
            }
        }
    }

    private List<FarmTask> Unfinished()
    {
        lock (_gate)
            return [.. _definition.Tasks.Where(task => !_saved.Contains(task.Index))];
    }

    // How the farm ended when every task has a result (or no task has any to wait for).
    private (JobState, string?) ByResults()
    {
        lock (_gate)
        {
            return _failed.Count == 0
                ? (JobState.Completed, _restarts.Count == 0 ? null : string.Join(" ", _restarts))
                : (JobState.Failed, Told($"{_failed.Count} of {_definition.Tasks.Count} task(s) failed: {Indices(_failed)}."));
        }
    }

    // A reason, after what the restarts before it were for.
    private string Told(string reason)
    {
        lock (_gate)
            return string.Join(" ", [.. _restarts, reason]);
    }

    private static string Indices(IEnumerable<long> indices)
    {
        var listed = indices.Take(21).Select(index => index.ToString(CultureInfo.InvariantCulture)).ToList();
        return listed.Count > 20 ? string.Join(", ", listed.Take(20)) + ", ..." : string.Join(", ", listed);
    }

    private (JobState State, string Reason)? StopRequested()
    {
        lock (_gate)
            return _stopRequested;
    }

    private void RequestStop(JobState state, string reason, bool force)
    {
        ParallelJob? attempt;
        lock (_gate)
        {
            if (_manifest.IsFinished || (_stopRequested is not null && !force))
                return;
            _stopRequested ??= (state, reason);
            _stoppingSince ??= DateTimeOffset.UtcNow;
            attempt = _attempt;
        }
        attempt?.Stop(force);
    }

    private void Finish((JobState State, string? Reason) ending)
    {
        _tick.Dispose();
        _timeLimit?.Dispose();
        _files.Dispose();
        var final = Update(farm => farm with { State = ending.State, Reason = ending.Reason, Ended = DateTimeOffset.UtcNow });
        try
        {
            _writer.Written.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The store could not be written: waiters are still told how the farm ended.
        }
        finally
        {
            _completion.TrySetResult(final);
        }
    }

    // A new version of the farm's manifest (under the lock), written to the store in the background.
    private JobManifest Update(Func<JobManifest, JobManifest> change) => _writer.Update(_gate, ref _manifest, change);
}
