namespace MPI;

/// <summary>
/// How a <see cref="TaskFarm{TInput, TResult}"/> runs its tasks. Every rank of the farm's communicator passes the
/// same options to <see cref="TaskFarm{TInput, TResult}.Start(Intracommunicator, Func{TInput, TResult}, TaskFarmOptions?)"/>;
/// the coordinator's are the ones that count (except <see cref="TaskTimeLimit"/>, which each rank applies to the
/// tasks it runs).
/// </summary>
public sealed class TaskFarmOptions
{
    /// <summary>The rank (in the farm's communicator) that hands out the tasks and gathers the results. Default 0.</summary>
    public int Coordinator { get; init; }

    /// <summary>
    /// Whether the coordinator also runs tasks, on a thread of its own beside the one that talks to the workers.
    /// Always the case when the communicator has a single rank.
    /// </summary>
    public bool CoordinatorComputes { get; init; }

    /// <summary>
    /// How many tasks travel in one message to a worker (and their results in one message back). Default 1.
    /// 0 chooses automatically: each chunk is the waiting tasks divided by four times the ranks that compute,
    /// between 1 and <see cref="MaxAutomaticChunkSize"/>, so chunks shrink as the farm drains and the ranks finish
    /// together.
    /// </summary>
    public int ChunkSize { get; init; } = 1;

    /// <summary>The largest chunk that <see cref="ChunkSize"/> 0 chooses (tasks).</summary>
    public const int MaxAutomaticChunkSize = 4096;

    /// <summary>
    /// How many more times a task that failed (threw, or ran past <see cref="TaskTimeLimit"/>) is run, each time on
    /// another rank when there is one. Default 0. A task may therefore run more than once, also partly.
    /// </summary>
    public int MaxRetries { get; init; }

    /// <summary>
    /// How long one attempt of a task may run. At the limit the function's <see cref="CancellationToken"/> is
    /// cancelled and the attempt fails with a <see cref="TaskFailedException"/> whose
    /// <see cref="TaskFailedException.RemoteExceptionType"/> is <c>System.TimeoutException</c>. A function that
    /// ignores its token cannot be stopped: it runs to its end (holding its rank), and then fails all the same.
    /// Null (the default): no limit.
    /// </summary>
    public TimeSpan? TaskTimeLimit { get; init; }

    /// <summary>
    /// Receives the farm's counts on the coordinator as tasks are submitted and finish (at most every 50 ms while
    /// tasks run, and once more whenever the farm runs out of work). Called on the farm's dispatch thread: keep it short;
    /// an exception it throws ends the farm (every waiting call throws it).
    /// </summary>
    public IProgress<TaskFarmProgress>? Progress { get; init; }

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range for a communicator of <paramref name="size"/> ranks.</exception>
#pragma warning disable CA2208 // The exceptions name the option at fault, a property of this class.
    internal void Validate(int size)
    {
        if (Coordinator < 0 || Coordinator >= size)
            throw new ArgumentOutOfRangeException(nameof(Coordinator), Coordinator,
                $"The coordinator must be a rank of the communicator (0 to {size - 1}).");
        ArgumentOutOfRangeException.ThrowIfNegative(ChunkSize, nameof(ChunkSize));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        if (TaskTimeLimit is { } limit && limit <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(TaskTimeLimit), limit, "A task time limit must be positive.");
    }
#pragma warning restore CA2208
}
