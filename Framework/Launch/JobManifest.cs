namespace MPI.Launch;

/// <summary>The life of a job.</summary>
public enum JobState
{
    NotStarted,

    /// <summary>Submitted to a batch scheduler and waiting in its queue.</summary>
    Queued,
    Starting,
    Running,
    Completed,
    Failed,
    Stopped,
    TimedOut,
}

/// <summary>What the job store keeps about one job (manifest.json in its directory).</summary>
public sealed record JobManifest
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public required JobSpec Spec { get; init; }
    public required string CommandLine { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public JobState State { get; init; }

    /// <summary>Why the job ended as it did (the first failing rank, its exit code or signal, the exception).</summary>
    public string? Reason { get; init; }

    public DateTimeOffset Created { get; init; }
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Ended { get; init; }
    public int? ExitCode { get; init; }

    /// <summary>The launching process, so readers can tell a job whose launcher died.</summary>
    public int LauncherProcessId { get; init; }
    public long LauncherStartTicks { get; init; }

    /// <summary>The machine the launcher runs on (its process can only be checked from there).</summary>
    public string? LauncherHost { get; init; }

    /// <summary>For a job submitted to a batch scheduler: which, and its id there.</summary>
    public BatchSubmission? Batch { get; init; }

    public IReadOnlyList<RankInfo> RankInfo { get; init; } = [];

    public bool IsFinished => State is JobState.Completed or JobState.Failed or JobState.Stopped or JobState.TimedOut;
}

/// <summary>A job's submission to a batch scheduler: the scheduler, the job's id there, and the options it was given.</summary>
public sealed record BatchSubmission(string Scheduler, string? BatchJobId, BatchOptions Options);

/// <summary>Where a rank ran and how it ended.</summary>
public sealed record RankInfo(int Rank, string? Host, int? ProcessId)
{
    /// <summary>Whether the rank reached the end of its MPI work (finalized) normally.</summary>
    public bool Finished { get; init; }

    /// <summary>The process's exit code, when known (not for a rank killed by a signal).</summary>
    public int? ExitCode { get; init; }

    /// <summary>The signal that ended the process, when one did.</summary>
    public int? Signal { get; init; }

    /// <summary>Why the rank failed or did not finish; null for a rank that ended well.</summary>
    public string? Failure { get; init; }

    /// <summary>Something worth knowing about a rank that did not fail (ended by the launcher after its work was done).</summary>
    public string? Note { get; init; }

    /// <summary>Whether the rank did not fail by itself but was ended because the job ended (another rank failed, a stop, the time limit).</summary>
    public bool EndedWithJob { get; init; }

    /// <summary>"Rank 2 (pid 1234 on node1)", or as much of it as is known.</summary>
    public string Describe() => ProcessId is null ? $"Rank {Rank}" : $"Rank {Rank} (pid {ProcessId} on {Host})";
}
