namespace MPI;

/// <summary>The outcome of one task of <see cref="TaskFarm{TInput, TResult}.MapUnordered"/>.</summary>
/// <typeparam name="TInput">The task's input type.</typeparam>
/// <typeparam name="TResult">The function's result type.</typeparam>
public sealed record TaskResult<TInput, TResult>
{
    internal TaskResult(long index, TInput input, TResult? value, TaskFailedException? exception, int rank, string host,
        int attempts, TimeSpan elapsed)
    {
        Index = index;
        Input = input;
        Value = value;
        Exception = exception;
        Rank = rank;
        Host = host;
        Attempts = attempts;
        Elapsed = elapsed;
    }

    /// <summary>The task's place in the input sequence (0-based).</summary>
    public long Index { get; }

    /// <summary>The task's input (the caller's object, not a copy).</summary>
    public TInput Input { get; }

    /// <summary>The function's result when <see cref="Succeeded"/>; the type's default otherwise.</summary>
    public TResult? Value { get; }

    /// <summary>Why the task failed (after its last attempt); null when it <see cref="Succeeded"/>.</summary>
    public TaskFailedException? Exception { get; }

    /// <summary>Whether the task's last attempt returned a result.</summary>
    public bool Succeeded => Exception is null;

    /// <summary>The rank (in the farm's communicator) that ran the last attempt.</summary>
    public int Rank { get; }

    /// <summary>The name of the host that ran the last attempt (MPI_Get_processor_name there).</summary>
    public string Host { get; }

    /// <summary>How many times the task was run: 1 plus the retries used.</summary>
    public int Attempts { get; }

    /// <summary>How long the last attempt ran, measured on its rank (the function's call, excluding transport).</summary>
    public TimeSpan Elapsed { get; }
}
