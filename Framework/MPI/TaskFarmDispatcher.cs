using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace MPI;

/// <summary>
/// The coordinator's side of a task farm, on a thread of its own (the only one of this rank that calls MPI while the
/// farm is open): takes the groups of tasks that Submit/Map/MapUnordered hand it, deals them out in chunks to the
/// ranks that compute, keeping up to <see cref="Depth"/> chunks queued at each so none waits for its next message,
/// matches each reply with its chunk (replies come back in order per rank), retries failures on another rank, and
/// completes the groups. Dynamic: a rank gets more work when it returns some, so faster ranks run more tasks.
/// </summary>
internal sealed class TaskFarmDispatcher<TInput, TResult> : IDisposable
{
    // Chunks queued per rank: enough that a rank's next chunk has arrived when it finishes one, few enough that the
    // last chunks are not stuck behind a slow rank while others idle (see Depth).
    private const int MaxDepth = 4;
    private const long ProgressIntervalMilliseconds = 50;

    private readonly FarmLink? _link;
    private readonly TaskFarmRunner<TInput, TResult> _runner;
    private readonly TaskFarmOptions _options;
    private readonly string[] _hosts;
    private readonly Slot[] _slots;
    private readonly Slot?[] _slotOfRank;
    private readonly LocalCompute? _local;
    private readonly ConcurrentQueue<object> _inbox = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Queue<FarmGroup<TInput, TResult>> _fresh = new();
    private readonly List<Retry> _retries = [];
    private readonly HashSet<FarmGroup<TInput, TResult>> _live = [];
    private readonly FarmBuffer _incoming = new();
    private readonly Thread _thread;
    private readonly Lock _submitGate = new();
    private volatile bool _disposing;
    private long _pendingFresh;
    private int _nextSlot;
    private long _submitted, _completed, _failed, _retried;
    private int _running;
    private int _remoteChunks;
    private double _chunkSeconds = -1;
    private TaskFarmProgress _reported;
    private long _reportedAt;

    public TaskFarmDispatcher(Intracommunicator communicator, TaskFarmRunner<TInput, TResult> runner,
        TaskFarmOptions options, string[] hosts)
    {
        _options = options;
        _hosts = hosts;
        _runner = runner;
        int size = communicator.Size;
        _slotOfRank = new Slot?[size];
        var slots = new List<Slot>();
        if (size > 1)
            _link = new FarmLink(communicator);
        for (int rank = 0; rank < size; rank++)
        {
            if (rank == options.Coordinator)
                continue;
            slots.Add(_slotOfRank[rank] = new Slot(rank, local: false));
        }
        if (options.CoordinatorComputes || size == 1)
        {
            _local = new LocalCompute(runner, this);
            slots.Add(_slotOfRank[options.Coordinator] = new Slot(options.Coordinator, local: true));
        }
        _slots = [.. slots];
        _thread = new Thread(Run) { IsBackground = true, Name = "MPI task farm dispatcher" };
        _thread.Start();
    }

    /// <summary>The ranks that run tasks.</summary>
    public int Workers => _slots.Length;

    /// <summary>The dispatcher's own failure (MPI, a malformed reply, the progress callback), which ended every call, and ends later ones.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Hands a group to the dispatch thread.</summary>
    /// <exception cref="ObjectDisposedException">The farm is being disposed.</exception>
    public void Enqueue(FarmGroup<TInput, TResult> group, CancellationToken token)
    {
        lock (_submitGate)
        {
            ObjectDisposedException.ThrowIf(_disposing, typeof(TaskFarm<TInput, TResult>));
            if (Failure is { } failure)
            {
                group.Fault(failure);
                return;
            }
            // Registered first, so the group (published by the queue) carries its registration; a token cancelled
            // already queues the cancellation ahead of the group, which then arrives ended.
            if (token.CanBeCanceled)
            {
                group.Registration = token.Register(() =>
                {
                    _inbox.Enqueue(new CancelRequest(group, token));
                    Wake();
                });
            }
            _inbox.Enqueue(group);
        }
        Wake();
    }

