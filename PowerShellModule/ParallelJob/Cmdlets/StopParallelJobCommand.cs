using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Stops parallel jobs, leaving no process of them behind.</para>
/// <para type="description">Stop-ParallelJob asks mpiexec to end each job's ranks, kills what remains after a
/// grace period of a few seconds (at once with -Force), and returns when the job has ended in the Stopped state (showing that wait as progress). It
/// works on jobs started by other sessions or processes too: their launcher is asked through the job store.</para>
/// <para type="description">Its ConfirmImpact is Medium, as for Stop-Job and Stop-Process: a stopped job keeps its
/// records and its state in the store, so stopping is not asked about by default ($ConfirmPreference High) and
/// scripts that stop jobs run unattended. -Confirm (or $ConfirmPreference set to Medium or Low) asks before each job;
/// -Confirm:$false never asks; -WhatIf says which jobs it would stop and stops none.</para>
/// </summary>
/// <example>
/// <code>Get-ParallelJob -Name sweep* | Stop-ParallelJob</code>
/// <para>Stops every job whose name starts with sweep.</para>
/// </example>
/// <example>
/// <code>Get-ParallelJob -State Running | Stop-ParallelJob -Confirm</code>
/// <para>Asks, job by job, whether to stop it (Y, A for all, N, L for none).</para>
/// </example>
/// <example>
/// <code>Stop-ParallelJob -Id 3 -Force -PassThru</code>
/// <para>Kills job 3 at once and returns it.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Stop, "ParallelJob", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PowerShellParallelJob))]
public sealed class StopParallelJobCommand : JobSelectionCmdlet
{
    /// <summary><para>Kill the ranks at once instead of giving them a grace period.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary><para>Return the stopped jobs.</para></summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Stops each selected job and waits for its end.</summary>
    protected override void ProcessRecord()
    {
        foreach (var job in SelectedJobs())
        {
            if (!ShouldProcess($"{job.Name} ({job.JobId})", Force ? "Stop parallel job at once" : "Stop parallel job"))
                continue;
            try
            {
                ShowStopping(job, Force, () => job.StopJob(Force, null));
            }
            catch (LaunchEnvironmentException e)
            {
                WriteError(EnvironmentError(e, job));
                continue;
            }
            if (PassThru)
                WriteObject(job);
        }
    }
}
