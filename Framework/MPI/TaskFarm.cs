using System.Runtime.CompilerServices;

namespace MPI;

/// <summary>
/// An SPMD task farm over an intracommunicator, in the manner of mpi4py.futures' MPICommExecutor: every rank calls
/// <see cref="Start(Intracommunicator, Func{TInput, TResult}, TaskFarmOptions?)"/> (collective); the coordinator
/// (<see cref="TaskFarmOptions.Coordinator"/>) gets a farm to hand tasks to with <see cref="Submit"/>,
/// <see cref="Map"/> and <see cref="MapUnordered"/>, while every other rank runs tasks inside <c>Start</c> until the
/// coordinator disposes its farm, and then gets a farm whose <see cref="IsCoordinator"/> is false.
/// <para>
/// Tasks are dealt out dynamically, in chunks of <see cref="TaskFarmOptions.ChunkSize"/>, a few chunks ahead per
/// rank; inputs and results travel as raw memory for unmanaged types and with the communicator's
/// <see cref="Communicator.Serialization"/> otherwise. A task that throws fails alone (a
/// <see cref="TaskFailedException"/> naming its index, rank and host) and is retried up to
/// <see cref="TaskFarmOptions.MaxRetries"/> times on another rank, so a task may run more than once.
/// </para>
/// <para>
/// Threads: the coordinator talks to the workers from a dispatch thread of its own, so MPI must have granted
/// <see cref="Threading.Serialized"/> or more (the default of <see cref="Environment"/>), and while the farm is open
/// no other thread of the coordinator may call MPI unless MPI granted <see cref="Threading.Multiple"/>. The
/// function runs on the worker ranks' calling thread, and on the coordinator on a compute thread of its own
/// (<see cref="TaskFarmOptions.CoordinatorComputes"/>); it must not call MPI on the farm's ranks.
/// </para>
/// </summary>
/// <typeparam name="TInput">The tasks' input type (the same on every rank).</typeparam>
/// <typeparam name="TResult">The function's result type (the same on every rank).</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "Start is the farm's constructor, collective over the ranks; TaskFarm.Map is the non-generic entry.")]
public sealed class TaskFarm<TInput, TResult> : IDisposable
{
    private readonly Intracommunicator? _communicator;
    private readonly TaskFarmDispatcher<TInput, TResult>? _dispatcher;
    private readonly int _coordinator;
    private readonly Serialization _serialization;
    private bool _disposed;

    private TaskFarm(Intracommunicator? communicator, TaskFarmDispatcher<TInput, TResult>? dispatcher, int coordinator,
        int workers, Serialization serialization)
    {
        _communicator = communicator;
        _dispatcher = dispatcher;
        _coordinator = coordinator;
        Workers = workers;
        _serialization = serialization;
    }

