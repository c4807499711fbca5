using System.ComponentModel;
using System.Management.Automation;

namespace MPI.PowerShell;

/// <summary>
/// What parallel jobs and their rank jobs share as PowerShell jobs: they start when created, run to their end or are
/// stopped, and cannot be suspended, resumed or unblocked.
/// </summary>
public abstract class MpiJob : Job2
{
    protected MpiJob(string command, string name, Guid instanceId) : base(command, name, instanceId)
    {
    }

    public override void StartJob()
    {
        // Start-ParallelJob starts the job as it creates it; there is nothing more to start.
    }

    public override void StartJobAsync() => OnStartJobCompleted(new AsyncCompletedEventArgs(null, false, null));

    public override void StopJob() => StopJob(force: false, reason: null);

    public override void StopJobAsync() => StopJobAsync(force: false, reason: null);

    public override void StopJobAsync(bool force, string? reason) => _ = Task.Run(() =>
    {
        Exception? error = null;
        try
        {
            StopJob(force, reason);
        }
        catch (Exception e) when (e is IOException or KeyNotFoundException)
        {
            error = e;
        }
        OnStopJobCompleted(new AsyncCompletedEventArgs(error, false, null));
    });

    public override void SuspendJob() => throw Unsupported("suspended");
    public override void SuspendJobAsync() => throw Unsupported("suspended");
    public override void SuspendJob(bool force, string reason) => throw Unsupported("suspended");
    public override void SuspendJobAsync(bool force, string reason) => throw Unsupported("suspended");
    public override void ResumeJob() => throw Unsupported("resumed");
    public override void ResumeJobAsync() => throw Unsupported("resumed");
    public override void UnblockJob() => throw Unsupported("unblocked");
    public override void UnblockJobAsync() => throw Unsupported("unblocked");

    private static PSNotSupportedException Unsupported(string what) => new($"A parallel job cannot be {what}: MPI jobs run to their end or are stopped.");
}
