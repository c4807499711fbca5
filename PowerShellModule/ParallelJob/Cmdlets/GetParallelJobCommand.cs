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
/// <code>Get-ParallelJob -State Failed | ForEach-Object { "$($_.JobId): $($_.Reason)" }</code>
/// <para>Shows why each failed job failed (the first failing rank, its exit code, signal or exception).</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "ParallelJob", DefaultParameterSetName = "All")]
[OutputType(typeof(PowerShellParallelJob))]
public sealed class GetParallelJobCommand : JobSelectionCmdlet
{
    /// <summary><para>Only jobs in these states (NotStarted, Starting, Running, Completed, Failed, Stopped, TimedOut).</para></summary>
    [Parameter]
    public LaunchState[] State { get; set; } = [];

    /// <summary>Writes the selected jobs in the chosen states, from what this process holds.</summary>
    protected override void ProcessRecord()
    {
        foreach (var job in SelectedJobs())
        {
            if (State.Length == 0 || State.Contains(job.ParallelState))
                WriteObject(job);
        }
    }
}
