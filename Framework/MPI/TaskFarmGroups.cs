using System.Threading.Channels;

namespace MPI;

/// <summary>
/// The tasks of one Submit, Map or MapUnordered call, as the coordinator's dispatcher keeps them: the inputs
/// (serialized up front unless raw, so an input that cannot be serialized fails the call), the next one to hand out,
/// the retries each used, and what to do with each outcome. Touched by the dispatch thread only, after the caller's
/// thread built it.
/// </summary>
internal abstract class FarmGroup<TInput, TResult>
{
    private static long _ids;
    private int[]? _retries;

    protected FarmGroup(TInput[] inputs, long baseIndex, Serialization serialization)
    {
        Id = Interlocked.Increment(ref _ids);
        Inputs = inputs;
        BaseIndex = baseIndex;
        Remaining = inputs.Length;
        if (FarmCodec<TInput>.Raw)
            return;
        var frames = new FarmBuffer();
        Offsets = new int[inputs.Length + 1];
        for (int i = 0; i < inputs.Length; i++)
        {
            Offsets[i] = frames.Length;
            try
            {
                FarmCodec<TInput>.WriteSerialized(frames, inputs[i], serialization);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
#pragma warning disable CA1507 // The caller's parameter: Map's and MapUnordered's inputs.
                throw new ArgumentException(
                    $"Input {baseIndex + i} of the task farm ({typeof(TInput)}) cannot be serialized: {e.Message}", "inputs", e);
#pragma warning restore CA1507
            }
        }
        Offsets[inputs.Length] = frames.Length;
        Frames = frames.Array;
    }

    /// <summary>The id the workers know the group by (for cancellation).</summary>
    public long Id { get; }

    public TInput[] Inputs { get; }

    /// <summary>Added to a task's place in <see cref="Inputs"/> to give its index in exceptions and results.</summary>
    public long BaseIndex { get; }

    /// <summary>The serialized inputs (non-raw types), input i's record from <c>Offsets[i]</c> to <c>Offsets[i + 1]</c>.</summary>
    public byte[]? Frames { get; }

    public int[]? Offsets { get; }

    /// <summary>The first input not yet handed out.</summary>
    public int Next { get; set; }

    /// <summary>Tasks without a final outcome yet.</summary>
    public int Remaining { get; private set; }

    /// <summary>The registration of the caller's cancellation token, disposed when the group ends.</summary>
    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>Whether the group has ended (all done, cancelled or faulted): what still arrives for it is dropped.</summary>
    public bool Ended { get; private set; }

    public int Attempts(int i) => 1 + (_retries is null ? 0 : _retries[i]);

    public void CountRetry(int i) => (_retries ??= new int[Inputs.Length])[i]++;

    public void Succeed(int i, TResult value, int rank, string host, TimeSpan elapsed)
    {
        OnSucceeded(i, value, rank, host, elapsed);
        Finish();
    }

    public void Fail(int i, TaskFailedException exception, TimeSpan elapsed)
    {
        OnFailed(i, exception, elapsed);
        Finish();
    }

    /// <summary>Ends the group as cancelled by <paramref name="token"/>.</summary>
    public void Cancel(CancellationToken token)
    {
        if (Ended)
            return;
        End();
        OnCancelled(token);
    }

    /// <summary>Ends the group with the dispatcher's own failure.</summary>
    public void Fault(Exception exception)
    {
        if (Ended)
            return;
        End();
        OnFaulted(exception);
    }

    private void Finish()
    {
        if (--Remaining > 0)
            return;
        End();
        OnCompleted();
    }

    private void End()
    {
        Ended = true;
        Registration.Dispose();
    }

    protected abstract void OnSucceeded(int i, TResult value, int rank, string host, TimeSpan elapsed);

    protected abstract void OnFailed(int i, TaskFailedException exception, TimeSpan elapsed);

    protected abstract void OnCompleted();

    protected abstract void OnCancelled(CancellationToken token);

    protected abstract void OnFaulted(Exception exception);
}

/// <summary>A Map call: results in input order; the lowest-index failure is thrown once every task has ended.</summary>
internal sealed class MapGroup<TInput, TResult>(TInput[] inputs, Serialization serialization)
    : FarmGroup<TInput, TResult>(inputs, 0, serialization)
{
    private readonly TaskCompletionSource<TResult[]> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TResult[] _results = new TResult[inputs.Length];
    private TaskFailedException? _first;

    public Task<TResult[]> Completion => _done.Task;

    protected override void OnSucceeded(int i, TResult value, int rank, string host, TimeSpan elapsed) => _results[i] = value;

    protected override void OnFailed(int i, TaskFailedException exception, TimeSpan elapsed)
    {
        if (_first is null || exception.TaskIndex < _first.TaskIndex)
            _first = exception;
    }

    protected override void OnCompleted()
    {
        if (_first is not null)
            _done.TrySetException(_first);
        else
            _done.TrySetResult(_results);
    }

    protected override void OnCancelled(CancellationToken token) => _done.TrySetCanceled(token);

    protected override void OnFaulted(Exception exception) => _done.TrySetException(exception);
}

/// <summary>A Submit call: one task, its result or failure as a task.</summary>
internal sealed class SubmitGroup<TInput, TResult>(TInput input, long index, Serialization serialization)
    : FarmGroup<TInput, TResult>([input], index, serialization)
{
    private readonly TaskCompletionSource<TResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TResult> Completion => _done.Task;

    protected override void OnSucceeded(int i, TResult value, int rank, string host, TimeSpan elapsed) => _done.TrySetResult(value);

    protected override void OnFailed(int i, TaskFailedException exception, TimeSpan elapsed) => _done.TrySetException(exception);

    protected override void OnCompleted() { }

    protected override void OnCancelled(CancellationToken token) => _done.TrySetCanceled(token);

    protected override void OnFaulted(Exception exception) => _done.TrySetException(exception);
}

/// <summary>A MapUnordered call: each outcome written to a channel as it arrives.</summary>
internal sealed class UnorderedGroup<TInput, TResult>(TInput[] inputs, Serialization serialization)
    : FarmGroup<TInput, TResult>(inputs, 0, serialization)
{
    private readonly Channel<TaskResult<TInput, TResult>> _results =
        Channel.CreateUnbounded<TaskResult<TInput, TResult>>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });

    public ChannelReader<TaskResult<TInput, TResult>> Results => _results.Reader;

    protected override void OnSucceeded(int i, TResult value, int rank, string host, TimeSpan elapsed) =>
        _results.Writer.TryWrite(new TaskResult<TInput, TResult>(i, Inputs[i], value, null, rank, host, Attempts(i), elapsed));

    protected override void OnFailed(int i, TaskFailedException exception, TimeSpan elapsed) =>
        _results.Writer.TryWrite(new TaskResult<TInput, TResult>(i, Inputs[i], default, exception, exception.Rank,
            exception.Host, exception.Attempts, elapsed));

    protected override void OnCompleted() => _results.Writer.TryComplete();

    protected override void OnCancelled(CancellationToken token) =>
        _results.Writer.TryComplete(new OperationCanceledException(token));

    protected override void OnFaulted(Exception exception) => _results.Writer.TryComplete(exception);
}
