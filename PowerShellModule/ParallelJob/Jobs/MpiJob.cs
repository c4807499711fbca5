using System.ComponentModel;
using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// What parallel jobs and their rank jobs share as PowerShell jobs: they start when created, run to their end or are
/// stopped, and cannot be suspended, resumed or unblocked.
/// </summary>
public abstract class MpiJob : Job2
{
    /// <summary>A job running <paramref name="command"/>, named <paramref name="name"/>, with <paramref name="instanceId"/>.</summary>
    protected MpiJob(string command, string name, Guid instanceId) : base(command, name, instanceId)
    {
    }

    /// <summary>Does nothing: Start-ParallelJob starts the job as it creates it.</summary>
    public override void StartJob()
    {
        // Start-ParallelJob starts the job as it creates it; there is nothing more to start.
    }

    /// <summary>Reports the start as done at once: the job started when it was created.</summary>
    public override void StartJobAsync() => OnStartJobCompleted(new AsyncCompletedEventArgs(null, false, null));

    /// <summary>Stops the job, with the grace period, and waits for its end.</summary>
    public override void StopJob() => StopJob(force: false, reason: null);

    /// <summary>Stops the job, with the grace period, in the background; StopJobCompleted reports the end.</summary>
    public override void StopJobAsync() => StopJobAsync(force: false, reason: null);

    /// <summary>Stops the job (at once when <paramref name="force"/> is set) in the background; StopJobCompleted reports the end or the error.</summary>
    public override void StopJobAsync(bool force, string? reason) => _ = Task.Run(() =>
    {
        Exception? error = null;
        try
        {
            StopJob(force, reason);
        }
        catch (Exception e) when (e is IOException or KeyNotFoundException or LaunchEnvironmentException)
        {
            error = e;
        }
        OnStopJobCompleted(new AsyncCompletedEventArgs(error, false, null));
    });

    /// <summary>Refused: an MPI job cannot be suspended.</summary>
    /// <exception cref="PSNotSupportedException">Always.</exception>
    public override void SuspendJob() => throw Unsupported("suspended");

    /// <summary>Refused: an MPI job cannot be suspended.</summary>
    /// <exception cref="PSNotSupportedException">Always.</exception>
    public override void SuspendJobAsync() => throw Unsupported("suspended");

    /// <summary>Refused: an MPI job cannot be suspended.</summary>
    /// <exception cref="PSNotSupportedException">Always.</exception>
    public override void SuspendJob(bool force, string reason) => throw Unsupported("suspended");

    /// <summary>Refused: an MPI job cannot be suspended.</summary>
    /// <exception cref="PSNotSupportedException">Always.</exception>
    public override void SuspendJobAsync(bool force, string reason) => throw Unsupported("suspended");

    /// <summary>Refused: an MPI job cannot be resumed (it is never suspended).</summary>
    /// <exception cref="PSNotSupportedException">Always.</exception>
    public override void ResumeJob() => throw Unsupported("resumed");

    /// <summary>Refused: an MPI job cannot be resumed (it is never suspended).</summary>
    /// <exception cref="PSNotSupportedException">Always.</exception>
    public override void ResumeJobAsync() => throw Unsupported("resumed");

    /// <summary>Refused: an MPI job is not unblocked by hand (a queued batch job runs when its scheduler starts it).</summary>
    /// <exception cref="PSNotSupportedException">Always.</exception>
    public override void UnblockJob() => throw Unsupported("unblocked");

    /// <summary>Refused: an MPI job is not unblocked by hand (a queued batch job runs when its scheduler starts it).</summary>
    /// <exception cref="PSNotSupportedException">Always.</exception>
    public override void UnblockJobAsync() => throw Unsupported("unblocked");

    private static PSNotSupportedException Unsupported(string what) => new($"A parallel job cannot be {what}: MPI jobs run to their end or are stopped.");
}
