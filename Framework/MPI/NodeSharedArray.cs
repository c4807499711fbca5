namespace MPI;

/// <summary>
/// An array held once per node: the node's first rank (the writer) allocates it in a shared window
/// (MPI_Win_allocate_shared) and every rank of the node maps that same memory, so all of them read it through
/// <see cref="ReadOnlySpan"/> without a copy, as Joblib's memory-mapped arrays or Ray's object store give Python
/// programs. Creating, <see cref="Broadcast"/>, <see cref="Synchronize"/> and disposing are collective over the
/// communicator the array was created over (which may span nodes); reading and writing the span are plain loads and
/// stores.
/// </summary>
/// <remarks>
/// Memory model: stores become visible to the other ranks of the node only through <see cref="Synchronize"/>. The
/// writer stores, every rank of the node calls <see cref="Synchronize"/>, then all read; before storing again the
/// writer calls <see cref="Synchronize"/> once more with every rank of the node, so no rank is still reading what is
/// overwritten. By convention only the writer (<see cref="IsWriter"/>) stores between two synchronizations.
/// </remarks>
/// <typeparam name="T">The element type: an unmanaged type.</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "The factories are the array's collective constructors.")]
public sealed unsafe class NodeSharedArray<T> : IDisposable, IFreedBeforeFinalize where T : unmanaged
{
    // Exceptions thrown on the creating thread before the array: none of them can propagate out of its scope.
    private readonly long _thrownBefore = FatalErrors.ThrownCount;
    private readonly Window<T> _window;
    private readonly Intracommunicator _node;
    // The node writers of every node, one rank each; null on the other ranks.
    private readonly Intracommunicator? _writers;
    // For each rank of the creating communicator, the rank in _writers of its node's writer.
    private readonly int[] _writerOf;
    private readonly bool _unified;
    private readonly T* _copy;
    private bool _disposed;

    private NodeSharedArray(Window<T> window, Intracommunicator node, Intracommunicator? writers, int[] writerOf,
        bool unified)
    {
        _window = window;
        window.OwnedBy(this);
        _node = node;
        _writers = writers;
        _writerOf = writerOf;
        _unified = unified;
        var copy = window.SharedSegment(0);
        // Shared memory MPI allocated: it never moves, and stays mapped until the window is freed.
        fixed (T* start = copy)
            _copy = start;
        Length = copy.Length;
    }

    /// <summary>
    /// Creates an array of <paramref name="length"/> zeroed elements, one copy per node (collective over
    /// <paramref name="communicator"/>: MPI_Comm_split_type with MPI_COMM_TYPE_SHARED, MPI_Comm_split for the node
    /// writers, MPI_Win_allocate_shared on each node, MPI_Win_lock_all with MPI_MODE_NOCHECK in the unified model).
    /// The node's writer is the rank of <paramref name="communicator"/> with the lowest rank on that node.
    /// </summary>
    /// <param name="communicator">The ranks that use the array, on one node or several. Not owned by the array.</param>
    /// <param name="length">Elements in the array, the same on every rank.</param>
    /// <exception cref="ArgumentNullException"><paramref name="communicator"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="length"/> is negative, or <paramref name="length"/> elements of <typeparamref name="T"/> take
    /// more bytes than this process can address (thrown before MPI is called).
    /// </exception>
    /// <exception cref="ArgumentException">The ranks passed different lengths (thrown on every rank).</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="communicator"/> was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error (for example, not enough shared memory on a node).</exception>
    public static NodeSharedArray<T> Create(Intracommunicator communicator, int length) =>
        Create(communicator, length, static c => c.SplitShared());

