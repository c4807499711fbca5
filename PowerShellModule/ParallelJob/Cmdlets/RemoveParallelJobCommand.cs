using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Removes parallel jobs: their directories in the job store, with their logs.</para>
/// <para type="description">Remove-ParallelJob deletes each job's directory (manifest and every rank's logs) from the
/// job store, so no session sees it again. A job that is still running is refused, unless -Force is given: then it
/// is stopped first.</para>
/// </summary>
/// <example>
/// <code>Get-ParallelJob -State Completed | Remove-ParallelJob</code>
/// <para>Removes every completed job.</para>
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
                ParallelJobRegistry.Remove(job, Force);
            }
            catch (InvalidOperationException e)
            {
                WriteError(new ErrorRecord(e, "ParallelJobRunning", ErrorCategory.InvalidOperation, job));
            }
            catch (IOException e)
            {
                WriteError(new ErrorRecord(e, "ParallelJobNotRemoved", ErrorCategory.WriteError, job));
            }
            catch (LaunchEnvironmentException e)
            {
                WriteError(EnvironmentError(e, job));
            }
        }
    }
}
