using MPI.Native;

namespace MPI;

/// <summary>A nonblocking receive that needs this process's code to move on (MPI alone cannot).</summary>
internal interface IPendingReceive
{
    /// <summary>Moves the receive on without blocking; true once it no longer needs to be advanced.</summary>
    bool Advance();

    /// <summary>Whether this is a receive still waiting for a message that matches the envelope (probed receives only).</summary>
    bool Accepts(nint comm, int nativeSource, int nativeTag) => false;

    /// <summary>
    /// Whether this receive still waits to match a message by a probe and could take one that a receive with this
    /// envelope (which may hold wildcards) could take too: a receive posted now with that envelope must wait its turn.
    /// </summary>
    bool Precedes(nint comm, int nativeSource, int nativeTag) => false;

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
/// A receive that is started while an earlier probed receive which could take the same messages still waits is not
/// posted to MPI either (MPI would give it the first message, overtaking the earlier receive): it too matches by
/// probe, in its turn (<see cref="ProbedMatch"/>), and is received with MPI_Mrecv or MPI_Imrecv once matched.
/// </para>
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

    /// <summary>
    /// Whether a receive with this envelope started now must wait for an earlier probed receive to match first
    /// (see <see cref="IPendingReceive.Precedes"/>) rather than be posted to MPI.
    /// </summary>
    public static bool MustWaitItsTurn(nint comm, int source, int tag)
    {
        if (_count == 0)
            return false;
        lock (Gate)
        {
            foreach (var item in Items)
            {
                if (item.Precedes(comm, source, tag))
                    return true;
            }
            return false;
        }
    }

    /// <summary>
    /// A blocking MPI_Recv that lets pending receives progress (and match first) while it waits; behind an earlier
    /// probed receive that could take the same message, a matched probe in its turn and MPI_Mrecv.
    /// </summary>
    public static void Receive(void* data, int count, nint datatype, int source, int tag, nint comm, StatusBuffer* status)
    {
        int code;
        if (_count == 0)
        {
            code = Mpi.Recv(data, count, datatype, source, tag, comm, status);
        }
        else if (MustWaitItsTurn(comm, source, tag))
        {
            long message = 0;
            StatusBuffer probed = default;
            MatchedProbe(source, tag, comm, &message, &probed);
            code = Mpi.Mrecv(data, count, datatype, &message, status);
        }
        else
        {
            Advance();
            long request = 0;
            Mpi.Check(Mpi.Irecv(data, count, datatype, source, tag, comm, &request));
            try
            {
                Wait(&request, status);
            }
            catch (MessageTruncatedException e) when (e.ErrorCode != 0)
            {
                throw ErrorTranslation.ForReceive(e.ErrorCode, source, tag, count, datatype, status);
            }
            return;
        }
        if (code != 0)
            throw ErrorTranslation.ForReceive(code, source, tag, count, datatype, status);
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

/// <summary>
/// A receive that matches its message with a nonblocking matched probe (MPI_Improbe) in its turn among the
/// <see cref="PendingReceives"/>, then receives it with <c>receive</c> (under their gate): a raw array of unknown
/// length, or a receive started while such a receive, able to take the same messages, was still waiting. A message
/// it finds goes to the earliest waiting receive that accepts it. Cancelling it before it matched needs no MPI call.
/// </summary>
internal sealed unsafe class ProbedMatch : IPendingReceive
{
    private readonly nint _comm;
    private readonly int _source;
    private readonly int _tag;
    private readonly Action<long, StatusBuffer> _receive;
    private bool _matched;

    /// <summary>Joins the pending receives; <paramref name="receive"/> takes the matched message (MPI_Mrecv or MPI_Imrecv).</summary>
    public ProbedMatch(nint comm, int nativeSource, int nativeTag, Action<long, StatusBuffer> receive)
    {
        _comm = comm;
        _source = nativeSource;
        _tag = nativeTag;
        _receive = receive;
        PendingReceives.Add(this);
    }

    /// <summary>Whether a message was matched (and <c>receive</c> ran); read under <see cref="PendingReceives.Gate"/>.</summary>
    public bool Matched => _matched;

    /// <summary>Whether it was cancelled before a message matched; read under <see cref="PendingReceives.Gate"/>.</summary>
    public bool Cancelled { get; private set; }

    /// <summary>What failed while probing or receiving, for the owner's Wait or Test to throw; read under the gate.</summary>
    public Exception? Failure { get; private set; }

    private bool Waiting => !_matched && !Cancelled && Failure is null;

    public bool Advance()
    {
        if (!Waiting)
            return true;
        try
        {
            long message = 0;
            StatusBuffer probed = default;
            int found = 0;
            Mpi.Check(Mpi.Improbe(_source, _tag, _comm, &found, &message, &probed));
            if (found == 0 || PendingReceives.OfferToEarlier(_comm, message, probed, this))
                return false;
            TakeMatched(message, probed);
        }
#pragma warning disable CA1031 // Kept for the owner's Wait or Test, which rethrows it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failure = e;
        }
        return true;
    }

    public bool Accepts(nint comm, int nativeSource, int nativeTag) =>
        Waiting && comm == _comm && (_source == Mpi.Abi.AnySource || _source == nativeSource) &&
        (_tag == Mpi.Abi.AnyTag || _tag == nativeTag);

    public bool Precedes(nint comm, int nativeSource, int nativeTag) =>
        Waiting && comm == _comm &&
        (_source == nativeSource || _source == Mpi.Abi.AnySource || nativeSource == Mpi.Abi.AnySource) &&
        (_tag == nativeTag || _tag == Mpi.Abi.AnyTag || nativeTag == Mpi.Abi.AnyTag);

    public void TakeMatched(long message, StatusBuffer status)
    {
        _matched = true;
        try
        {
            _receive(message, status);
        }
#pragma warning disable CA1031 // Kept for the owner's Wait or Test, which rethrows it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failure = e;
        }
    }

    /// <summary>
    /// Cancels the receive unless a message already matched; false when one did and its receive is in MPI's hands
    /// (for MPI_Cancel). Under the gate, so a message another thread is handing it is either taken (and the cancel
    /// comes too late) or never matched: a cancelled receive never swallows one.
    /// </summary>
    public bool TryCancel()
    {
        lock (PendingReceives.Gate)
        {
            PendingReceives.Remove(this);
            if (_matched)
                return Failure is not null;
            if (Failure is null)
                Cancelled = true;
            return true;
        }
    }
}
