using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>What every cmdlet of the module shares: the job store, error records, following a job to its end.</summary>
public abstract class ParallelJobCmdlet : PSCmdlet, IDisposable
{
    // How often a wait shows the time it has waited.
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stopping = new();
    private JobStore? _store;

    /// <summary>The job store (SPMD_JOB_STORE, or the user's data directory); a store that cannot be written ends the cmdlet with an error.</summary>
    protected JobStore Store
    {
        get
        {
            try
            {
                return _store ??= ParallelJobRegistry.Store();
            }
            catch (JobStoreUnwritableException e)
            {
                ThrowTerminatingError(EnvironmentError(e, e.Root));
                throw; // not reached: ThrowTerminatingError throws
            }
        }
    }

    /// <summary>Ends a wait (Ctrl+C).</summary>
    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>Releases what a wait holds.</summary>
    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Makes the job visible to the built-in job cmdlets of this runspace.</summary>
    protected void Register(PowerShellParallelJob job) => ParallelJobRegistry.Register(JobManager, job);

    /// <summary>
    /// The error record for a job specification that cannot run: an ErrorId and category for what is wrong (the
    /// program, a host, the ranks, the MPI implementation...), the wrong value as the target (else
    /// <paramref name="target"/>), and what to do about it where there is something to say.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    protected static ErrorRecord SpecError(JobSpecException error, object? target)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (id, category, action) = (error.Field, error.Problem) switch
        {
            (JobSpecField.Program, JobSpecProblem.NotFound) => ("ProgramNotFound", ErrorCategory.ObjectNotFound,
                "Check the program's path (relative paths start at the current location), or build the job first (dotnet build)."),
            (JobSpecField.Program, _) => ("ProgramMissing", ErrorCategory.InvalidArgument, "Give the program: a built .NET job (.dll) or an executable."),
            (JobSpecField.Ranks, _) => ("InvalidRankCount", ErrorCategory.InvalidArgument,
                "Give at least one rank, and no more than the hosts' slots unless oversubscription is allowed."),
            (JobSpecField.Host, JobSpecProblem.NotFound) => ("HostNotFound", ErrorCategory.ObjectNotFound, "Check the host name or use Test-ParallelHost."),
            (JobSpecField.Host, JobSpecProblem.Unreachable) => ("HostUnreachable", ErrorCategory.ConnectionError,
                "Check the host with Test-ParallelHost; the launch agent (ssh) must reach it without a password prompt."),
            (JobSpecField.Host, _) => ("InvalidHost", ErrorCategory.InvalidArgument, "Name each host once, as name or name:slots (slots at least 1)."),
            (JobSpecField.HostFile, JobSpecProblem.NotFound) => ("HostFileNotFound", ErrorCategory.ObjectNotFound, "Check the hostfile's path."),
            (JobSpecField.HostFile, _) => ("InvalidHostFile", ErrorCategory.InvalidData, "Write one host per line, as 'host slots=N' or 'host:N'."),
            (JobSpecField.Implementation, JobSpecProblem.NotFound) => ("MpiNotInstalled", ErrorCategory.NotInstalled, InstallAction(error.Value)),
            (JobSpecField.Implementation, _) => ("UnknownMpiImplementation", ErrorCategory.InvalidArgument, "Use Auto, OpenMpi or Mpich."),
            (JobSpecField.WorkingDirectory, _) => ("WorkingDirectoryNotFound", ErrorCategory.ObjectNotFound,
                "Give an existing directory as -WorkingDirectory, or leave it out to use the current location."),
            (JobSpecField.Environment, _) => ("InvalidEnvironmentVariableName", ErrorCategory.InvalidArgument,
                "Name each variable without '=' or ','."),
            (JobSpecField.TimeLimit, _) => ("InvalidTimeLimit", ErrorCategory.InvalidArgument, "Give a positive time span."),
            (JobSpecField.Name, _) => ("InvalidJobName", ErrorCategory.InvalidArgument, "Give a name with a visible character and no line breaks or tabs, or none."),
            (JobSpecField.Batch, _) => ("InvalidBatchOptions", ErrorCategory.InvalidArgument,
                "Name the partition, account and job name with letters, digits, '.', '_' and '-'; give positive nodes, tasks and time; write each -Directive as one sbatch option (--mem=4G)."),
            (_, JobSpecProblem.NotFound) => ("JobSpecNotFound", ErrorCategory.ObjectNotFound, null),
            (_, JobSpecProblem.Denied) => ("JobStoreDenied", ErrorCategory.PermissionDenied, null),
            (_, JobSpecProblem.Unreachable) => ("HostUnreachable", ErrorCategory.ConnectionError, null),
            _ => ("InvalidJobSpec", ErrorCategory.InvalidArgument, (string?)null),
        };
        return Error(error, id, category, error.Value ?? target, action);
    }

    // What installs the MPI that was asked for (Debian/Ubuntu package names), or what to check when its mpiexec is
    // there but did not start.
    private static string InstallAction(object? implementation) => implementation switch
    {
        MpiImplementation.Mpich => "Install MPICH (apt install mpich), or choose another implementation with -MpiImplementation.",
        MpiImplementation.OpenMpi => "Install Open MPI (apt install openmpi-bin), or choose another implementation with -MpiImplementation.",
        MpiImplementation.Auto => "Install Open MPI (apt install openmpi-bin) or MPICH (apt install mpich).",
        _ => $"Check that {implementation} runs here (mpiexec --version); reinstall the MPI it belongs to if it does not.",
    };

    /// <summary>
    /// An error record with its id, category and target, and, when <paramref name="action"/> is given, that
    /// recommended action (the message stays the exception's).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    protected static ErrorRecord Error(Exception error, string id, ErrorCategory category, object? target, string? action = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var record = new ErrorRecord(error, id, category, target);
        if (action is not null)
            record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = action };
        return record;
    }

    /// <summary>
    /// The error record for an environment that cannot do what was asked (the store not writable, Slurm missing or
    /// refusing the job), with the category that says so and what to do about it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    protected static ErrorRecord EnvironmentError(LaunchEnvironmentException error, object? target)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (id, category, action) = error switch
        {
            JobStoreUnwritableException { PermissionDenied: true } => ("JobStoreDenied", ErrorCategory.PermissionDenied,
                $"Make the job store writable by you, or set ${JobStore.LocationVariable} to a directory you can write."),
            JobStoreUnwritableException => ("JobStoreUnavailable", ErrorCategory.ResourceUnavailable,
                $"Set ${JobStore.LocationVariable} to a directory on a writable filesystem with free space."),
            SchedulerNotFoundException => ("SlurmNotInstalled", ErrorCategory.NotInstalled,
                "Run this where Slurm's client commands (sbatch, squeue, sacct, scancel) are on PATH, or run the job here with Start-ParallelJob."),
            SchedulerRefusedException => ("BatchJobRefused", ErrorCategory.ResourceUnavailable,
                "Ask for what the cluster offers: check the partition, account, time limit, nodes and directives (sinfo, sacctmgr show associations)."),
            _ => ("LaunchEnvironment", ErrorCategory.ResourceUnavailable, "Check the machine's set-up."),
        };
        return Error(error, id, category, target, action);
    }

    /// <summary>
    /// Waits for <paramref name="jobs"/> (any one of them, or all), calling <paramref name="onChange"/> whenever a job
    /// changed; false when the timeout passed or the user stopped. It wakes on the jobs' own events, and once a
    /// second to show the time waited. Progress: one record for the wait (jobs done of all, ranks running, time
    /// waited) and one under it per job (its state, ranks started and finished), each completed when the wait ends.
    /// Jobs launched elsewhere are first reconciled with what is outside the store (their scheduler, their
    /// launcher's life), and batch jobs are then followed with their scheduler.
    /// </summary>
    protected bool WaitFor(IReadOnlyList<PowerShellParallelJob> jobs, bool any, TimeSpan? timeout, Action? onChange = null)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var started = DateTime.UtcNow;
        var deadline = timeout is { } limit ? started + limit : DateTime.MaxValue;
        var progress = new WaitProgress(this, jobs, started);
        using var changed = new AutoResetEvent(false);
        void OnChanged(object? sender, EventArgs e)
        {
            try
            {
                changed.Set();
            }
            catch (ObjectDisposedException)
            {
                // The wait is over.
            }
        }
        foreach (var job in jobs)
            job.Changed += OnChanged;
        try
        {
            Reconcile(jobs);
            var woken = true;
            while (true)
            {
                if (woken)
                    onChange?.Invoke();
                progress.Show();
                var ended = jobs.Count(job => job.Finished.WaitOne(0));
                if (any ? ended > 0 : ended == jobs.Count)
                {
                    onChange?.Invoke();
                    progress.Complete();
                    return true;
                }
                var left = deadline == DateTime.MaxValue ? ProgressInterval : deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    progress.Complete();
                    return false;
                }
                var woke = WaitHandle.WaitAny([changed, _stopping.Token.WaitHandle], left < ProgressInterval ? left : ProgressInterval);
                if (woke == 1)
                    return false;
                woken = woke == 0;
            }
        }
        finally
        {
            foreach (var job in jobs)
                job.Changed -= OnChanged;
        }
    }

    /// <summary>Streams all of <paramref name="job"/>'s records until it ends, with the wait's progress (what -Wait does).</summary>
    protected void FollowToEnd(PowerShellParallelJob job)
    {
        var all = new LogQuery();
        var written = new HashSet<object>(ReferenceEqualityComparer.Instance);
        WaitFor([job], any: false, timeout: null, () => WriteRecords(job, null, all, keep: false, written: written));
    }

    /// <summary>
    /// Runs <paramref name="stop"/>, which stops <paramref name="job"/> and waits for its end (a grace period of
    /// seconds, more for a batch job's scheduler), showing that wait as progress.
    /// </summary>
    private protected void ShowStopping(PowerShellParallelJob job, bool force, Action stop)
    {
        const int StopActivity = 1;
        var activity = $"Stopping parallel job {job.Name} ({job.JobId})";
        WriteProgress(new ProgressRecord(StopActivity, activity, force ? "Killing its ranks" : "Asking its ranks to end (grace period, then killed)"));
        try
        {
            stop();
        }
        finally
        {
            WriteProgress(new ProgressRecord(StopActivity, activity, job.ParallelState.ToString()) { RecordType = ProgressRecordType.Completed });
        }
    }

    // Asks, for the jobs not launched here, what the store cannot know by itself, once for all (one squeue for every
    // batch job); batch jobs are then followed with their scheduler until they end.
    private void Reconcile(IReadOnlyList<PowerShellParallelJob> jobs)
    {
        foreach (var store in jobs.Where(job => !job.IsLaunchedHere && !job.IsConcluded).GroupBy(job => job.Store))
        {
            try
            {
                store.Key.Reconcile(store.Select(job => job.JobId));
            }
            catch (LaunchEnvironmentException e)
            {
                WriteError(EnvironmentError(e, store.First()));
            }
            foreach (var job in store)
            {
                job.Wake();
                BatchFollower.Follow(job);
            }
        }
    }

    /// <summary>
    /// Writes the job's records that <paramref name="query"/> accepts (a farm's: its tasks' outputs and errors, in
    /// input order), then, as Receive-Job does, why the job failed if it did. What is in <paramref name="written"/> is not written again (for following a job); what is written
    /// is added to it.
    /// </summary>
    protected void WriteRecords(PowerShellParallelJob job, IReadOnlyCollection<int>? ranks, LogQuery query, bool keep,
        int? tail = null, HashSet<object>? written = null)
    {
        // A farm's output is its tasks' outputs and errors, in input order.
        var items = job is ParallelTaskJob farm
            ? farm.TakeResults(keep).Where(item => written?.Contains(item) != true)
            : job.TakeRecords(ranks, record => query.Matches(record) && written?.Contains(record) != true, keep, tail);
        foreach (var item in items)
        {
            written?.Add(item);
            if (item is ErrorRecord error)
                WriteError(error);
            else
                WriteObject(item);
        }
        if (ranks is null && job.JobStateInfo is { State: System.Management.Automation.JobState.Failed, Reason: { } failure } && written?.Add(failure) != false)
            WriteError(Error(failure, "ParallelJobFailed", ErrorCategory.OperationStopped, job,
                $"Receive-ParallelJob -JobId {job.JobId} -Level Warning -Keep shows the failing rank's warnings and errors."));
    }
}
