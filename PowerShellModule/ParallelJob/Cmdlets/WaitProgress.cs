using System.Management.Automation;

namespace MPI.PowerShell;

/// <summary>
/// The progress records of a wait for parallel jobs: one for the wait (jobs done of all, ranks running, time waited)
/// and one under it per job (its state, its ranks started and finished), written only when their text changes.
/// </summary>
internal sealed class WaitProgress(Cmdlet cmdlet, IReadOnlyList<PowerShellParallelJob> jobs, DateTime started)
{
    // The wait's own record; each job's record is under it, with the job's session id as its activity id.
    private const int WaitActivity = 0;
    private readonly Dictionary<int, string> _shown = [];

    /// <summary>Writes the records whose text changed since they were last written.</summary>
    public void Show()
    {
        int jobsDone = 0, running = 0;
        foreach (var job in jobs)
        {
            var manifest = job.Manifest;
            bool ended = job.Finished.WaitOne(0);
            jobsDone += ended ? 1 : 0;
            int ranksStarted = manifest.RankInfo.Count, ranksFinished = manifest.RankInfo.Count(rank => rank.Finished);
            if (!ended)
                running += ranksStarted - ranksFinished;
            var state = manifest.State == MPI.Launch.JobState.Queued && manifest.Batch is { BatchJobId: { } batchId }
                ? $"Queued (Slurm job {batchId})"
                : manifest.State.ToString();
            // A farm's progress is its tasks'.
            var (done, all) = manifest.Farm is { } farm ? (farm.Completed + farm.Failed, farm.TaskCount) : (ranksFinished, job.Ranks);
            Write(new ProgressRecord(job.Id, $"Parallel job {job.Name} ({job.JobId})",
                manifest.Farm is { } tasks
                    ? $"{state}: {done}/{all} tasks done, {tasks.Failed} failed"
                    : $"{state}: {ranksStarted}/{job.Ranks} ranks started, {ranksFinished}/{job.Ranks} finished")
            {
                ParentActivityId = WaitActivity,
                PercentComplete = Math.Min(100, done * 100 / Math.Max(1, all)),
            });
        }
        var waited = DateTime.UtcNow - started;
        Write(new ProgressRecord(WaitActivity, jobs.Count == 1 ? "Waiting for a parallel job" : $"Waiting for {jobs.Count} parallel jobs",
            $"{jobsDone} of {jobs.Count} jobs done, {running} ranks running, {waited:hh\\:mm\\:ss} elapsed")
        {
            PercentComplete = jobsDone * 100 / Math.Max(1, jobs.Count),
        });
    }

    /// <summary>Writes the completed records: the jobs' first, then the wait's.</summary>
    public void Complete()
    {
        foreach (var job in jobs)
            Write(new ProgressRecord(job.Id, $"Parallel job {job.Name} ({job.JobId})", job.ParallelState.ToString())
            {
                ParentActivityId = WaitActivity,
                RecordType = ProgressRecordType.Completed,
            });
        Write(new ProgressRecord(WaitActivity, "Waiting for parallel jobs", "Done") { RecordType = ProgressRecordType.Completed });
    }

    private void Write(ProgressRecord record)
    {
        var text = $"{record.RecordType} {record.StatusDescription}";
        if (_shown.TryGetValue(record.ActivityId, out var last) && last == text)
            return;
        _shown[record.ActivityId] = text;
        cmdlet.WriteProgress(record);
    }
}
