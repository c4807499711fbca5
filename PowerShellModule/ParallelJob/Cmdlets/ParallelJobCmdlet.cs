using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>What every cmdlet of the module shares: the job store, error records, following a job to its end.</summary>
public abstract class ParallelJobCmdlet : PSCmdlet, IDisposable
{
    // The longest a wait handle waits at once (a longer -Timeout waits again).
    private static readonly TimeSpan MaximumWait = TimeSpan.FromMilliseconds(int.MaxValue);
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

    /// <summary>The error record for a job specification that cannot run.</summary>
    protected static ErrorRecord SpecError(JobSpecException error, object? target) => error?.Problem switch
    {
        JobSpecProblem.NotFound => new ErrorRecord(error, "JobSpecNotFound", ErrorCategory.ObjectNotFound, target),
        JobSpecProblem.Denied => new ErrorRecord(error, "JobStoreDenied", ErrorCategory.PermissionDenied, target),
        JobSpecProblem.Unreachable => new ErrorRecord(error, "HostUnreachable", ErrorCategory.ConnectionError, target),
        _ => new ErrorRecord(error, "InvalidJobSpec", ErrorCategory.InvalidArgument, target),
    };

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
        return new ErrorRecord(error, id, category, target) { ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = action } };
    }

    /// <summary>
    /// Waits for <paramref name="jobs"/> (any one of them, or all), showing ranks started and finished as progress,
    /// calling <paramref name="onChange"/> whenever a job changed; false when the timeout passed or the user stopped.
    /// It wakes on the jobs' own events, not by polling. Jobs launched elsewhere are first reconciled with what is
    /// outside the store (their scheduler, their launcher's life), and batch jobs are then followed with their scheduler.
    /// </summary>
    protected bool WaitFor(IReadOnlyList<PowerShellParallelJob> jobs, bool any, TimeSpan? timeout, Action? onChange = null)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var deadline = timeout is { } limit ? DateTime.UtcNow + limit : DateTime.MaxValue;
        var shown = new Dictionary<PowerShellParallelJob, string>();
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
            while (true)
            {
                onChange?.Invoke();
                foreach (var job in jobs)
                    ShowProgress(job, shown);
                var ended = jobs.Count(job => job.Finished.WaitOne(0));
                if (any ? ended > 0 : ended == jobs.Count)
                {
                    onChange?.Invoke();
                    return true;
                }
                var left = deadline == DateTime.MaxValue ? Timeout.InfiniteTimeSpan : deadline - DateTime.UtcNow;
                if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
                    return false;
                if (left > MaximumWait)
                    left = MaximumWait;
                if (WaitHandle.WaitAny([changed, _stopping.Token.WaitHandle], left) != 0)
                    return false;
            }
        }
        finally
        {
            foreach (var job in jobs)
                job.Changed -= OnChanged;
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

    private void ShowProgress(PowerShellParallelJob job, Dictionary<PowerShellParallelJob, string> shown)
    {
        var ranks = job.Manifest.RankInfo;
        int started = ranks.Count, finished = ranks.Count(rank => rank.Finished);
        bool ended = job.Finished.WaitOne(0);
        var status = $"{started}/{job.Ranks} ranks started, {finished}/{job.Ranks} finished";
        if (shown.TryGetValue(job, out var last) && last == status && !ended)
            return;
        if (ended && last == "ended")
            return;
        shown[job] = ended ? "ended" : status;
        WriteProgress(new ProgressRecord(job.Id, $"Parallel job {job.Name} ({job.JobId})", status)
        {
            PercentComplete = Math.Min(100, finished * 100 / Math.Max(1, job.Ranks)),
            RecordType = ended ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        });
    }

    /// <summary>
    /// Writes the job's records that <paramref name="query"/> accepts, then, as Receive-Job does, why the job failed
    /// if it did. What is in <paramref name="written"/> is not written again (for following a job); what is written
    /// is added to it.
    /// </summary>
    protected void WriteRecords(PowerShellParallelJob job, IReadOnlyCollection<int>? ranks, LogQuery query, bool keep,
        int? tail = null, HashSet<object>? written = null)
    {
        foreach (var record in job.TakeRecords(ranks, record => query.Matches(record) && written?.Contains(record) != true, keep, tail))
        {
            written?.Add(record);
            WriteObject(record);
        }
        if (ranks is null && job.JobStateInfo is { State: System.Management.Automation.JobState.Failed, Reason: { } failure } && written?.Add(failure) != false)
            WriteError(new ErrorRecord(failure, "ParallelJobFailed", ErrorCategory.OperationStopped, job));
    }
}
