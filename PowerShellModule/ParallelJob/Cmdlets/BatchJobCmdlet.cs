using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>The parameters of a batch job: the job's, and what the scheduler is asked for.</summary>
public abstract class BatchJobCmdlet : JobSpecCmdlet
{
    /// <summary><para>The scheduler's partition (queue) to run in; by default the cluster's default partition.</para></summary>
    [Parameter]
    [Alias("Queue")]
    public string? Partition { get; set; }

    /// <summary><para>How many nodes to allocate; by default as many as the scheduler needs for the ranks.</para></summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Nodes { get; set; }

    /// <summary><para>How many ranks to place on each node.</para></summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int TasksPerNode { get; set; }

    /// <summary><para>The scheduler's time limit for the whole batch job (sbatch --time).</para></summary>
    [Parameter]
    public TimeSpan? Time { get; set; }

    /// <summary><para>The account the batch job is charged to.</para></summary>
    [Parameter]
    public string? Account { get; set; }

    /// <summary><para>Further sbatch options, one per entry, as they would follow #SBATCH (e.g. '--exclusive', '--mem=4G').</para></summary>
    [Parameter]
    public string[] Directive { get; set; } = [];

    /// <summary><para>Shell lines run in the allocation before the job starts (module loads, environment set-up).</para></summary>
    [Parameter]
    public string? Prologue { get; set; }

    /// <summary>The job: ranks default to nodes × tasks per node, else one per task the scheduler gives.</summary>
    protected JobSpec BatchSpec() => Spec([], Nodes > 0 && TasksPerNode > 0 ? Nodes * TasksPerNode : Math.Max(1, TasksPerNode));

    /// <summary>What the scheduler is asked for, from the parameters.</summary>
    protected BatchOptions Options() => new()
    {
        Partition = Partition,
        Nodes = Nodes > 0 ? Nodes : null,
        TasksPerNode = TasksPerNode > 0 ? TasksPerNode : null,
        Time = Time,
        Account = Account,
        Directives = Directive,
        Prologue = Prologue,
    };
}
