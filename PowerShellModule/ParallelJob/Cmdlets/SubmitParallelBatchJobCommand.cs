using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Submits an MPI program to Slurm as a batch job, tracked like any parallel job.</para>
/// <para type="description">Submit-ParallelBatchJob writes a batch script for the job (the same parameters as
/// Start-ParallelJob, plus the scheduler's: partition, nodes, tasks per node, time, account, further directives and a
/// prologue) and submits it with sbatch. In the allocation, the launcher starts mpiexec on the allocated hosts and
/// records the job in the job store as for any job, so Get-ParallelJob, Wait-ParallelJob, Receive-ParallelJob and
/// Stop-ParallelJob (which cancels it with scancel) handle it alike; while it waits in the queue its state is Queued
/// (Blocked for Get-Job). The job store and the module folder must be on a filesystem the nodes share. -WhatIf shows
/// the script and submits nothing; Export-ParallelJobScript writes it to a file.</para>
/// <para type="description">It returns once sbatch has queued the job. With -Wait it waits instead, as
/// Start-ParallelJob -Wait does: showing the job queued, then its ranks, as progress, and streaming its log records
/// until it ends.</para>
/// </summary>
/// <example>
/// <code>$job = Submit-ParallelBatchJob ./Pi.dll -Ranks 8 -Nodes 2 -TasksPerNode 4 -Partition batch -Time 00:30:00</code>
/// <para>Submits the pi job on 8 ranks over 2 nodes; $job | Wait-ParallelJob | Receive-ParallelJob then reads its logs.</para>
/// </example>
/// <example>
/// <code>Submit-ParallelBatchJob ./Pi.dll -Ranks 4 -Partition batch -Wait | Where-Object Level -EQ Error</code>
/// <para>Submits the job, waits while it is queued and runs, and keeps its errors.</para>
/// </example>
/// <example>
/// <code>Submit-ParallelBatchJob ./Sweep.dll -Ranks 4 -Prologue 'module load dotnet' -Directive '--exclusive' -WhatIf</code>
/// <para>Shows the batch script that would be submitted, and submits nothing.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Submit, "ParallelBatchJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PowerShellParallelJob), typeof(LogRecord))]
public sealed class SubmitParallelBatchJobCommand : BatchJobCmdlet
{
    /// <summary><para>Wait for the job to start and end, streaming its log records, instead of returning the job.</para></summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Submits the job (or, with -WhatIf, shows its script) and returns it, or streams its records with -Wait.</summary>
    protected override void EndProcessing()
    {
        try
        {
            var spec = BatchSpec();
            var options = Options();
            if (!ShouldProcess(BatchJobs.Script(spec, options, Store, "<job id>"), "Submit parallel batch job"))
                return;
            var submitted = BatchJobs.Submit(spec, options, Store);
            var job = ParallelJobRegistry.AddSubmitted(Store, submitted);
            Register(job);
            if (Wait)
                FollowToEnd(job);
            else
                WriteObject(job);
        }
        catch (JobSpecException e)
        {
            WriteError(SpecError(e, Program));
        }
        catch (LaunchEnvironmentException e)
        {
            WriteError(EnvironmentError(e, Program));
        }
    }
}
