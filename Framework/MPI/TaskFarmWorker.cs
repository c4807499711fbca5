namespace MPI;

/// <summary>
/// The serving loop of a rank that is not the coordinator: receive a work message, run its tasks on this thread,
/// send the reply, until the coordinator says stop. The coordinator keeps a few messages queued here (see
/// <see cref="TaskFarmDispatcher{TInput, TResult}"/>), so the next one has normally arrived before the last reply
/// leaves. A timer thread checks for cancellations from the coordinator while a task runs; the two threads take
/// turns at MPI through one lock (hence MPI's Serialized thread level).
/// </summary>
internal static class TaskFarmWorker
{
    private const int WatchdogMilliseconds = 20;

    public static void Serve<TInput, TResult>(Intracommunicator communicator, TaskFarmRunner<TInput, TResult> runner,
        int coordinator)
    {
        var link = new FarmLink(communicator);
        var gate = new Lock();
        var incoming = new FarmBuffer();
        var cancels = new FarmBuffer();
        bool stopped = false;
        int cancelsReceived = 0;
        void DrainCancels()
        {
            while (link.TryReceive(coordinator, FarmProtocol.CancelTag, cancels, out _))
            {
                cancelsReceived++;
                var reader = new FarmReader(cancels.Array, cancels.Length);
                runner.CancelGroup(reader.Int64());
            }
        }
        using var watchdog = new Timer(_ =>
        {
            if (!runner.Busy || !gate.TryEnter())
                return;
            try
            {
                if (!stopped)
                    DrainCancels();
            }
#pragma warning disable CA1031 // A failing MPI shows in the serving loop too; a timer thread must not crash the process.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
            finally
            {
                gate.Exit();
            }
        }, null, WatchdogMilliseconds, WatchdogMilliseconds);
        var backoff = new FarmBackoff();
        try
        {
            while (true)
            {
                bool received;
                lock (gate)
                {
                    DrainCancels();
                    received = link.TryReceive(coordinator, FarmProtocol.WorkTag, incoming, out _);
                    if (!received)
                        link.Reap();
                }
                if (!received)
                {
                    backoff.Wait(null);
                    continue;
                }
                backoff.Reset();
                var work = new FarmReader(incoming.Array, incoming.Length);
                var kind = (WorkKind)work.Int32();
                int count = work.Int32();
                long group = work.Int64();
                if (kind == WorkKind.Stop)
                {
                    // The stop says how many cancellations were sent: each is taken, so none outlives the communicator.
                    while (true)
                    {
                        lock (gate)
                            DrainCancels();
                        if (cancelsReceived >= count)
                            break;
                        backoff.Wait(null);
                    }
                    break;
                }
                FarmBuffer reply;
                lock (gate)
                    reply = link.Rent();
                runner.Run(ref work, count, group, reply);
                lock (gate)
                    link.Send(reply, coordinator, FarmProtocol.DoneTag);
            }
        }
        finally
        {
            lock (gate)
            {
                stopped = true;
                link.Flush();
            }
        }
    }
}

/// <summary>
/// Waiting for a message without blocking in MPI (which would keep the process spinning at full speed, and lets
/// no other thread be heard): spin briefly, then yield the processor, then sleep a millisecond at a time (or until
/// woken).
/// </summary>
internal struct FarmBackoff
{
    private int _rounds;

    public void Reset() => _rounds = 0;

    public void Wait(SemaphoreSlim? wake)
    {
        _rounds++;
        if (_rounds < 50)
            Thread.SpinWait(30);
        else if (_rounds < 2000)
            Thread.Yield();
        else if (wake is not null)
            wake.Wait(1);
        else
            Thread.Sleep(1);
    }
}