    /// <summary>
    /// Starts a farm of <paramref name="function"/> over <paramref name="communicator"/>. Collective: every rank
    /// calls it with the same options. On the coordinator it returns at once; on the other ranks it runs tasks until
    /// the coordinator disposes its farm. Duplicates the communicator (MPI_Comm_dup) for the farm's messages and
    /// gathers the ranks' host names (MPI_Gather).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="communicator"/> or <paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the coordinator is not a rank, a negative chunk size or retry count, a time limit not positive).</exception>
    /// <exception cref="InvalidOperationException">MPI granted less than <see cref="Threading.Serialized"/> thread support.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static TaskFarm<TInput, TResult> Start(Intracommunicator communicator, Func<TInput, TResult> function,
        TaskFarmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Start(communicator, (input, _) => function(input), options);
    }

    /// <summary>
    /// Starts a farm of <paramref name="function"/>, which receives a token cancelled when its task is cancelled or
    /// runs past <see cref="TaskFarmOptions.TaskTimeLimit"/>; otherwise as
    /// <see cref="Start(Intracommunicator, Func{TInput, TResult}, TaskFarmOptions?)"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="communicator"/> or <paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the coordinator is not a rank, a negative chunk size or retry count, a time limit not positive).</exception>
    /// <exception cref="InvalidOperationException">MPI granted less than <see cref="Threading.Serialized"/> thread support.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static TaskFarm<TInput, TResult> Start(Intracommunicator communicator,
        Func<TInput, CancellationToken, TResult> function, TaskFarmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(function);
        options ??= new TaskFarmOptions();
        options.Validate(communicator.Size);
        if (Environment.Threading < Threading.Serialized)
            throw new InvalidOperationException(
                $"A task farm needs MPI thread support Serialized or Multiple (its coordinator talks to the workers " +
                $"from a thread of its own, and workers watch for cancellation on a timer), but MPI granted " +
                $"{Environment.Threading}. Initialize MPI with Threading.Serialized (the default of Environment).");
        var farm = (Intracommunicator)communicator.Clone();
        farm.Serialization = communicator.Serialization;
        string[]? hosts = null;
        try
        {
            hosts = farm.Gather(Environment.ProcessorName, options.Coordinator);
        }
        catch
        {
            farm.Dispose();
            throw;
        }
        int size = farm.Size;
        int workers = size - 1 + (options.CoordinatorComputes || size == 1 ? 1 : 0);
        var runner = new TaskFarmRunner<TInput, TResult>(function, options.TaskTimeLimit, communicator.Serialization,
            options.Coordinator);
        if (farm.Rank == options.Coordinator)
        {
            var dispatcher = new TaskFarmDispatcher<TInput, TResult>(farm, runner, options, hosts!);
            return new TaskFarm<TInput, TResult>(farm, dispatcher, options.Coordinator, workers, communicator.Serialization);
        }
        try
        {
            TaskFarmWorker.Serve(farm, runner, options.Coordinator);
        }
        finally
        {
            runner.Dispose();
            farm.Dispose();
        }
        return new TaskFarm<TInput, TResult>(null, null, options.Coordinator, workers, communicator.Serialization);
    }

    /// <summary>Whether this rank is the coordinator (the one that can submit tasks).</summary>
    public bool IsCoordinator => _dispatcher is not null;

    /// <summary>How many ranks run tasks: every rank but the coordinator, plus the coordinator when it computes (or is alone).</summary>
    public int Workers { get; }

    /// <summary>
    /// Submits one task; its result, or its failure as a <see cref="TaskFailedException"/> (whose
    /// <see cref="TaskFailedException.TaskIndex"/> counts the tasks submitted before it), comes as a task. Coordinator only.
    /// </summary>
    /// <exception cref="InvalidOperationException">This rank is not the coordinator.</exception>
    /// <exception cref="ObjectDisposedException">The farm has been disposed.</exception>
    /// <exception cref="ArgumentException">The input cannot be serialized.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled already (later cancellation cancels the returned task).</exception>
    public Task<TResult> Submit(TInput input, CancellationToken cancellationToken = default)
    {
        var dispatcher = Coordinator();
        cancellationToken.ThrowIfCancellationRequested();
        var group = new SubmitGroup<TInput, TResult>(input, dispatcher.NextSubmitIndex(), _serialization);
        dispatcher.Enqueue(group, cancellationToken);
        return group.Completion;
    }

    /// <summary>
    /// Runs the function on every input over the farm and returns the results in input order, once every task has
    /// ended. With no inputs it returns an empty array at once. Coordinator only.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="inputs"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This rank is not the coordinator.</exception>
    /// <exception cref="ObjectDisposedException">The farm has been disposed.</exception>
    /// <exception cref="ArgumentException">An input cannot be serialized (the message names its index); no task ran.</exception>
    /// <exception cref="TaskFailedException">A task failed after its retries: the one with the lowest index, thrown after every task ended.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled: waiting tasks are dropped, running ones have their token cancelled.</exception>
    public TResult[] Map(IEnumerable<TInput> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var dispatcher = Coordinator();
        cancellationToken.ThrowIfCancellationRequested();
        var array = inputs.ToArray();
        if (array.Length == 0)
            return [];
        var group = new MapGroup<TInput, TResult>(array, _serialization);
        dispatcher.Enqueue(group, cancellationToken);
        return group.Completion.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs the function on every input over the farm and yields each outcome as it arrives (failures are results,
    /// not throws). The tasks start at once; leaving the enumeration early cancels those not finished.
    /// Coordinator only.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="inputs"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This rank is not the coordinator.</exception>
    /// <exception cref="ObjectDisposedException">The farm has been disposed.</exception>
    /// <exception cref="ArgumentException">An input cannot be serialized (the message names its index); no task ran.</exception>
    /// <exception cref="OperationCanceledException">Thrown by the enumeration when <paramref name="cancellationToken"/> (or the enumerator's token) was cancelled.</exception>
    public IAsyncEnumerable<TaskResult<TInput, TResult>> MapUnordered(IEnumerable<TInput> inputs,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var dispatcher = Coordinator();
        cancellationToken.ThrowIfCancellationRequested();
        var array = inputs.ToArray();
        if (array.Length == 0)
            return Empty();
        var group = new UnorderedGroup<TInput, TResult>(array, _serialization);
        var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        dispatcher.Enqueue(group, abandon.Token);
        return Read(group, abandon, CancellationToken.None);
    }

    private static async IAsyncEnumerable<TaskResult<TInput, TResult>> Empty()
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield break;
    }

    private static async IAsyncEnumerable<TaskResult<TInput, TResult>> Read(UnorderedGroup<TInput, TResult> group,
        CancellationTokenSource abandon, [EnumeratorCancellation] CancellationToken enumeratorToken = default)
    {
        using var linked = enumeratorToken.Register(abandon.Cancel);
        int received = 0;
        try
        {
            while (await group.Results.WaitToReadAsync(abandon.Token).ConfigureAwait(false))
            {
                while (group.Results.TryRead(out var result))
                {
                    received++;
                    yield return result;
                }
            }
        }
        finally
        {
            if (received < group.Inputs.Length)
                abandon.Cancel(); // left early: the tasks not finished are dropped
            abandon.Dispose();
        }
    }

    /// <summary>
    /// On the coordinator: waits for every submitted task to end, then releases the workers (their
    /// <c>Start</c> returns) and frees the farm's communicator. Call it (a <c>using</c> or a <c>finally</c>) even when
    /// the coordinator's code fails, or the workers wait for ever. Does nothing on other ranks, or again.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_dispatcher is null)
            return;
        _dispatcher.Dispose();
        _communicator?.Dispose();
    }

    private TaskFarmDispatcher<TInput, TResult> Coordinator()
    {
        if (_dispatcher is null)
            throw new InvalidOperationException(
                $"Only the coordinator (rank {_coordinator}) hands out a task farm's tasks; this rank served them and its farm has ended.");
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _dispatcher;
    }
}

