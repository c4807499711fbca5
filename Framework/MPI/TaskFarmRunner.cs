using System.Collections;
using System.Diagnostics;
using System.Globalization;

namespace MPI;

/// <summary>
/// Runs the tasks of one work message and writes the reply (see <see cref="FarmProtocol"/>): each task under its own
/// cancellation token, which the time limit or the coordinator's cancellation of the task's group cancels. Used by a
/// worker rank's serving loop and by the coordinator's compute thread; one chunk at a time.
/// </summary>
internal sealed class TaskFarmRunner<TInput, TResult> : IDisposable
{
    private readonly Func<TInput, CancellationToken, TResult> _function;
    private readonly TimeSpan? _timeLimit;
    private readonly Serialization _serialization;
    private readonly int _coordinator;
    private readonly Lock _gate = new();
    private readonly HashSet<long> _cancelledGroups = [];
    private CancellationTokenSource _source = new();
    private long _runningGroup = -1;
    private bool _cancelledByCoordinator;
    private TResult[] _results = [];
    private long[] _elapsed = [];
    private TaskOutcome[] _outcomes = [];
    private Exception?[] _errors = [];

    public TaskFarmRunner(Func<TInput, CancellationToken, TResult> function, TimeSpan? timeLimit,
        Serialization serialization, int coordinator)
    {
        _function = function;
        _timeLimit = timeLimit;
        _serialization = serialization;
        _coordinator = coordinator;
    }

    public void Dispose() => _source.Dispose();

    /// <summary>The serializer settings inputs and results travel with.</summary>
    public Serialization Serialization => _serialization;

    /// <summary>Whether a task is running now (for the cancellation watchdog).</summary>
    public bool Busy => Volatile.Read(ref _runningGroup) >= 0;

    /// <summary>Drops the group's tasks not yet started and cancels the token of its running one. Any thread.</summary>
    public void CancelGroup(long group)
    {
        lock (_gate)
        {
            _cancelledGroups.Add(group);
            if (_runningGroup == group)
            {
                _cancelledByCoordinator = true;
                _source.Cancel();
            }
        }
    }

