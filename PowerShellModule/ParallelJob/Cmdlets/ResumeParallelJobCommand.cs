using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Continues task farms that stopped before every task had a result: only the unfinished tasks run.</para>
/// <para type="description">Resume-ParallelJob starts a stopped farm again (one stopped with Stop-Job, out of time,
/// failed beyond its restarts after a host was lost, or whose session ended), from what its job store holds, as
/// dispy's recover file does: the tasks with a saved result keep it, the others run, on the farm's hosts and ranks.
/// The farm keeps its id; Receive-Job on the returned job gets every result, the earlier ones included. A farm that is
/// running or complete is not resumed (an error says which).</para>
/// </summary>
/// <example>
/// <code>Get-ParallelJob -Name sweep | Resume-ParallelJob | Receive-Job -Wait</code>
/// <para>Runs the tasks the sweep farm had left and returns every task's output in input order.</para>
/// </example>
/// <example>
/// <code>Resume-ParallelJob -JobId 20261130-101500-3f9a2c -WhatIf</code>
/// <para>Says which farm would be resumed, and resumes nothing.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Resume, "ParallelJob", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ParallelTaskJob))]
public sealed class ResumeParallelJobCommand : JobSelectionCmdlet
{
    /// <summary><para>Wait for the resumed farms to end, returning their tasks' outputs, instead of the jobs.</para></summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Resumes each selected farm and returns it (or its outputs, with -Wait).</summary>
    protected override void ProcessRecord()
    {
        foreach (var job in SelectedJobs())
        {
            if (job is not ParallelTaskJob farm)
            {
                WriteError(Error(new InvalidOperationException($"Parallel job {job.Name} ({job.JobId}) is not a task farm: only farms are resumed (start the job again with Start-ParallelJob)."),
                    "NotATaskFarm", ErrorCategory.InvalidOperation, job));
                continue;
            }
            if (!ShouldProcess($"{farm.Name} ({farm.JobId}): {farm.CompletedTasks + farm.FailedTasks} of {farm.TaskCount} task(s) with a result", "Resume task farm"))
                continue;
            ParallelTaskJob resumed;
            try
            {
                resumed = ParallelJobRegistry.AddResumed(Store, TaskFarmJob.Resume(Store, farm.JobId));
            }
            catch (JobSpecException e)
            {
                WriteError(Error(e, "FarmNotResumable", ErrorCategory.InvalidOperation, farm,
                    "Only a farm that ended unfinished is resumed: wait for a running farm, or receive a complete one's results."));
                continue;
            }
            Register(resumed);
            WriteVerbose($"Resumed task farm {resumed.Name} ({resumed.JobId}).");
            if (Wait)
                FollowToEnd(resumed);
            else
                WriteObject(resumed);
        }
    }
}