/// <summary>The one-call form of a task farm: <see cref="Map"/>.</summary>
public static class TaskFarm
{
    /// <summary>
    /// Maps <paramref name="function"/> over <paramref name="inputs"/> with a task farm on
    /// <paramref name="communicator"/>: every rank calls it (collective); the coordinator's inputs are used (other
    /// ranks may pass null) and it gets the results in input order, the others an empty array. The workers are
    /// released however the coordinator's part ends.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="communicator"/> or <paramref name="function"/> is null, or the coordinator's <paramref name="inputs"/> is.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">MPI granted less than <see cref="Threading.Serialized"/> thread support.</exception>
    /// <exception cref="ArgumentException">An input cannot be serialized (the message names its index).</exception>
    /// <exception cref="TaskFailedException">On the coordinator: a task failed after its retries (the lowest index).</exception>
    /// <exception cref="OperationCanceledException">On the coordinator: <paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static TResult[] Map<TInput, TResult>(Intracommunicator communicator, IEnumerable<TInput>? inputs,
        Func<TInput, TResult> function, TaskFarmOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var farm = TaskFarm<TInput, TResult>.Start(communicator, function, options);
        if (!farm.IsCoordinator)
            return [];
        ArgumentNullException.ThrowIfNull(inputs);
        return farm.Map(inputs, cancellationToken);
    }
}