    /// <summary>
    /// Creates an array holding the <paramref name="data"/> of <paramref name="root"/> on every node, in one call
    /// (collective over <paramref name="communicator"/>): the length travels by MPI_Bcast, then the root's node copy
    /// is filled from <paramref name="data"/> and <see cref="Broadcast"/> fills the others. When it returns, every
    /// rank can read the data.
    /// </summary>
    /// <param name="communicator">The ranks that use the array, on one node or several. Not owned by the array.</param>
    /// <param name="data">At <paramref name="root"/>, the elements; ignored on the other ranks (may be empty).</param>
    /// <param name="root">The rank of <paramref name="communicator"/> whose data is shared.</param>
    /// <exception cref="ArgumentNullException"><paramref name="communicator"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="root"/> is not a rank of <paramref name="communicator"/> (thrown before MPI is called), or the
    /// data take more bytes than this process can address.
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="communicator"/> was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static NodeSharedArray<T> Create(Intracommunicator communicator, ReadOnlySpan<T> data, int root)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        CheckRoot(root, communicator.Size);
        int length = data.Length;
        communicator.Broadcast(ref length, root);
        var array = Create(communicator, length);
        try
        {
            // Only the root stores until the broadcast, which synchronizes first.
            if (communicator.Rank == root)
                data.CopyTo(array.Span);
            array.Broadcast(root);
            return array;
        }
        catch
        {
            array.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="Create(Intracommunicator, int)"/> with the ranks that share one copy chosen by
    /// <paramref name="splitNodes"/> (each group must be able to share memory): checks use it to have several copies
    /// on one machine.
    /// </summary>
    internal static NodeSharedArray<T> Create(Intracommunicator communicator, int length,
        Func<Intracommunicator, Intracommunicator> splitNodes)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if ((ulong)length * (ulong)sizeof(T) > (ulong)nint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(length), length,
                $"{length} elements of {sizeof(T)} bytes do not fit in this process's address space.");

        var array = Build(communicator, length, splitNodes(communicator));
        try
        {
            // The writer zeroes its segment after the allocation returns: no rank may store before that is done.
            array.Synchronize();
            return array;
        }
        catch
        {
            array.Dispose();
            throw;
        }
    }

    /// <summary>The node's window and the writers' communicator, or every resource taken released on failure.</summary>
    private static NodeSharedArray<T> Build(Intracommunicator communicator, int length, Intracommunicator node)
    {
        Intracommunicator? writers = null;
        Window<T>? window = null;
        try
        {
            bool isWriter = node.Rank == 0;
            // Every rank takes part in the split; only the writers keep theirs.
            var split = (Intracommunicator)communicator.Split(isWriter ? 0 : 1, communicator.Rank);
            if (isWriter)
                writers = split;
            else
                split.Dispose();

            int writer = writers?.Rank ?? 0;
            node.Broadcast(ref writer, 0);
            var ranks = communicator.Allgather((Writer: writer, Length: length));
            if (ranks.Any(r => r.Length != length))
                throw new ArgumentException(
                    $"Every rank must pass the same length; they passed [{string.Join(", ", ranks.Select(r => r.Length))}].",
                    nameof(length));

            window = Window<T>.AllocateShared(node, isWriter ? length : 0);
            bool unified = window.Model == WindowModel.Unified;
            var array = new NodeSharedArray<T>(window, node, writers, ranks.Select(r => r.Writer).ToArray(), unified);
            // Unified model: one passive epoch held open for the array's life, within which MPI_Win_sync orders the
            // ranks' loads and stores (MPI's shared-memory idiom). Separate model: fences do instead.
            if (unified)
                window.LockAll(WindowAssertions.NoCheck);
            return array;
        }
        catch
        {
            window?.Dispose();
            writers?.Dispose();
            node.Dispose();
            throw;
        }
    }

    /// <summary>Elements in the array.</summary>
    public int Length { get; }

    /// <summary>
    /// Whether this rank writes the node's copy: the node's first rank (rank 0 of <see cref="NodeCommunicator"/>).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The array was disposed.</exception>
    public bool IsWriter => Live._node.Rank == 0;

    /// <summary>
    /// The ranks of this node that share this copy (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED), in the order of
    /// the creating communicator. Owned by the array: disposed with it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The array was disposed.</exception>
    public Intracommunicator NodeCommunicator => Live._node;

