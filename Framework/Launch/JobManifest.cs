namespace MPI.Launch;

/// <summary>The life of a job.</summary>
public enum JobState
{
    /// <summary>Recorded, not started yet (a batch job being submitted).</summary>
    NotStarted,

    /// <summary>Submitted to a batch scheduler and waiting in its queue.</summary>
    Queued,

    /// <summary>mpiexec is starting; not every rank has said it started.</summary>
    Starting,

    /// <summary>Every rank has started.</summary>
    Running,

    /// <summary>Ended with every rank ending well (exit code 0).</summary>
    Completed,

    /// <summary>Ended because a rank failed, mpiexec failed, the launcher died, or the scheduler ended it; <see cref="JobManifest.Reason"/> says which.</summary>
    Failed,

    /// <summary>Ended because it was asked to stop (Stop, a stop request, scancel).</summary>
    Stopped,

    /// <summary>Ended because it ran past its time limit or startup deadline (or its batch job's time limit).</summary>
    TimedOut,
}

/// <summary>What the job store keeps about one job (manifest.json in its directory).</summary>
public sealed record JobManifest
{
    /// <summary>The job's id in the store (also its directory's name): sortable by creation time, unique.</summary>
    public required string Id { get; init; }

    /// <summary>The name the job was given, if any.</summary>
    public string? Name { get; init; }

    /// <summary>What the job runs, with the values of its variables redacted.</summary>
    public required JobSpec Spec { get; init; }

    /// <summary>The command that runs the job (mpiexec's, or sbatch's for a batch job), as one line to read.</summary>
    public required string CommandLine { get; init; }

    /// <summary>The same command as its program and arguments.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Where the job is in its life.</summary>
    public JobState State { get; init; }

    /// <summary>Why the job ended as it did (the first failing rank, its exit code or signal, the exception).</summary>
    public string? Reason { get; init; }

    /// <summary>When the job was recorded.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>When mpiexec was started; null before.</summary>
    public DateTimeOffset? Started { get; init; }

    /// <summary>When the job ended; null while it runs (and when the end of a job whose launcher died is unknown).</summary>
    public DateTimeOffset? Ended { get; init; }

    /// <summary>mpiexec's exit code (0 for a job that completed), once ended.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The launching process, so readers can tell a job whose launcher died.</summary>
    public int LauncherProcessId { get; init; }

    /// <summary>When the launching process started, in clock ticks since boot (/proc/PID/stat): tells it from a later process with its id.</summary>
    public long LauncherStartTicks { get; init; }

    /// <summary>The machine the launcher runs on (its process can only be checked from there).</summary>
    public string? LauncherHost { get; init; }

    /// <summary>For a job submitted to a batch scheduler: which, and its id there.</summary>
    public BatchSubmission? Batch { get; init; }

    /// <summary>Where each rank that started ran, and how each ended, in rank order.</summary>
    public IReadOnlyList<RankInfo> RankInfo { get; init; } = [];

    /// <summary>
    /// For a task farm (<see cref="TaskFarmJob"/>): its tasks, results so far, restarts and attempts; null for any other
    /// job. A farm's <see cref="RankInfo"/> and command are those of its latest attempt.
    /// </summary>
    public FarmSummary? Farm { get; init; }

    /// <summary>
    /// For an attempt of a task farm (one mpiexec run of its worker): the farm's id; null for any other job. Attempts
    /// are kept in their farm's directory and left out of <see cref="JobStore.Ids"/>, readable by their own ids.
    /// </summary>
    public string? FarmId { get; init; }

    /// <summary>Whether the job has ended (Completed, Failed, Stopped or TimedOut).</summary>
    public bool IsFinished => State is JobState.Completed or JobState.Failed or JobState.Stopped or JobState.TimedOut;
}

/// <summary>A job's submission to a batch scheduler: the scheduler, the job's id there, and the options it was given.</summary>
/// <param name="Scheduler">The scheduler (<see cref="BatchJobs.Slurm"/>).</param>
/// <param name="BatchJobId">The job's id in the scheduler; null until it accepted the job.</param>
/// <param name="Options">What the scheduler was asked for.</param>
public sealed record BatchSubmission(string Scheduler, string? BatchJobId, BatchOptions Options);

/// <summary>Where a rank ran and how it ended.</summary>
/// <param name="Rank">The rank.</param>
/// <param name="Host">The host it ran on, once known.</param>
/// <param name="ProcessId">Its process id on that host, once known.</param>
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
