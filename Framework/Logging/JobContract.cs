namespace MPI.Logging;

/// <summary>
/// What a rank and the launcher that started it agree on, and nothing more: the environment variables the
/// launcher sets, and how a rank hands it structured log records (compact JSON, CLEF, one per line). With
/// <see cref="RecordDirectoryVariable"/> set, a rank appends its records to its own file in that directory on its
/// node, one write per record: cheap, and the kernel keeps what was written even if the rank is killed a moment
/// later; the launcher reads the files as they grow. Without it, records go to standard error behind
/// <see cref="RecordPrefix"/> and reach the launcher through mpiexec's output forwarding.
/// </summary>
public static class JobContract
{
    /// <summary>The job's id, set by the launcher; its presence switches a rank to shipping records.</summary>
    public const string JobIdVariable = "SPMD_JOB_ID";

    /// <summary>The node-local directory where each rank appends its records (see <see cref="RecordFile"/>).</summary>
    public const string RecordDirectoryVariable = "SPMD_RECORD_DIR";

    /// <summary>The file in the record directory that holds one rank's records.</summary>
    public static string RecordFile(int rank) => $"rank-{rank}.clef";

    /// <summary>Marks a standard-error line as a structured record rather than plain output.</summary>
    public const string RecordPrefix = "@spmd-record ";

    /// <summary>The record each rank sends once MPI is initialized: the launcher learns where it runs.</summary>
    public const string StartedTemplate = "Rank {Rank} of {Size} started on {Host}";

    /// <summary>The record each rank sends when it finalizes MPI: a rank that vanishes without it failed.</summary>
    public const string FinishedTemplate = "Rank {Rank} finished";

    /// <summary>The properties every rank record carries.</summary>
    public const string RankProperty = "Rank", SizeProperty = "Size", HostProperty = "Host",
        JobIdProperty = "JobId", ProcessIdProperty = "ProcessId";
}
