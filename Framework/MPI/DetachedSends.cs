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
/// finalized. Memory is not bounded: a large value sent to a rank that never receives it keeps its buffer until
/// finalize, which then waits for that receive for ever, as a blocking MPI_Send of it would have.
/// </para>
/// <para>
/// Disposing the communicator does not wait for them: MPI lets operations pending on a freed communicator complete
/// normally, and waiting there would block a sender whose receiver takes the value only after a collective.
/// </para>
/// </summary>
internal static class DetachedSends
{
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

    /// <summary>Before MPI_Finalize: waits for every detached send (each needs its receiver to take the payload).</summary>
    public static void CompleteAll()
    {
        lock (Gate)
        {
            foreach (var operation in Items)
                operation.Complete(block: true, out _);
            Items.Clear();
            _count = 0;
        }
    }
}
