using System.Buffers;
using MPI.Native;

namespace MPI;

/// <summary>How a window's memory came to be (MPI_WIN_CREATE_FLAVOR).</summary>
public enum WindowFlavor
{
    /// <summary>Memory the program already had (MPI_Win_create).</summary>
    Create,

    /// <summary>Memory MPI allocated for the window (MPI_Win_allocate).</summary>
    Allocate,

    /// <summary>Memory attached and detached after creation (MPI_Win_create_dynamic).</summary>
    Dynamic,

    /// <summary>Memory MPI allocated that every rank of the node can load and store (MPI_Win_allocate_shared).</summary>
    Shared,
}

/// <summary>
/// How the public copy of a window (what remote access sees) relates to the private copy (what local loads and stores
/// see) (MPI_WIN_MODEL).
/// </summary>
public enum WindowModel
{
    /// <summary>Two copies, made consistent only by synchronization calls.</summary>
    Separate,

    /// <summary>One copy: remote updates become visible to local loads eventually, and at once after synchronization.</summary>
    Unified,
}

/// <summary>
/// A window for one-sided communication (MPI-3 chapter 12): on every rank of a communicator, a segment of
/// <typeparamref name="T"/> elements that the other ranks can read and write without this rank taking part.
/// Displacements are counted in elements of <typeparamref name="T"/>, whatever displacement unit MPI is given.
/// Creating and freeing are collective over <see cref="Communicator"/>.
/// </summary>
/// <typeparam name="T">The element type: an unmanaged type that MPI has a datatype for, or any unmanaged struct.</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "The factories are the window's collective constructors, one per MPI call (Create, Allocate, AllocateShared).")]
public sealed unsafe partial class Window<T> : IDisposable, IFreedBeforeFinalize where T : unmanaged
{
    // Exceptions thrown on the creating thread before the window: none of them can propagate out of its scope.
    private readonly long _thrownBefore = FatalErrors.ThrownCount;
    private readonly T* _base;
    // MPICH 4.0 misplaces one-sided accesses to a segment whose base is not 16-byte aligned (measured with a C
    // program: puts and accumulates land 8 bytes off), so every segment starts on such a boundary.
    private const int SegmentAlignment = 16;

    // Every rank's segment: its length in elements and, for Create, its byte offset from the aligned base MPI has.
    private readonly (int Length, int Offset)[] _segments;
    private MemoryHandle _pin;
    private nint _handle;

    private Window(Intracommunicator communicator, nint handle, T* segment, int length, WindowFlavor flavor,
        MemoryHandle pin = default, int offset = 0)
    {
        Communicator = communicator;
        _handle = handle;
        _base = segment;
        Length = length;
        Flavor = flavor;
        _pin = pin;
        // MPI's default for windows is MPI_ERRORS_ARE_FATAL: every failure would abort the job.
        Mpi.Check(Mpi.Win_set_errhandler(handle, Mpi.Abi.ErrorsReturn));
        // Every rank's length, so that an access outside a target's segment is refused before MPI sees it. Being
        // collective, it also returns only once every rank has zeroed its segment: no early remote store is wiped.
        _segments = communicator.Allgather((length, offset));
        ForgottenWindows.Add(this);
    }