    /// <summary>Runs the tasks of <paramref name="work"/> (positioned after its header) and writes the reply into <paramref name="reply"/>.</summary>
    public void Run(ref FarmReader work, int count, long group, FarmBuffer reply)
    {
        if (_results.Length < count)
        {
            int size = Math.Max(count, 2 * _results.Length);
            _results = new TResult[size];
            _elapsed = new long[size];
            _outcomes = new TaskOutcome[size];
            _errors = new Exception?[size];
        }
        int failures = 0;
        bool malformed = false;
        for (int i = 0; i < count; i++)
        {
            TInput input = default!;
            if (!malformed)
            {
                try
                {
                    input = FarmCodec<TInput>.Raw
                        ? FarmCodec<TInput>.ReadRaw(ref work)
                        : FarmCodec<TInput>.ReadSerialized(ref work, _serialization, _coordinator, FarmProtocol.WorkTag);
                }
                catch (InvalidDataException e)
                {
                    malformed = true; // the rest of the message cannot be found: fail each remaining task
                    Fail(i, e, ref failures);
                    continue;
                }
#pragma warning disable CA1031 // An input that cannot be read fails its task, reported to the coordinator.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Fail(i, e, ref failures);
                    continue;
                }
            }
            else
            {
                Fail(i, new InvalidDataException("A task farm message ended early."), ref failures);
                continue;
            }
            RunOne(i, input, group, ref failures);
        }
        WriteReply(reply, count, failures);
    }

    private void Fail(int i, Exception e, ref int failures)
    {
        _outcomes[i] = TaskOutcome.Failed;
        _errors[i] = e;
        _elapsed[i] = 0;
        _results[i] = default!;
        failures++;
    }

    private void RunOne(int i, TInput input, long group, ref int failures)
    {
        CancellationToken token;
        lock (_gate)
        {
            if (_cancelledGroups.Count > 0 && _cancelledGroups.Contains(group))
            {
                _outcomes[i] = TaskOutcome.Cancelled;
                _errors[i] = null;
                _elapsed[i] = 0;
                _results[i] = default!;
                failures++;
                return;
            }
            if (!_source.TryReset())
            {
                _source.Dispose();
                _source = new CancellationTokenSource();
            }
            _cancelledByCoordinator = false;
            _runningGroup = group;
            token = _source.Token;
        }
        if (_timeLimit is { } limit)
            _source.CancelAfter(limit);
        long start = Stopwatch.GetTimestamp();
        Exception? error = null;
        TResult result = default!;
        try
        {
            result = _function(input, token);
        }
#pragma warning disable CA1031 // Whatever the task throws is its failure, reported to the coordinator.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = e;
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        bool cancelled;
        lock (_gate)
        {
            _runningGroup = -1;
            cancelled = _cancelledByCoordinator;
        }
        _elapsed[i] = elapsed.Ticks;
        if (cancelled)
        {
            _outcomes[i] = TaskOutcome.Cancelled;
            _errors[i] = null;
            _results[i] = default!;
            failures++;
            return;
        }
        if (_timeLimit is { } late && (elapsed >= late || (error is OperationCanceledException && token.IsCancellationRequested)))
        {
            var timeout = new TimeoutException(string.Format(CultureInfo.InvariantCulture,
                "The task ran past its time limit of {0} s ({1:0.###} s).", late.TotalSeconds, elapsed.TotalSeconds));
            // What the task attached to its own failure (its output so far, say) still reaches the coordinator.
            if (error is not null)
            {
                foreach (DictionaryEntry entry in error.Data)
                    timeout.Data[entry.Key] = entry.Value;
            }
            error = timeout;
        }
        if (error is not null)
        {
            _outcomes[i] = TaskOutcome.Failed;
            _errors[i] = error;
            _results[i] = default!;
            failures++;
            return;
        }
        _outcomes[i] = TaskOutcome.Succeeded;
        _errors[i] = null;
        _results[i] = result;
    }

    private void WriteReply(FarmBuffer reply, int count, int failures)
    {
        reply.Clear();
        reply.Reserve(FarmProtocol.HeaderSize);
        for (int i = 0; i < count; i++)
            reply.Int64(_elapsed[i]);
        // Serialized results may still fail (a result the serializer refuses), so their outcomes always travel.
        bool withOutcomes = failures > 0 || !FarmCodec<TResult>.Raw;
        int outcomesAt = reply.Length;
        if (withOutcomes)
        {
            reply.Reserve(count);
            reply.Align8();
        }
        if (FarmCodec<TResult>.Raw)
        {
            FarmCodec<TResult>.WriteRaw(reply, _results.AsSpan(0, count));
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                if (_outcomes[i] != TaskOutcome.Succeeded)
                    continue;
                int mark = reply.Length;
                try
                {
                    FarmCodec<TResult>.WriteSerialized(reply, _results[i], _serialization);
                }
#pragma warning disable CA1031 // A result that cannot be serialized fails its task.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    reply.Length = mark;
                    _outcomes[i] = TaskOutcome.Failed;
                    _errors[i] = e;
                    failures++;
                }
            }
            Array.Clear(_results, 0, count);
        }
        for (int i = 0; i < count; i++)
        {
            if (_outcomes[i] == TaskOutcome.Failed)
                WriteFailure(reply, _errors[i]!);
            _errors[i] = null;
            if (withOutcomes)
                reply.Array[outcomesAt + i] = (byte)_outcomes[i];
        }
        reply.Header(count, failures, withOutcomes ? 1 : 0);
    }

    private static void WriteFailure(FarmBuffer reply, Exception error)
    {
        reply.String(error.GetType().FullName ?? error.GetType().Name);
        reply.String(error.Message);
        reply.String(error.StackTrace);
        var entries = new List<(string, string)>();
        foreach (DictionaryEntry entry in error.Data)
        {
            if (entry.Value is string text && entry.Key.ToString() is { } key)
                entries.Add((key, text));
        }
        reply.Int32(entries.Count);
        foreach (var (key, text) in entries)
        {
            reply.String(key);
            reply.String(text);
        }
    }
}
