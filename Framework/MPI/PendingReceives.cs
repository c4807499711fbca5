using MPI.Native;

namespace MPI;

/// <summary>A nonblocking receive that needs this process's code to move on (MPI alone cannot).</summary>
internal interface IPendingReceive
{
    /// <summary>Moves the receive on without blocking; true once it no longer needs to be advanced.</summary>
    bool Advance();

    /// <summary>Whether this is a receive still waiting for a message that matches the envelope (probed receives only).</summary>
    bool Accepts(nint comm, int nativeSource, int nativeTag) => false;

    /// <summary>Receives a message that a matched probe made for another receive found, but this earlier one accepts.</summary>
    void TakeMatched(long message, StatusBuffer status) { }
}

/// <summary>
/// The nonblocking receives whose next step only this process can take: a serialized receive whose header arrived
/// must post the receive of its payload, and a receive of a raw array of unknown length must match its message (a
/// matched probe) before it can be received. While any is pending, every blocking point-to-point call and every wait
/// polls instead of blocking in MPI, advancing them in the order they were posted, so that a peer blocked in a send
/// to one of them finishes (ImmediateReceive, then Send, then Wait is the deadlock-free exchange) and messages are
/// matched in the order the receives were posted. With none pending, blocking calls go straight to MPI.
/// <para>
/// Under <see cref="Threading.Multiple"/> any thread may advance any thread's receive, so every change of a pending
/// receive's state (its header arriving, a matched message taken, a cancellation) happens under <see cref="Gate"/>,
/// and its owner reads that state under it too. With none pending, nothing here takes the lock.
/// </para>
/// </summary>
internal static unsafe class PendingReceives
{
    /// <summary>Guards the list and the state of every pending receive (reentrant: advancing one may offer a message to another).</summary>
    public static readonly Lock Gate = new();
    private static readonly List<IPendingReceive> Items = [];
    private static volatile int _count;
    [ThreadStatic]
    private static bool _advancing;

    public static bool IsEmpty => _count == 0;

    public static void Add(IPendingReceive receive)
    {
        lock (Gate)
        {
            Items.Add(receive);
            _count = Items.Count;
        }
    }

    public static void Remove(IPendingReceive receive)
    {
        lock (Gate)
        {
            Items.Remove(receive);
            _count = Items.Count;
        }
    }

    /// <summary>Advances every pending receive once, oldest first.</summary>
    public static void Advance()
    {
        if (_count == 0 || _advancing)
            return;
        lock (Gate)
        {
            _advancing = true;
            try
            {
                for (int i = 0; i < Items.Count;)
                {
                    if (Items[i].Advance())
                        Items.RemoveAt(i);
                    else
                        i++;
                }
                _count = Items.Count;
            }
            finally
            {
                _advancing = false;
            }
        }
    }

    /// <summary>
    /// Gives a message a matched probe just found to the earliest pending receive (before <paramref name="asker"/>,
    /// when given) that accepts it, atomically with finding it: a probe for a later receive must not take a message
    /// an earlier receive was waiting for, and two threads must not hand one receive two messages. False when no
    /// earlier receive accepts it (the caller keeps the message).
    /// </summary>
    public static bool OfferToEarlier(nint comm, long message, in StatusBuffer status, IPendingReceive? asker)
    {
        lock (Gate)
        {
            foreach (var item in Items)
            {
                if (ReferenceEquals(item, asker))
                    return false;
                if (item.Accepts(comm, status.Source, status.Tag))
                {
                    item.TakeMatched(message, status);
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>MPI_Wait, advancing the pending receives meanwhile.</summary>
    public static void Wait(long* request, void* status)
    {
        if (_count == 0)
        {
            Mpi.Check(Mpi.Wait(request, status));
            return;
        }
        int done = 0;
        while (true)
        {
            Mpi.Check(Mpi.Test(request, &done, status));
            if (done != 0)
                return;
            Advance();
        }
    }

    /// <summary>A blocking MPI_Send that lets pending receives progress while it waits.</summary>
    public static void Send(void* data, int count, nint datatype, int dest, int tag, nint comm)
    {
        if (_count == 0)
        {
            Mpi.Check(Mpi.Send(data, count, datatype, dest, tag, comm));
            return;
        }
        long request = 0;
        Mpi.Check(Mpi.Isend(data, count, datatype, dest, tag, comm, &request));
        Wait(&request, (void*)Mpi.Abi.StatusIgnore);
    }

    /// <summary>A blocking MPI_Recv that lets pending receives progress (and match first) while it waits.</summary>
    public static void Receive(void* data, int count, nint datatype, int source, int tag, nint comm, StatusBuffer* status)
    {
        if (_count == 0)
        {
            Mpi.Check(Mpi.Recv(data, count, datatype, source, tag, comm, status));
            return;
        }
        Advance();
        long request = 0;
        Mpi.Check(Mpi.Irecv(data, count, datatype, source, tag, comm, &request));
        Wait(&request, status);
    }

    /// <summary>A blocking matched probe; the pending receives, posted earlier, get the first chance at each message.</summary>
    public static void MatchedProbe(int source, int tag, nint comm, long* message, StatusBuffer* status)
    {
        if (_count == 0)
        {
            Mpi.Check(Mpi.Mprobe(source, tag, comm, message, status));
            return;
        }
        int found = 0;
        while (true)
        {
            Advance();
            Mpi.Check(Mpi.Improbe(source, tag, comm, &found, message, status));
            if (found != 0 && !OfferToEarlier(comm, *message, *status, null))
                return;
        }
    }

    /// <summary>A blocking probe (not matching), polling while receives are pending.</summary>
    public static void Probe(int source, int tag, nint comm, StatusBuffer* status)
    {
        if (_count == 0)
        {
            Mpi.Check(Mpi.Probe(source, tag, comm, status));
            return;
        }
        int found = 0;
        while (true)
        {
            Advance();
            Mpi.Check(Mpi.Iprobe(source, tag, comm, &found, status));
            if (found != 0)
                return;
        }
    }
}