    /// <summary>
    /// Exposes memory this rank already has as its segment of a new window (MPI_Win_create, collective over
    /// <paramref name="communicator"/>). The memory is pinned until the window is freed. Memory that never moves
    /// (<see cref="NativeBuffer{T}"/>) suits windows best; an array's memory stays pinned in the managed heap.
    /// </summary>
    /// <param name="communicator">The ranks that share the window; each calls this with its own segment.</param>
    /// <param name="memory">This rank's segment (may be empty: the rank then exposes nothing).</param>
    /// <exception cref="ArgumentNullException"><paramref name="communicator"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="communicator"/> was disposed.</exception>
    /// <exception cref="MpiException">
    /// MPI reported an error (among others, Open MPI on a one-process communicator when OMPI_MCA_osc was set without
    /// pt2pt: the framework's own default, used when the variable is not set, includes it).
    /// </exception>
    public static Window<T> Create(Intracommunicator communicator, Memory<T> memory)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        var pin = memory.Pin();
        try
        {
            // The segment MPI sees starts at the aligned address below the memory (never accessed: every access is
            // range-checked); displacements are then in bytes, the memory's offset added.
            var start = (byte*)pin.Pointer;
            int offset = (int)((nint)start & (SegmentAlignment - 1));
            long window = 0;
            Mpi.Check(Mpi.Win_create(start - offset, (nint)memory.Length * sizeof(T) + offset, 1, Mpi.Abi.InfoNull,
                communicator.LiveHandle, &window));
            return new Window<T>(communicator, Mpi.ReadHandle(&window), (T*)pin.Pointer, memory.Length,
                WindowFlavor.Create, pin, offset);
        }
        catch (MpiException e) when (e.ErrorClass == Mpi.Abi.OneSided.Errors.Win && communicator.Size == 1 &&
                                     Mpi.Abi.Kind == MpiAbiKind.OpenMpi)
        {
            pin.Dispose();
            throw new MpiException(
                "Open MPI created no window over existing memory for a single process: its osc/sm and osc/rdma " +
                "components cannot serve one alone, and osc/pt2pt, which can, is left out of OMPI_MCA_osc=" +
                $"'{System.Environment.GetEnvironmentVariable("OMPI_MCA_osc")}'. Run with OMPI_MCA_osc=sm,rdma,pt2pt " +
                "(the framework's default when the variable is not set), or use Window<T>.Allocate.", e);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates a window whose segments MPI allocates, <paramref name="length"/> zeroed elements on this rank
    /// (MPI_Win_allocate, collective over <paramref name="communicator"/>). <see cref="Local"/> is this rank's segment.
    /// </summary>
    /// <param name="communicator">The ranks that share the window.</param>
    /// <param name="length">Elements in this rank's segment (ranks may differ; 0 exposes nothing).</param>
    /// <exception cref="ArgumentNullException"><paramref name="communicator"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="communicator"/> was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error (for example, no memory).</exception>
    public static Window<T> Allocate(Intracommunicator communicator, int length) =>
        AllocateWith(Mpi.Win_allocate, communicator, length, WindowFlavor.Allocate);

    /// <summary>
    /// Creates a window in memory shared by the ranks of one node, <paramref name="length"/> zeroed elements on this
    /// rank (MPI_Win_allocate_shared, collective over <paramref name="communicator"/>). Every rank can load and store
    /// any rank's segment directly through <see cref="SharedSegment"/>, as well as with one-sided calls. By default
    /// the segments are contiguous, in rank order.
    /// </summary>
    /// <param name="communicator">
    /// Ranks that share memory: all on one node, as <see cref="Intracommunicator.SplitShared(int)"/> gives.
    /// </param>
    /// <param name="length">Elements in this rank's segment (ranks may differ; 0 exposes nothing).</param>
    /// <exception cref="ArgumentNullException"><paramref name="communicator"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="communicator"/> was disposed.</exception>
    /// <exception cref="MpiException">
    /// MPI reported an error: among others, ranks of <paramref name="communicator"/> that cannot share memory.
    /// </exception>
    public static Window<T> AllocateShared(Intracommunicator communicator, int length) =>
        AllocateWith(Mpi.Win_allocate_shared, communicator, length, WindowFlavor.Shared);

    private static Window<T> AllocateWith(delegate* unmanaged<nint, int, nint, nint, void*, void*, int> allocate,
        Intracommunicator communicator, int length, WindowFlavor flavor)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        void* segment = null;
        long window = 0;
        var bytes = (nint)length * sizeof(T);
        // Rounded up so that the next rank's segment stays aligned where MPI places segments one after another.
        if (flavor == WindowFlavor.Allocate)
            bytes = (bytes + SegmentAlignment - 1) / SegmentAlignment * SegmentAlignment;
        Mpi.Check(allocate(bytes, sizeof(T), Mpi.Abi.InfoNull, communicator.LiveHandle, &segment, &window));
        // MPI need not zero what it allocates; a window that starts zeroed on every rank is what programs assume.
        System.Runtime.InteropServices.NativeMemory.Clear(segment, (nuint)bytes);
        return new Window<T>(communicator, Mpi.ReadHandle(&window), (T*)segment, length, flavor);
    }

    /// <summary>The communicator the window was created over (not owned by the window).</summary>
    public Intracommunicator Communicator { get; }

    /// <summary>The native MPI handle (<c>MPI_Win</c> at the library's width); 0 once freed.</summary>
    public nint Handle => _handle;

    /// <summary>How the window's memory came to be.</summary>
    public WindowFlavor Flavor { get; }

    /// <summary>Elements in this rank's segment.</summary>
    public int Length { get; }

    /// <summary>Elements in the segment of <paramref name="rank"/> (as that rank gave at creation).</summary>
    /// <param name="rank">A rank of <see cref="Communicator"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is not a rank of the communicator.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    public int SegmentLength(int rank)
    {
        _ = LiveHandle;
        RequireRank(rank, nameof(rank));
        return _segments[rank].Length;
    }

    /// <summary>Whether the window has been freed.</summary>
    public bool IsFreed => _handle == 0;

