using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Runs a script block or a program once per input, as tasks over the ranks and hosts of an MPI job (a task farm).</para>
/// <para type="description">Start-ParallelTaskJob is ForEach-Object -Parallel over hosts, or a parametric sweep: each
/// input from the pipeline (or -InputObject) is one task, handed out to the ranks as they become free. A script block
/// runs in a PowerShell runspace on its rank, with the input as $_, $using: variables of this session and
/// -ArgumentList; the hosts need .NET and the module folder, not pwsh. A program runs with the arguments of
/// -ArgumentTemplate, where {} stands for the input. -ThrottleLimit is the number of ranks, so of tasks at once.</para>
/// <para type="description">It returns at once a job (PSJobTypeName ParallelTaskJob) with one child job per task, that
/// Get-Job, Wait-Job, Receive-Job, Stop-Job and Remove-Job work on. Receive-Job returns the outputs in input order: a
/// script block's objects deserialized, as from remoting; for a program, one object per task with its Output
/// (stdout), StandardError and ExitCode. A failed task is an error record (TaskFailed, TaskTimedOut,
/// TaskProgramNotFound) whose TargetObject is the task's input and whose message names the task's index, rank and host.</para>
/// <para type="description">Every finished task's result is saved in the job store as it arrives: the farm is found
/// by Get-ParallelJob in later sessions, results included; a farm that stopped (Stop-Job, its time limit, a host
/// lost beyond -MaxRestarts, its session ended) keeps its results and Resume-ParallelJob runs the tasks left. A task
/// may run more than once (a retry, a restart after a host was lost), but its result is saved once. With -Wait it
/// returns the outputs as they come, in input order, instead of the job. Inputs that cannot be serialized, a script
/// block that does not parse and $using: variables that are not defined are refused before anything starts.</para>
/// </summary>
/// <example>
/// <code>1..100 | Start-ParallelTaskJob { $_ * $_ } -ThrottleLimit 4 | Receive-Job -Wait -AutoRemoveJob</code>
/// <para>Squares 100 numbers on 4 ranks of this machine and returns the squares in input order.</para>
/// </example>
/// <example>
/// <code>$size = 4096; Get-ChildItem *.bin | Start-ParallelTaskJob { ./pack $_.FullName $using:size } -Cn node1:8, node2:8</code>
/// <para>Runs one task per file over 16 ranks of two hosts, with this session's $size.</para>
/// </example>
/// <example>
/// <code>1..20 | Start-ParallelTaskJob -Program ./simulate -ArgumentTemplate '--seed={}' -MaxRetries 2 -TaskTimeLimit 0:05:00</code>
/// <para>Runs the program once per seed, a failing seed up to 3 times, each run at most five minutes.</para>
/// </example>
/// <example>
/// <code>$job = 1..10 | Start-ParallelTaskJob { param($scale) $_ * $scale } -ArgumentList 3 -WhatIf</code>
/// <para>Shows the farm and the mpiexec command that would run, and starts nothing.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Start, "ParallelTaskJob", DefaultParameterSetName = ScriptBlockSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ParallelTaskJob), typeof(PSObject), typeof(ParallelTaskResult))]
public sealed class StartParallelTaskJobCommand : TaskFarmCmdlet
{
    /// <summary><para>The hosts to place ranks on, each optionally with slots (node1:4). Inside a Slurm or PBS allocation the default is the allocation's hosts.</para></summary>
    [Parameter]
    [Alias("HostName", "Node", "Cn")]
    [ArgumentCompleter(typeof(HostCompleter))]
    public string[] ComputerName { get; set; } = [];

    /// <summary><para>A hostfile in Open MPI syntax (host slots=4) or MPICH syntax (host:4).</para></summary>
    [Parameter]
    public string? HostFile { get; set; }

    /// <summary><para>Refuse to place more ranks on a host than it has slots.</para></summary>
    [Parameter]
    public SwitchParameter NoOversubscribe { get; set; }

    /// <summary><para>The command that starts ranks on other hosts, called as ssh is: agent host command (default: $env:SPMD_LAUNCH_AGENT, else ssh).</para></summary>
    [Parameter]
    public string? LaunchAgent { get; set; }

    /// <summary><para>Wait for the farm to end, returning the tasks' outputs (in input order) as they come, instead of the job.</para></summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Starts the farm (or, with -WhatIf, describes it) and returns its job, or its outputs with -Wait.</summary>
    protected override void EndProcessing()
    {
        TaskFarmSpec? spec;
        LaunchPlan plan;
        try
        {
            var hosts = HostSlots.ParseList(ComputerName);
            if (HostFile is not null)
                hosts = [.. hosts, .. HostSlots.ReadHostFile(GetUnresolvedProviderPathFromPSPath(HostFile))];
            spec = FarmSpec(hosts, JobSpec.DefaultRanks(hosts));
            if (spec is null)
                return;
            spec = spec with
            {
                Job = spec.Job with
                {
                    AllowOversubscription = !NoOversubscribe,
                    LaunchAgent = LaunchAgent is null ? null : PathOrName(LaunchAgent),
                },
            };
            plan = ParallelJob.Plan(spec.Job, Store);
        }
        catch (JobSpecException e)
        {
            WriteError(SpecError(e, ParameterSetName == ProgramSet ? Program : ScriptBlock));
            return;
        }
        if (!ShouldProcess($"{Describe(spec)}: {plan.Command}", "Start parallel task job"))
            return;
        ParallelTaskJob job;
        try
        {
            job = ParallelJobRegistry.AddFarm(Store, TaskFarmJob.Start(spec, Store), spec.Definition, InputValues());
        }
        catch (JobSpecException e)
        {
            WriteError(SpecError(e, ParameterSetName == ProgramSet ? Program : ScriptBlock));
            return;
        }
        Register(job);
        WriteVerbose($"Started task farm {job.Name} ({job.JobId}): {job.TaskCount} task(s) on {spec.Job.Ranks} rank(s), results in {job.Directory}");
        if (Wait)
            FollowToEnd(job);
        else
            WriteObject(job);
    }
}
