using System.Management.Automation;
using LaunchState = MPI.Launch.JobState;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Gets parallel jobs: those of this session and of earlier sessions and other processes.</para>
/// <para type="description">Get-ParallelJob lists the jobs of the job store (the SPMD_JOB_STORE directory, or the
/// user's data directory), oldest first, as PowerShell jobs: the ones started in earlier sessions too. Once listed
/// here, they are also what Get-Job, Wait-Job, Receive-Job, Stop-Job and Remove-Job see. A job whose launching
/// session ended while it ran is reported Failed with that reason.</para>
/// <para type="description">It answers from what this process holds: the store is read once, then a watcher over it
/// brings new jobs and every change the jobs' launchers record. It runs no scheduler command and writes nothing: the
/// end of a batch job of another session that its scheduler ended before the job's runner could record it (cancelled
/// in the queue) shows once Wait-ParallelJob or Stop-ParallelJob has asked the scheduler.</para>
/// </summary>
/// <example>
/// <code>Get-ParallelJob</code>
/// <para>Lists every parallel job with its state, ranks, hosts, elapsed time and exit code.</para>
/// </example>
/// <example>
/// <code>Get-ParallelJob -State Running | Stop-ParallelJob</code>
/// <para>Stops every running job. Import-Csv rows and other objects with a JobId, Name or Id property pipe the same way.</para>
/// </example>
/// <example>
/// <code>Get-ParallelJob -Newest 3 -HasMoreData $true | Receive-ParallelJob</code>
/// <para>Receives the records not yet received of the three newest jobs.</para>
/// </example>
/// <example>
/// <code>Get-ParallelJob -State Failed | ForEach-Object { "$($_.JobId): $($_.Reason)" }</code>
/// <para>Shows why each failed job failed (the first failing rank, its exit code, signal or exception).</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "ParallelJob", DefaultParameterSetName = "All")]
[OutputType(typeof(PowerShellParallelJob))]
public sealed class GetParallelJobCommand : JobSelectionCmdlet
{
    /// <summary><para>Only jobs in these states (NotStarted, Queued, Starting, Running, Completed, Failed, Stopped, TimedOut).</para></summary>
    [Parameter]
    public LaunchState[] State { get; set; } = [];

    /// <summary><para>Only the N jobs started (or submitted) most recently, still listed oldest first.</para></summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Newest { get; set; }

    /// <summary><para>Only jobs that have (true) or have not (false) records not yet received.</para></summary>
    [Parameter]
    public bool? HasMoreData { get; set; }

    /// <summary><para>Only jobs that ended after this time.</para></summary>
    [Parameter]
    public DateTime? After { get; set; }

    /// <summary><para>Only jobs that ended before this time.</para></summary>
    [Parameter]
    public DateTime? Before { get; set; }

    /// <summary>Writes the selected jobs that pass every filter, from what this process holds.</summary>
    protected override void ProcessRecord()
    {
        var jobs = SelectedJobs().Where(job =>
            (State.Length == 0 || State.Contains(job.ParallelState))
            && (HasMoreData is not { } more || job.HasMoreData == more)
            && (After is not { } after || job.PSEndTime > after)
            && (Before is not { } before || job.PSEndTime < before)).ToList();
        if (Newest > 0)
        {
            var newest = jobs.OrderByDescending(job => job.PSBeginTime).Take(Newest).ToHashSet();
            jobs = [.. jobs.Where(newest.Contains)];
        }
        WriteObject(jobs, enumerateCollection: true);
    }
}
