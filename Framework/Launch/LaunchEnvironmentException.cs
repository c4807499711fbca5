namespace MPI.Launch;

/// <summary>
/// The machine or the cluster cannot do what was asked, though the request itself may be sound: the job store cannot
/// be written, the batch scheduler is not installed, or it refused the job. Not an <see cref="ArgumentException"/>:
/// the same request can succeed elsewhere, or once the environment is fixed. <see cref="JobSpecException"/> is for
/// requests that cannot run anywhere.
/// </summary>
public abstract class LaunchEnvironmentException : Exception
{
    /// <summary>An environment failure described by <paramref name="message"/>, caused by <paramref name="inner"/> if given.</summary>
    protected LaunchEnvironmentException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>
/// The job store's directory cannot be created or written (a path through a regular file, a read-only or full
/// filesystem, an immutable directory, no permission). The cause is <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class JobStoreUnwritableException : LaunchEnvironmentException
{
    /// <summary>The store at <paramref name="root"/> could not be written, because of <paramref name="cause"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="root"/> or <paramref name="cause"/> is null.</exception>
    public JobStoreUnwritableException(string root, Exception cause)
        : base($"The job store {root} cannot be written: {cause?.Message}", cause ?? throw new ArgumentNullException(nameof(cause)))
    {
        Root = root ?? throw new ArgumentNullException(nameof(root));
    }

    /// <summary>The store's directory (full path).</summary>
    public string Root { get; }

    /// <summary>
    /// Whether the system refused permission (EACCES, EPERM: not the owner, an immutable directory), rather than the
    /// path or the filesystem being unusable.
    /// </summary>
    public bool PermissionDenied => InnerException is UnauthorizedAccessException;
}

/// <summary>A command of the batch scheduler (sbatch, squeue, sacct, scancel) is not on PATH: the scheduler is not installed here.</summary>
public sealed class SchedulerNotFoundException : LaunchEnvironmentException
{
    /// <summary>Slurm's <paramref name="command"/> was looked for on PATH and not found.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="command"/> is null.</exception>
    public SchedulerNotFoundException(string command)
        : base($"Slurm is not installed here: {command} is not on PATH.")
    {
        Command = command ?? throw new ArgumentNullException(nameof(command));
    }

    /// <summary>The command that is missing (sbatch, squeue, sacct or scancel).</summary>
    public string Command { get; }
}

/// <summary>
/// The batch scheduler refused a job: sbatch ended with an error (an unknown partition or account, a time or node count
/// beyond the partition's limits, a directive it does not accept) or gave no job id. The message carries what it said.
/// </summary>
public sealed class SchedulerRefusedException : LaunchEnvironmentException
{
    /// <summary><paramref name="command"/> refused the job, ending with <paramref name="exitCode"/> and saying <paramref name="said"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="command"/> or <paramref name="said"/> is null.</exception>
    public SchedulerRefusedException(string command, int? exitCode, string said)
        : base($"{command} refused the job: {said?.Trim()}")
    {
        Command = command ?? throw new ArgumentNullException(nameof(command));
        ExitCode = exitCode;
        Said = said?.Trim() ?? throw new ArgumentNullException(nameof(said));
    }

    /// <summary>The scheduler's command that refused (sbatch).</summary>
    public string Command { get; }

    /// <summary>Its exit code; null when it was killed at its deadline.</summary>
    public int? ExitCode { get; }

    /// <summary>What it wrote to its standard error (or its output, when its error stream was empty).</summary>
    public string Said { get; }
}