    /// <summary>
    /// This rank's segment, for local loads and stores. Remote accesses to it become visible here only as MPI's
    /// synchronization rules say (after the epoch that made them ends, or after <c>Sync</c> in the unified model).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    public Span<T> Local
    {
        get
        {
            _ = LiveHandle;
            return new Span<T>(_base, Length);
        }
    }

    /// <summary>The window's memory model (MPI_WIN_MODEL).</summary>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public WindowModel Model
    {
        get
        {
            int* value = null;
            int found = 0;
            Mpi.Check(Mpi.Win_get_attr(LiveHandle, Mpi.Abi.OneSided.KeyWinModel, &value, &found));
            return found != 0 && *value == Mpi.Abi.OneSided.ModelUnified ? WindowModel.Unified : WindowModel.Separate;
        }
    }

    /// <summary>
    /// The segment of <paramref name="rank"/> in a shared window, for direct loads and stores from this rank
    /// (MPI_Win_shared_query). Valid until the window is freed.
    /// </summary>
    /// <param name="rank">A rank of <see cref="Communicator"/>.</param>
    /// <exception cref="InvalidOperationException">The window was not made by <see cref="AllocateShared"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is not a rank of the communicator.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public Span<T> SharedSegment(int rank)
    {
        var handle = LiveHandle;
        if (Flavor != WindowFlavor.Shared)
            throw new InvalidOperationException(
                $"Only a window made by Window<T>.AllocateShared has segments other ranks can address; this one is of flavor {Flavor}.");
        RequireRank(rank, nameof(rank));
        nint bytes = 0;
        int unit = 0;
        void* segment = null;
        Mpi.Check(Mpi.Win_shared_query(handle, rank, &bytes, &unit, &segment));
        return new Span<T>(segment, checked((int)(bytes / sizeof(T))));
    }

    /// <summary>
    /// Frees the window (MPI_Win_free, collective over <see cref="Communicator"/>): it waits until every rank's
    /// operations on it are complete. Segments MPI allocated are released; memory given to
    /// <see cref="Create"/> is unpinned. Spans taken from the window must not be used afterwards.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The window was already freed.</exception>
    /// <exception cref="RmaSynchronizationException">
    /// This rank still holds a lock, a LockAll, a Start or Post epoch, or has operations in a fence epoch that no
    /// Fence closed: MPI forbids freeing then. The window stays usable.
    /// </exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Free()
    {
        var handle = LiveHandle;
        RequireNoEpoch();
        _handle = 0;
        ForgottenWindows.Remove(this);
        try
        {
            Mpi.FreeWhileActive(handle, Mpi.Win_free);
        }
        finally
        {
            ReleaseAll();
            _pin.Dispose();
        }
    }

    /// <summary>
    /// Frees the window as <see cref="Free"/> does (throwing as it does), unless it was already freed (then nothing
    /// happens). Disposed while an exception propagates out of its <c>using</c> block, it aborts the job with that
    /// exception instead, as an uncaught exception does: freeing is collective and would wait forever for the ranks
    /// still working.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public void Dispose()
    {
        if (_handle == 0)
            return;
        FatalErrors.AbortIfPropagating(new System.Diagnostics.StackFrame(1), _thrownBefore, "a window's using block");
        Free();
    }

    /// <summary>
    /// Not freed by the program: closes this rank's passive epochs and frees it before MPI_Finalize (MPICH aborts in
    /// finalize over a live window).
    /// </summary>
    void IFreedBeforeFinalize.FreeBeforeFinalize()
    {
        if (_handle == 0)
            return;
        if (_lockedAll)
            UnlockAll();
        foreach (var rank in _locks.Keys.ToArray())
            Unlock(rank);
        Free();
    }

    /// <summary>Leaves freeing before MPI_Finalize to the object that owns this window.</summary>
    internal void OwnedBy(IFreedBeforeFinalize owner)
    {
        ForgottenWindows.Remove(this);
        ForgottenWindows.Add(owner);
    }

    /// <summary>The handle, or a clear error when the window was freed.</summary>
    internal nint LiveHandle => _handle != 0
        ? _handle
        : throw new ObjectDisposedException(GetType().Name, "The window has been freed.");

    private void RequireRank(int rank, string paramName)
    {
        if ((uint)rank >= (uint)_segments.Length)
            throw new ArgumentOutOfRangeException(paramName, rank,
                $"The window's communicator has ranks 0 to {_segments.Length - 1}.");
    }

    /// <summary>The MPI displacement of element <paramref name="index"/> in the segment of <paramref name="rank"/>.</summary>
    private nint Displacement(int rank, long index) => Flavor == WindowFlavor.Create
        ? (nint)(_segments[rank].Offset + index * sizeof(T))
        : (nint)index;
}
