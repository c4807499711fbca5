using MPI.Native;

namespace MPI;

/// <summary>
/// The payload sends of serialized values whose senders have moved on. A serialized value's payload can only be
/// received once the receiver's framework has seen its header and posted the payload receive, which happens when
/// that process next calls into the framework; a sender that waited for it could deadlock with a receiver that is
/// in a collective. So a blocking send (and the Wait of an immediate send) returns once the header is sent (an MPI
/// standard-mode send, which may wait for the matching receive to be posted), and
/// hands the payload sends here. Their buffers are the framework's own copy of the frame, so returning early is
/// MPI's buffered-send semantics; MPI itself moves them on during any later MPI call of this process.
/// <para>
/// They are tested (and their buffers released) at each later serialized send, and all are completed before MPI is
/// finalized (<see cref="CompleteAtFinalize"/>). Memory is not bounded: a large value sent to a rank that never
/// receives it keeps its buffer until finalize, where that rank drops the payload, saying so.
/// </para>
/// <para>
/// Disposing the communicator does not wait for them: MPI lets operations pending on a freed communicator complete
/// normally, and waiting there would block a sender whose receiver takes the value only after a collective.
/// </para>
/// </summary>
internal static unsafe class DetachedSends
{
    private static readonly TimeSpan StillSendingDelay = TimeSpan.FromSeconds(10);

    private static readonly Lock Gate = new();
    private static readonly List<PostedOperation> Items = [];
    // Items.Count, readable without the lock: every serialized send asks, and almost always there are none.
    private static volatile int _count;

    public static void Add(IEnumerable<PostedOperation> operations)
    {
        lock (Gate)
        {
            Items.AddRange(operations);
            _count = Items.Count;
        }
    }

    /// <summary>Releases the sends MPI has completed, without blocking.</summary>
    public static void ReleaseCompleted()
    {
        if (_count == 0)
            return;
        lock (Gate)
        {
            Items.RemoveAll(operation => operation.Complete(block: false, out _));
            _count = Items.Count;
        }
    }

    /// <summary>
    /// Completes this rank's payload sends as MPI is about to be finalized, together with every other rank of
    /// <paramref name="world"/>: meanwhile each rank receives and drops the payloads addressed to it that no receive
    /// will take, and names them (<paramref name="dropped"/>: the sender's rank and the bytes dropped). Those are
    /// the payloads of values whose header was never received, or was received as raw values (MPICH hands over no
    /// byte of a truncated message, so the header could not be recognised); without this their senders would wait
    /// in finalize for ever. The ranks learn that every rank's sends are complete from a barrier (MPI_Ibarrier on
    /// world's private copy) that each enters once its own are, calling <paramref name="ownSendsComplete"/> then. Sends
    /// still not received after <see cref="StillSendingDelay"/> are told to <paramref name="stillSending"/> (the time
    /// waited, their number): their receiver may never take them (sent on a communicator it disposed).
    /// </summary>
    public static void CompleteAtFinalize(Intracommunicator world, Action ownSendsComplete, Action<int, long> dropped,
        Action<TimeSpan, int> stillSending)
    {
        var orphans = new Dictionary<(nint Shadow, int Source, int Tag), long>();
        long barrier = 0;
        bool entered = false;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        bool told = false;
        for (int idle = 0; ; idle++)
        {
            if (!entered && !told && waited.Elapsed >= StillSendingDelay)
            {
                stillSending(waited.Elapsed, _count);
                told = true;
            }
            ReleaseCompleted();
            if (DropUnreceivedPayloads(orphans))
                idle = 0;
            if (!entered && _count == 0)
            {
                ownSendsComplete();
                Mpi.Check(Mpi.Ibarrier(world.ShadowHandle, &barrier));
                entered = true;
            }
            int done = 0;
            if (entered)
                Mpi.Check(Mpi.Test(&barrier, &done, (void*)Mpi.Abi.StatusIgnore));
            if (done != 0)
                break;
            // Other ranks may still be computing on the same cores: after a moment's polling, poll gently.
            if (idle < 100)
                Thread.Yield();
            else
                Thread.Sleep(1);
        }
        foreach (var ((_, source, _), bytes) in orphans)
            dropped(source, bytes);
    }

    // Receives every payload message waiting on any live communicator's private copy: at finalize, no receive of the
    // framework's will take it.
    private static bool DropUnreceivedPayloads(Dictionary<(nint Shadow, int Source, int Tag), long> orphans)
    {
        bool any = false;
        foreach (var shadow in Communicator.LiveShadows())
        {
            while (DroppedMessages.TryDrop(Mpi.Abi.AnySource, Mpi.Abi.AnyTag, shadow, out var message))
            {
                var key = (shadow, message.Source, message.Tag);
                orphans[key] = orphans.GetValueOrDefault(key) + message.Bytes;
                any = true;
            }
        }
        return any;
    }
}