    /// <summary>
    /// The node's copy, the same memory on every rank of the node. Writing is for the writer
    /// (<see cref="IsWriter"/>), followed by <see cref="Synchronize"/>. Valid until the array is disposed.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The array was disposed.</exception>
    public Span<T> Span => new(Live._copy, Length);

    /// <summary>The node's copy for reading, the same memory on every rank of the node. Valid until the array is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The array was disposed.</exception>
    public ReadOnlySpan<T> ReadOnlySpan => new(Live._copy, Length);

    /// <summary>The node's shared window (MPI_Win_allocate_shared): the writer's segment holds the copy, the others are empty.</summary>
    internal Window<T> Window => Live._window;

    /// <summary>
    /// Makes the stores made to the node's copy before this call visible to every rank of the node after it, and
    /// orders every rank's loads before it ahead of stores after it (collective over <see cref="NodeCommunicator"/>).
    /// Unified model: MPI_Win_sync, MPI_Barrier on the node, MPI_Win_sync. Separate model: MPI_Win_fence.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The array was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Synchronize()
    {
        var window = Live._window;
        if (_unified)
        {
            window.Sync();
            _node.Barrier();
            window.Sync();
        }
        else
        {
            window.Fence();
        }
    }

    /// <summary>
    /// Fills every node's copy with the copy seen at <paramref name="root"/> (collective over the creating
    /// communicator). Within a node nothing is copied; across nodes the writers broadcast (MPI_Bcast over the
    /// communicator of node writers). It synchronizes before (so the root node's stores are complete and no rank is
    /// still reading) and after (so every rank reads the result).
    /// </summary>
    /// <param name="root">A rank of the communicator the array was created over.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of that communicator (thrown before MPI is called).</exception>
    /// <exception cref="ObjectDisposedException">The array was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Broadcast(int root)
    {
        CheckRoot(root, Live._writerOf.Length);
        Synchronize();
        if (_writers is { Size: > 1 })
            _writers.Broadcast(Span, _writerOf[root]);
        Synchronize();
    }

    /// <summary>A copy of the array in a new managed array (no MPI call; synchronize first to see the writer's latest stores).</summary>
    /// <exception cref="ObjectDisposedException">The array was disposed.</exception>
    public T[] ToArray() => ReadOnlySpan.ToArray();

    /// <summary>
    /// Ends the epoch (MPI_Win_unlock_all, unified model), frees the node's window (MPI_Win_free) and the node and
    /// writers' communicators: collective over the creating communicator. Spans taken from the array must not be used
    /// afterwards. A second call does nothing.
    /// </summary>
    /// <remarks>
    /// Disposed while an exception propagates out of its <c>using</c> block, it aborts the job with that exception
    /// instead, as an uncaught exception does: freeing is collective and would wait forever for the other ranks.
    /// </remarks>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public void Dispose()
    {
        if (_disposed)
            return;
        FatalErrors.AbortIfPropagating(new System.Diagnostics.StackFrame(1), _thrownBefore, "a node-shared array's using block");
        Release();
    }

    /// <summary>Not disposed by the program: disposed before MPI_Finalize, which frees its window.</summary>
    void IFreedBeforeFinalize.FreeBeforeFinalize() => Release();

    private void Release()
    {
        if (_disposed)
            return;
        ForgottenWindows.Remove(this);
        _disposed = true;
        try
        {
            if (_unified && Environment.Initialized && !Environment.Finalized)
                _window.UnlockAll();
            _window.Free();
        }
        finally
        {
            _writers?.Dispose();
            _node.Dispose();
        }
    }

    private NodeSharedArray<T> Live => _disposed
        ? throw new ObjectDisposedException(GetType().Name, "The node-shared array has been disposed.")
        : this;

    private static void CheckRoot(int root, int size)
    {
        if ((uint)root >= (uint)size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"The communicator has ranks 0 to {size - 1}.");
    }
}
