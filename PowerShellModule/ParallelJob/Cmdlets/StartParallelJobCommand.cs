using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Starts an MPI program on many ranks, over hosts, as a parallel job.</para>
/// <para type="description">Start-ParallelJob runs a program under mpiexec (Open MPI or MPICH) on the given number of
/// ranks, placed on the given hosts (by default this machine, or the hosts of the Slurm or PBS allocation it runs
/// in), and returns at once a job that Get-Job, Wait-Job, Receive-Job, Stop-Job and Remove-Job work on, with one child
/// job per rank. Every rank's log records and output are gathered into the job store as the job runs, and the job
/// stays in the store for later sessions. With -Wait it streams the log records until the job ends instead.</para>
/// <para type="description">The program is a built .NET job (a .dll, run with dotnet) or an executable.
/// -WhatIf shows the exact mpiexec command and starts nothing.</para>
/// </summary>
/// <example>
/// <code>$job = Start-ParallelJob ./jobs/Pi/bin/Release/net10.0/Pi.dll -Ranks 4 -Name pi</code>
/// <para>Starts the pi job on 4 ranks of this machine and returns the job at once.</para>
/// </example>
/// <example>
/// <code>Start-ParallelJob ./Sweep.dll '--size', 1024 -ComputerName node1:4, node2:4 -MpiImplementation OpenMpi -Wait</code>
/// <para>Runs 8 ranks (the hosts' slots) over two hosts under Open MPI and streams their log records until the job ends.</para>
/// </example>
/// <example>
/// <code>Import-Csv hosts.csv | Start-ParallelJob ./Pi.dll -Ranks 8</code>
/// <para>Runs 8 ranks over the hosts of the file's ComputerName (or HostName) column, with the slots of its Slots column.</para>
/// </example>
/// <example>
/// <code>Start-ParallelJob ./Pi.dll -Ranks 4 -Environment @{ OMP_NUM_THREADS = 1 } -TimeLimit 00:10:00 -WhatIf</code>
/// <para>Shows the mpiexec command that would run, with the variable set for every rank, and starts nothing.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Start, "ParallelJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PowerShellParallelJob), typeof(LogRecord))]
public sealed class StartParallelJobCommand : JobSpecCmdlet
{
    private readonly List<string> _hosts = [];

    /// <summary><para>The hosts to place ranks on, each optionally with slots (node1:4). Inside a Slurm or PBS allocation the default is the allocation's hosts.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("HostName", "Node", "Cn")]
    [ArgumentCompleter(typeof(HostCompleter))]
    public string[] ComputerName { get; set; } = [];

    /// <summary><para>Slots for each host of -ComputerName given without them; taken from the Slots property of objects piped in (a CSV file's Slots column).</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, int.MaxValue)]
    public int Slots { get; set; }

    /// <summary><para>A hostfile in Open MPI syntax (host slots=4) or MPICH syntax (host:4).</para></summary>
    [Parameter]
    public string? HostFile { get; set; }

    /// <summary><para>Refuse to place more ranks on a host than it has slots.</para></summary>
    [Parameter]
    public SwitchParameter NoOversubscribe { get; set; }

    /// <summary><para>The command that starts ranks on other hosts, called as ssh is: agent host command (default: $env:SPMD_LAUNCH_AGENT, else ssh). Hosts are probed through it before the job starts.</para></summary>
    [Parameter]
    public string? LaunchAgent { get; set; }

    /// <summary><para>Wait for the job to end, streaming its log records, instead of returning the job.</para></summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Gathers the hosts given through the pipeline, with their slots.</summary>
    protected override void ProcessRecord() =>
        _hosts.AddRange(Slots > 0 ? ComputerName.Select(host => host.Contains(':', StringComparison.Ordinal) ? host : $"{host}:{Slots}") : ComputerName);

    /// <summary>Starts the job (or, with -WhatIf, shows its command) and returns it, or streams its records with -Wait.</summary>
    protected override void EndProcessing()
    {
        LaunchPlan plan;
        try
        {
            plan = ParallelJob.Plan(Spec(), Store);
        }
        catch (JobSpecException e)
        {
            WriteError(SpecError(e, Program));
            return;
        }
        if (!ShouldProcess(plan.Command.ToString(), "Start parallel job"))
            return;
        // Names only: the values may be secrets.
        WriteDebug($"Variables set for every rank: {string.Join(", ", plan.Command.Environment.Keys)}");
        PowerShellParallelJob job;
        try
        {
            job = ParallelJobRegistry.Add(Store, ParallelJob.Start(plan, Store));
        }
        catch (JobSpecException e)
        {
            WriteError(SpecError(e, Program));
            return;
        }
        Register(job);
        WriteVerbose($"Started parallel job {job.Name} ({job.JobId}): {job.Ranks} rank(s) under {plan.Command.Implementation}, records in {job.Directory}");
        if (!Wait)
        {
            WriteObject(job);
            return;
        }
        FollowToEnd(job);
    }

    private JobSpec Spec()
    {
        var hosts = HostSlots.ParseList(_hosts);
        if (HostFile is not null)
            hosts = [.. hosts, .. HostSlots.ReadHostFile(GetUnresolvedProviderPathFromPSPath(HostFile))];
        return Spec(hosts, JobSpec.DefaultRanks(hosts)) with
        {
            AllowOversubscription = !NoOversubscribe,
            LaunchAgent = LaunchAgent is null ? null : PathOrName(LaunchAgent),
        };
    }
}
