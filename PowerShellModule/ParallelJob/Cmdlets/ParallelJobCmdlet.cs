using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>What every cmdlet of the module shares: the job store, error records, following a job to its end.</summary>
public abstract class ParallelJobCmdlet : PSCmdlet, IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private readonly CancellationTokenSource _stopping = new();
    private JobStore? _store;

    /// <summary>The job store (SPMD_JOB_STORE, or the user's data directory).</summary>
    protected JobStore Store
    {
        get
        {
            try
            {
                return _store ??= ParallelJobRegistry.Store();
            }
            catch (JobSpecException e)
            {
                ThrowTerminatingError(SpecError(e, null));
                throw; // not reached: ThrowTerminatingError throws
            }
        }
    }

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Makes the job visible to the built-in job cmdlets of this runspace.</summary>
    protected void Register(PowerShellParallelJob job) => ParallelJobRegistry.Register(JobManager, job);

    /// <summary>The error record for a job specification that cannot run.</summary>
    protected static ErrorRecord SpecError(JobSpecException error, object? target) => error.Problem switch
    {
        JobSpecProblem.NotFound => new ErrorRecord(error, "JobSpecNotFound", ErrorCategory.ObjectNotFound, target),
        JobSpecProblem.Denied => new ErrorRecord(error, "JobStoreDenied", ErrorCategory.PermissionDenied, target),
        JobSpecProblem.Unreachable => new ErrorRecord(error, "HostUnreachable", ErrorCategory.ConnectionError, target),
        _ => new ErrorRecord(error, "InvalidJobSpec", ErrorCategory.InvalidArgument, target),
    };

    /// <summary>
    /// Waits for <paramref name="jobs"/> (any one of them, or all), showing ranks started and finished as progress,
    /// calling <paramref name="onPoll"/> between checks; false when the timeout passed or the user stopped.
    /// </summary>
    protected bool WaitFor(IReadOnlyList<PowerShellParallelJob> jobs, bool any, TimeSpan? timeout, Action? onPoll = null)
    {
        var deadline = timeout is { } limit ? DateTime.UtcNow + limit : DateTime.MaxValue;
        var shown = new Dictionary<PowerShellParallelJob, string>();
        while (true)
        {
            onPoll?.Invoke();
            foreach (var job in jobs)
                ShowProgress(job, shown);
            var ended = jobs.Count(job => job.Finished.WaitOne(0));
            if (any ? ended > 0 : ended == jobs.Count)
            {
                onPoll?.Invoke();
                return true;
            }
            if (DateTime.UtcNow >= deadline || _stopping.Token.WaitHandle.WaitOne(Poll))
                return false;
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
