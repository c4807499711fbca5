using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Removes parallel jobs: their directories in the job store, with their logs.</para>
/// <para type="description">Remove-ParallelJob deletes each job's directory (manifest and every rank's logs) from the
/// job store, so no session sees it again. A job that is still running is refused, unless -Force is given: then it
/// is stopped first.</para>
/// <para type="description">Its ConfirmImpact is Medium, as for Remove-Job and Remove-Item: removing is for good,
/// but cleaning up finished jobs is routine, so it is not asked about by default ($ConfirmPreference High) and
/// scripts run unattended. -Confirm (or $ConfirmPreference set to Medium or Low) asks before each job;
/// -Confirm:$false never asks; -WhatIf says which jobs and directories it would remove and removes none.</para>
/// </summary>
/// <example>
/// <code>Get-ParallelJob -State Completed | Remove-ParallelJob</code>
/// <para>Removes every completed job.</para>
/// </example>
/// <example>
/// <code>Import-Csv old-jobs.csv | Remove-ParallelJob -Confirm</code>
/// <para>Removes the jobs named by the JobId column of a file written by Get-ParallelJob | Export-Csv, asking for each.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "ParallelJob", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveParallelJobCommand : JobSelectionCmdlet
{
    /// <summary><para>Stop a running job first instead of refusing to remove it.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Removes each selected job from the store.</summary>
    protected override void ProcessRecord()
    {
        foreach (var job in SelectedJobs())
        {
            if (!ShouldProcess($"{job.Name} ({job.JobId}) and its logs in {job.Directory}", "Remove parallel job"))
                continue;
            try
            {
                if (Force && !job.Finished.WaitOne(0))
                    ShowStopping(job, force: true, () => ParallelJobRegistry.Remove(job, Force));
                else
                    ParallelJobRegistry.Remove(job, Force);
            }
            catch (InvalidOperationException e)
            {
                WriteError(Error(e, "ParallelJobRunning", ErrorCategory.InvalidOperation, job,
                    "Stop the job first (Stop-ParallelJob), or give -Force to stop and remove it."));
            }
            catch (IOException e)
            {
                WriteError(Error(e, "ParallelJobNotRemoved", ErrorCategory.WriteError, job,
                    $"Check that you may delete {job.Directory} and that no process holds files in it open."));
            }
            catch (LaunchEnvironmentException e)
            {
                WriteError(EnvironmentError(e, job));
            }
        }
    }
}
