using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Gets the log records of parallel jobs: every rank's events and output, as objects.</para>
/// <para type="description">Receive-ParallelJob returns a job's log records in time order: the structured events
/// each rank logged and the lines it printed, each with Timestamp, Rank, Host, Level, Message, Properties and
/// Exception. As Receive-Job does, it returns only the records not received before, unless -Keep is given. -Rank,
/// -Level and -Tail choose which records; -Wait follows a running job until it ends. A failed job's reason comes
/// last, as an error.</para>
/// </summary>
/// <example>
/// <code>Receive-ParallelJob -JobId 20261130-101500-3f9a2c -Rank 2 -Level Warning -Keep</code>
/// <para>Shows rank 2's warnings, errors and fatal events, leaving them to be received again.</para>
/// </example>
/// <example>
/// <code>Get-ParallelJob -Name sweep* | Receive-ParallelJob -Tail 5 -Keep</code>
/// <para>Shows the last five records of every job whose name starts with sweep.</para>
/// </example>
/// <example>
/// <code>$job | Receive-ParallelJob -Wait</code>
/// <para>Follows a running job's records as they arrive, until the job ends.</para>
/// </example>
[Cmdlet(VerbsCommunications.Receive, "ParallelJob", DefaultParameterSetName = ByJob)]
[OutputType(typeof(LogRecord))]
public sealed class ReceiveParallelJobCommand : JobSelectionCmdlet
{
    /// <summary><para>Only the records of these ranks.</para></summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int[]? Rank { get; set; }

    /// <summary><para>The lowest level to include: Verbose, Debug, Information, Warning, Error or Fatal.</para></summary>
    [Parameter]
    [ValidateSet(typeof(LevelNames))]
    public string? Level { get; set; }

    /// <summary><para>Only the last N records.</para></summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    [Alias("Last")]
    public int Tail { get; set; }

    /// <summary><para>Leave the records to be received again (by default what is received is not returned again).</para></summary>
    [Parameter]
    public SwitchParameter Keep { get; set; }

    /// <summary><para>Follow running jobs: return records as they arrive, until the jobs end.</para></summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Writes each selected job's records, following it to its end with -Wait.</summary>
    protected override void ProcessRecord()
    {
        var query = new LogQuery { MinimumLevel = Level };
        foreach (var job in SelectedJobs())
        {
            // A rank the job does not have is a mistake, not a rank that logged nothing.
            int size = job.Manifest.Spec.Ranks;
            foreach (var rank in (Rank ?? []).Where(rank => rank >= size))
            {
                WriteError(Error(new ArgumentOutOfRangeException(nameof(Rank), rank, $"Job {job.Name} ({job.JobId}) has ranks 0 to {size - 1}: there is no rank {rank}."),
                    "RankOutOfRange", ErrorCategory.InvalidArgument, rank, $"Give ranks from 0 to {size - 1}."));
            }
            int? tail = Tail > 0 ? Tail : null;
            var written = new HashSet<object>(ReferenceEqualityComparer.Instance);
            WriteRecords(job, Rank, query, Keep, tail, written);
            if (Wait)
                WaitFor([job], any: false, timeout: null, () => WriteRecords(job, Rank, query, Keep, written: written));
        }
    }

    /// <summary>The level names, from the one list the launcher's queries use.</summary>
    public sealed class LevelNames : IValidateSetValuesGenerator
    {
        /// <summary>Verbose, Debug, Information, Warning, Error, Fatal.</summary>
        public string[] GetValidValues() => [.. LogQuery.Levels];
    }
}
