using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// Asks the batch scheduler about the batch jobs this process follows, so that one its scheduler ends before its
/// runner records the end (cancelled in the queue, failed before the runner started, out of time) ends here too. The
/// scheduler raises no event anyone could watch, so it is asked every <see cref="JobStoreWatcher.SafetyNet"/>: one
/// <see cref="JobStore.Reconcile"/> per store for all the jobs at once (one squeue, and one sacct for those squeue no
/// longer lists). A job is followed from when this process submits it, waits for it or stops it, until it ends; jobs
/// only read from the store are not, so reading runs no scheduler command.
/// </summary>
internal static class BatchFollower
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<PowerShellParallelJob> Followed = [];
    private static Timer? _timer;

    /// <summary>Follows <paramref name="job"/> with its scheduler until it ends (nothing for a job that is not a batch job).</summary>
    public static void Follow(PowerShellParallelJob job)
    {
        if (job.Manifest.Batch is null || job.IsConcluded)
            return;
        lock (Gate)
        {
            // One answer at a time: the timer is armed again once an answer is in.
            if (Followed.Add(job) && _timer is null)
                _timer = new Timer(_ => Ask(), null, JobStoreWatcher.SafetyNet, Timeout.InfiniteTimeSpan);
        }
    }

    private static void Ask()
    {
        List<PowerShellParallelJob> jobs;
        lock (Gate)
        {
            Followed.RemoveWhere(job => job.IsConcluded);
            jobs = [.. Followed];
        }
        foreach (var store in jobs.GroupBy(job => job.Store))
        {
            try
            {
                store.Key.Reconcile(store.Select(job => job.JobId));
            }
            catch (Exception e) when (e is LaunchEnvironmentException or IOException)
            {
                // Asked again next time; Wait-ParallelJob reports such a failure when it asks.
            }
            // What was recorded raises the store's watcher too, unless the store is on a network filesystem.
            foreach (var job in store)
                job.Wake();
        }
        lock (Gate)
        {
            Followed.RemoveWhere(job => job.IsConcluded);
            if (Followed.Count > 0)
            {
                _timer!.Change(JobStoreWatcher.SafetyNet, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _timer!.Dispose();
                _timer = null;
            }
        }
    }
}
