namespace MPI.Logging;

/// <summary>
/// What a rank and the launcher that started it agree on, and nothing more: the environment variables the
/// launcher sets, and how a rank hands it structured log records. Records are compact JSON (CLEF) lines written to
/// the rank's standard error behind <see cref="RecordPrefix"/>; mpiexec forwards every rank's output to the
/// launching machine, so no shared filesystem is needed, and a line written before a rank dies is not lost.
/// </summary>
public static class JobContract
{
    /// <summary>The job's id, set by the launcher; its presence switches a rank to shipping records.</summary>
    public const string JobIdVariable = "SPMD_JOB_ID";

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