    /// <summary>A token for a group's index base, counting every task submitted so far (Submit's task index).</summary>
    public long NextSubmitIndex() => Interlocked.Increment(ref _submitIndex) - 1;

    private long _submitIndex;

    /// <summary>Lets the submitted tasks finish, then releases the workers (their Start returns) and ends the thread.</summary>
    public void Dispose()
    {
        lock (_submitGate)
            _disposing = true;
        Wake();
        _thread.Join();
        _wake.Dispose();
        _runner.Dispose();
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (ObjectDisposedException)
            {
                // A cancellation after the farm ended has nothing to wake.
            }
        }
    }

    private void Run()
    {
        var backoff = new FarmBackoff();
        try
        {
            while (true)
            {
                bool progress = DrainInbox();
                progress |= ReceiveReplies();
                Fill();
                _link?.Reap();
                Report(force: false);
                if (_disposing && _inbox.IsEmpty && _fresh.Count == 0 && _retries.Count == 0 && _running == 0)
                    break;
                if (progress)
                {
                    backoff.Reset();
                    continue;
                }
                if (_remoteChunks > 0)
                    backoff.Wait(_wake);
                else
                    _wake.Wait(100);
            }
            Report(force: true);
        }
#pragma warning disable CA1031 // Handed to every waiting call, which throws it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            lock (_submitGate)
                Failure = e; // later calls fail at once with it
            while (_inbox.TryDequeue(out var item))
            {
                if (item is FarmGroup<TInput, TResult> group)
                    _live.Add(group);
            }
            foreach (var group in _live)
                group.Fault(e);
            _live.Clear();
        }
        finally
        {
            try
            {
                Release();
            }
#pragma warning disable CA1031 // MPI failing even here: nothing is left to tell but Failure (a thread must not crash the process).
            catch (Exception e)
#pragma warning restore CA1031
            {
                Failure ??= e;
            }
        }
    }

    /// <summary>
    /// Tells every worker to stop (after what it has queued) and stops the coordinator's compute thread. After a
    /// failure, waits for the replies still due too: left on the communicator, they could be matched on the next one
    /// MPI gives the same context.
    /// </summary>
    private void Release()
    {
        try
        {
            if (_link is not null)
            {
                var backoff = new FarmBackoff();
                while (_remoteChunks > 0)
                {
                    if (!_link.TryReceive(Ranks.AnySource, FarmProtocol.DoneTag, _incoming, out int from))
                    {
                        backoff.Wait(null);
                        continue;
                    }
                    if (_slotOfRank[from] is { Local: false } slot && slot.InFlight.TryDequeue(out _))
                        _remoteChunks--;
                }
                foreach (var slot in _slots)
                {
                    if (slot.Local)
                        continue;
                    var stop = _link.Rent();
                    stop.Reserve(FarmProtocol.HeaderSize);
                    stop.Header((int)WorkKind.Stop, slot.CancelsSent, 0);
                    _link.Send(stop, slot.Rank, FarmProtocol.WorkTag);
                }
                _link.Flush();
            }
        }
        finally
        {
            _local?.Dispose();
        }
    }

    private bool DrainInbox()
    {
        bool any = false;
        while (_inbox.TryDequeue(out var item))
        {
            any = true;
            if (item is FarmGroup<TInput, TResult> group)
            {
                if (group.Ended)
                    continue;
                _live.Add(group);
                _fresh.Enqueue(group);
                _pendingFresh += group.Inputs.Length;
                _submitted += group.Inputs.Length;
            }
            else if (item is CancelRequest cancel)
            {
                Cancel(cancel.Group, cancel.Token);
            }
        }
        return any;
    }

    private void Cancel(FarmGroup<TInput, TResult> group, CancellationToken token)
    {
        if (group.Ended || !_live.Remove(group))
        {
            group.Cancel(token);
            return;
        }
        _pendingFresh -= group.Inputs.Length - group.Next;
        group.Next = group.Inputs.Length;
        _retries.RemoveAll(retry => retry.Group == group);
        foreach (var slot in _slots)
        {
            if (!slot.InFlight.Any(chunk => chunk.Group == group))
                continue;
            if (slot.Local)
            {
                _local!.Runner.CancelGroup(group.Id);
                continue;
            }
            var message = _link!.Rent();
            message.Int64(group.Id);
            _link.Send(message, slot.Rank, FarmProtocol.CancelTag);
            slot.CancelsSent++;
        }
        group.Cancel(token);
    }

    private bool ReceiveReplies()
    {
        bool any = false;
        if (_link is not null)
        {
            for (int n = 0; n < 64 && _link.TryReceive(Ranks.AnySource, FarmProtocol.DoneTag, _incoming, out int from); n++)
            {
                any = true;
                var slot = _slotOfRank[from] ?? throw new InvalidDataException($"A task farm reply came from rank {from}, which is not a worker.");
                Handle(slot, _incoming);
                FillSlot(slot);
            }
        }
        if (_local is not null)
        {
            while (_local.Replies.TryDequeue(out var reply))
            {
                any = true;
                var slot = _slotOfRank[_options.Coordinator]!;
                Handle(slot, reply);
                _local.Recycle(reply);
                FillSlot(slot);
            }
        }
        return any;
    }

    private void Handle(Slot slot, FarmBuffer buffer)
    {
        if (!slot.InFlight.TryDequeue(out var chunk))
            throw new InvalidDataException($"Rank {slot.Rank} sent a task farm reply for no work.");
        _running -= chunk.Count;
        if (!slot.Local)
            _remoteChunks--;
        var reader = new FarmReader(buffer.Array, buffer.Length);
        int count = reader.Int32();
        int failures = reader.Int32();
        bool withOutcomes = reader.Int64() != 0;
        if (count != chunk.Count)
            throw new InvalidDataException($"Rank {slot.Rank} answered {count} task(s) for a chunk of {chunk.Count}.");
        var group = chunk.Group;
        int elapsedAt = reader.Position;
        reader.Take(8 * count);
        int outcomesAt = reader.Position;
        if (withOutcomes)
        {
            reader.Take(count);
            reader.Align8();
        }
        string host = _hosts[slot.Rank];
        var bytes = buffer.Array;
        long ticks = 0;
        for (int i = 0; i < count; i++)
            ticks += BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(elapsedAt + 8 * i));
        double seconds = TimeSpan.FromTicks(ticks).TotalSeconds;
        _chunkSeconds = _chunkSeconds < 0 ? seconds : 0.8 * _chunkSeconds + 0.2 * seconds;
        if (group.Ended)
            return;
        TaskOutcome Outcome(int i) => withOutcomes ? (TaskOutcome)bytes[outcomesAt + i] : TaskOutcome.Succeeded;
        TimeSpan Elapsed(int i) => TimeSpan.FromTicks(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(elapsedAt + 8 * i)));
        for (int i = 0; i < count; i++)
        {
            var outcome = Outcome(i);
            if (FarmCodec<TResult>.Raw)
            {
                var value = FarmCodec<TResult>.ReadRaw(ref reader);
                if (outcome == TaskOutcome.Succeeded)
                    Succeed(group, chunk.Start + i, value, slot, host, Elapsed(i));
                continue;
            }
            if (outcome != TaskOutcome.Succeeded)
                continue;
            TResult result;
            try
            {
                result = FarmCodec<TResult>.ReadSerialized(ref reader, _link?.Communicator.Serialization ?? _local!.Serialization,
                    slot.Rank, FarmProtocol.DoneTag);
            }
            catch (MessageTypeMismatchException e)
            {
                Failed(group, chunk.Start + i, slot, host, Elapsed(i), e.GetType().FullName!, e.Message, e.StackTrace,
                    new Dictionary<string, string>());
                continue;
            }
            Succeed(group, chunk.Start + i, result, slot, host, Elapsed(i));
        }
        if (failures == 0)
            return;
        for (int i = 0; i < count && !group.Ended; i++)
        {
            var outcome = Outcome(i);
            if (outcome == TaskOutcome.Cancelled)
            {
                // Cancelled for a group that has not ended here: cannot happen, but run it again rather than lose it.
                _retries.Add(new Retry(group, chunk.Start + i, -1));
                continue;
            }
            if (outcome != TaskOutcome.Failed)
                continue;
            string type = reader.String() ?? "";
            string message = reader.String() ?? "";
            string? stack = reader.String();
            int entries = reader.Int32();
            var data = new Dictionary<string, string>(entries);
            for (int e = 0; e < entries; e++)
                data[reader.String() ?? ""] = reader.String() ?? "";
            Failed(group, chunk.Start + i, slot, host, Elapsed(i), type, message, stack, data);
        }
    }

    private void Succeed(FarmGroup<TInput, TResult> group, int i, TResult value, Slot slot, string host, TimeSpan elapsed)
    {
        _completed++;
        group.Succeed(i, value, slot.Rank, host, elapsed);
        if (group.Ended)
            _live.Remove(group);
    }

    private void Failed(FarmGroup<TInput, TResult> group, int i, Slot slot, string host, TimeSpan elapsed, string type,
        string message, string? stack, IReadOnlyDictionary<string, string> data)
    {
        if (group.Attempts(i) <= _options.MaxRetries)
        {
            group.CountRetry(i);
            _retried++;
            _retries.Add(new Retry(group, i, slot.Rank));
            return;
        }
        _failed++;
        group.Fail(i, new TaskFailedException(group.BaseIndex + i, slot.Rank, host, group.Attempts(i), type, message, stack, data),
            elapsed);
        if (group.Ended)
            _live.Remove(group);
    }

    private void Fill()
    {
        for (int n = 0; n < _slots.Length; n++)
            FillSlot(_slots[(_nextSlot + n) % _slots.Length]);
        _nextSlot = (_nextSlot + 1) % _slots.Length;
    }

    private void FillSlot(Slot slot)
    {
        int depth = Depth;
        while (slot.InFlight.Count < depth && TryTake(slot, out var chunk))
            Dispatch(slot, chunk);
    }

    /// <summary>
    /// Chunks to keep queued per rank, from how long chunks take: one before anything is known and for chunks of
    /// 50 ms or more (the wait for the next message, a millisecond or two at worst, is then negligible, and the
    /// farm balances best), two down to 0.5 ms, <see cref="MaxDepth"/> for shorter ones, where waiting for the next
    /// message would leave a rank idle most of the time.
    /// </summary>
    private int Depth => _chunkSeconds switch
    {
        < 0 => 1,
        >= 0.05 => 1,
        >= 0.0005 => 2,
        _ => MaxDepth,
    };

    private bool TryTake(Slot slot, out Chunk chunk)
    {
        for (int i = 0; i < _retries.Count; i++)
        {
            var retry = _retries[i];
            if (retry.Group.Ended)
            {
                _retries.RemoveAt(i--);
                continue;
            }
            if (retry.AvoidRank == slot.Rank && _slots.Length > 1)
                continue;
            _retries.RemoveAt(i);
            chunk = new Chunk(retry.Group, retry.Index, 1);
            return true;
        }
        while (_fresh.TryPeek(out var group))
        {
            int left = group.Inputs.Length - group.Next;
            if (group.Ended || left <= 0)
            {
                _fresh.Dequeue();
                continue;
            }
            int size = _options.ChunkSize > 0
                ? _options.ChunkSize
                : (int)Math.Clamp(_pendingFresh / (4L * _slots.Length), 1, TaskFarmOptions.MaxAutomaticChunkSize);
            size = Math.Min(size, left);
            chunk = new Chunk(group, group.Next, size);
            group.Next += size;
            _pendingFresh -= size;
            return true;
        }
        chunk = default;
        return false;
    }

    private void Dispatch(Slot slot, Chunk chunk)
    {
        var group = chunk.Group;
        var message = slot.Local ? _local!.Rent() : _link!.Rent();
        message.Reserve(FarmProtocol.HeaderSize);
        message.Header((int)WorkKind.Tasks, chunk.Count, group.Id);
        if (FarmCodec<TInput>.Raw)
            FarmCodec<TInput>.WriteRaw(message, group.Inputs.AsSpan(chunk.Start, chunk.Count));
        else
            message.Bytes(group.Frames.AsSpan(group.Offsets![chunk.Start], group.Offsets[chunk.Start + chunk.Count] - group.Offsets[chunk.Start]));
        slot.InFlight.Enqueue(chunk);
        _running += chunk.Count;
        if (!slot.Local)
            _remoteChunks++;
        if (slot.Local)
            _local!.Post(message);
        else
            _link!.Send(message, slot.Rank, FarmProtocol.WorkTag);
    }

    private void Report(bool force)
    {
        if (_options.Progress is not { } progress)
            return;
        var now = new TaskFarmProgress(_submitted, _completed, _failed, _retried, _running);
        if (now == _reported)
            return;
        long at = System.Environment.TickCount64;
        bool idle = _running == 0 && _pendingFresh == 0 && _retries.Count == 0;
        if (!force && !idle && at - _reportedAt < ProgressIntervalMilliseconds)
            return;
        _reported = now;
        _reportedAt = at;
        progress.Report(now);
    }

    private readonly record struct Chunk(FarmGroup<TInput, TResult> Group, int Start, int Count);

    private readonly record struct Retry(FarmGroup<TInput, TResult> Group, int Index, int AvoidRank);

    private sealed record CancelRequest(FarmGroup<TInput, TResult> Group, CancellationToken Token);

    private sealed class Slot(int rank, bool local)
    {
        public int Rank { get; } = rank;

        public bool Local { get; } = local;

        public Queue<Chunk> InFlight { get; } = new();

        /// <summary>Cancellation messages sent to the rank, which it takes before it leaves (see the Stop message).</summary>
        public int CancelsSent { get; set; }
    }

    /// <summary>The coordinator's compute thread (<see cref="TaskFarmOptions.CoordinatorComputes"/>): runs work messages as a worker rank would.</summary>
    private sealed class LocalCompute : IDisposable
    {
        private readonly TaskFarmDispatcher<TInput, TResult> _owner;
        private readonly ConcurrentQueue<FarmBuffer?> _work = new();
        private readonly SemaphoreSlim _ready = new(0);
        private readonly ConcurrentBag<FarmBuffer> _pool = [];
        private readonly Thread _thread;

        public LocalCompute(TaskFarmRunner<TInput, TResult> runner, TaskFarmDispatcher<TInput, TResult> owner)
        {
            Runner = runner;
            _owner = owner;
            _thread = new Thread(Run) { IsBackground = true, Name = "MPI task farm coordinator compute" };
            _thread.Start();
        }

        public TaskFarmRunner<TInput, TResult> Runner { get; }

        public Serialization Serialization => Runner.Serialization;

        public ConcurrentQueue<FarmBuffer> Replies { get; } = new();

        public FarmBuffer Rent()
        {
            var buffer = _pool.TryTake(out var pooled) ? pooled : new FarmBuffer();
            buffer.Clear();
            return buffer;
        }

        public void Recycle(FarmBuffer buffer) => _pool.Add(buffer);

        public void Post(FarmBuffer work)
        {
            _work.Enqueue(work);
            _ready.Release();
        }

        /// <summary>Stops the thread once it has run what was posted.</summary>
        public void Dispose()
        {
            _work.Enqueue(null);
            _ready.Release();
            _thread.Join();
            _ready.Dispose();
        }

        private void Run()
        {
            while (true)
            {
                _ready.Wait();
                if (!_work.TryDequeue(out var work) || work is null)
                    return;
                var reader = new FarmReader(work.Array, work.Length);
                reader.Int32();
                int count = reader.Int32();
                long group = reader.Int64();
                var reply = Rent();
                Runner.Run(ref reader, count, group, reply);
                Recycle(work);
                Replies.Enqueue(reply);
                _owner.Wake();
            }
        }
    }
}
