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
/// <para type="description">It submits a task farm too, as Start-ParallelTaskJob runs one: -ScriptBlock with inputs
/// from the pipeline (or -InputObject) runs the script block once per input; a program with -ArgumentTemplate (or
/// with inputs) runs the program once per input, {} in the template standing for it. The farm runs inside the
/// allocation (restarts included), its results are saved in the job store as they arrive, and the job is followed as
/// any batch job; Receive-Job returns the outputs in input order.</para>
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
/// <code>1..1000 | Submit-ParallelBatchJob { $_ * $_ } -Ranks 16 -Nodes 2 -TasksPerNode 8 -Time 01:00:00 | Receive-Job -Wait</code>
/// <para>Submits a farm of 1,000 script blocks over 16 ranks of two nodes; returns the squares in input order.</para>
/// </example>
/// <example>
/// <code>Submit-ParallelBatchJob ./simulate -ArgumentTemplate '--seed={}' -InputObject (1..64) -Ranks 8 -MaxRetries 1</code>
/// <para>Submits one run of the program per seed over 8 ranks; Receive-Job returns each run's output and exit code.</para>
/// </example>
/// <example>
/// <code>Submit-ParallelBatchJob ./Sweep.dll -Ranks 4 -Prologue 'module load dotnet' -Directive '--exclusive' -WhatIf</code>
/// <para>Shows the batch script that would be submitted, and submits nothing.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Submit, "ParallelBatchJob", DefaultParameterSetName = ProgramSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PowerShellParallelJob), typeof(ParallelTaskJob), typeof(LogRecord))]
public sealed class SubmitParallelBatchJobCommand : BatchJobCmdlet
{
    private const string ScriptBlockSet = "ScriptBlock";
    private readonly List<PSObject?> _inputs = [];

    /// <summary><para>Submits a task farm of this script block, run once per input with the input as $_ ($using: and -ArgumentList as for Start-ParallelTaskJob).</para></summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptBlockSet)]
    [ScriptBlockTransformation]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <summary><para>Submits a task farm of the program, run once per input with these arguments, {} standing for the input.</para></summary>
    [Parameter(ParameterSetName = ProgramSet)]
    public string[]? ArgumentTemplate { get; set; }

    /// <summary><para>The inputs of a task farm, one task each, from the pipeline or given here.</para></summary>
    [Parameter(ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public PSObject?[] InputObject { get; set; } = [];

    /// <summary><para>For a farm: how many more times a failed task is run (0 by default).</para></summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxRetries { get; set; }

    /// <summary><para>For a farm: a task's attempt fails when it runs longer than this.</para></summary>
    [Parameter]
    public TimeSpan? TaskTimeLimit { get; set; }

    /// <summary><para>For a farm: how many times it restarts by itself after a rank or host was lost (1 by default).</para></summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxRestarts { get; set; } = 1;

    /// <summary><para>For a farm: how many tasks go to a rank at a time (1 by default; 0: chosen by the farm).</para></summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int ChunkSize { get; set; } = 1;

    // A farm: a script block, or a program with a template or inputs.
    private bool IsFarm => ScriptBlock is not null || ArgumentTemplate is not null || _inputs.Count > 0;

    /// <summary>Gathers a farm's inputs from the pipeline (or -InputObject).</summary>
    protected override void ProcessRecord() => _inputs.AddRange(InputObject ?? [null]);

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
            TaskFarmSpec? farm = null;
            if (IsFarm)
            {
                var request = new FarmRequest(ScriptBlock, ScriptBlock is null ? spec.Program : null, ArgumentTemplate ?? [], _inputs,
                    [.. ArgumentList], MaxRetries, TaskTimeLimit, ChunkSize);
                if (TaskFarmCmdlet.Build(this, request) is not { } definition)
                    return;
                farm = new TaskFarmSpec { Job = spec with { Program = TaskFarmJob.DefaultWorker, Arguments = [] }, Definition = definition, MaxRestarts = MaxRestarts };
                spec = farm.Job;
            }
            if (!ShouldProcess(BatchJobs.Script(spec, options, Store, "<job id>"), farm is null ? "Submit parallel batch job" : $"Submit task farm of {farm.Definition.Tasks.Count} task(s) as a batch job"))
                return;
            var submitted = farm is null ? BatchJobs.Submit(spec, options, Store) : BatchJobs.Submit(farm, options, Store);
            var job = ParallelJobRegistry.AddSubmitted(Store, submitted);
            Register(job);
            if (Wait)
                FollowToEnd(job);
            else
                WriteObject(job);
        }
        catch (JobSpecException e)
        {
            WriteError(SpecError(e, ScriptBlock is null ? Program : ScriptBlock));
        }
        catch (LaunchEnvironmentException e)
        {
            WriteError(EnvironmentError(e, Program));
        }
    }
}
