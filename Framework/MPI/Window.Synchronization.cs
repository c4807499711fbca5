using System.Buffers;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

// Synchronization of one-sided communication (MPI-3 section 11.5): which epochs this rank has open, the calls that
// open and close them, and the buffers MPI may still use until an operation completes.
public sealed unsafe partial class Window<T>
{
    // Epochs this rank has open on the window. A window is not thread-safe: one thread at a time calls it.
    private readonly Dictionary<int, LockType> _locks = [];
    private bool _lockedAll;
    private bool _inFenceEpoch;     // after a Fence without NoSucceed
    private bool _fenceEpochUsed;   // an operation was issued since that Fence
    private HashSet<int>? _accessGroup; // ranks of the Start epoch
    private bool _exposed;          // between Post and Wait (or a Test that returned true)

    // Origin data staged in native memory and pinned destinations: MPI may read or write them until the operation
    // completes, long after the call that started it returned (and a Span's memory may move or be reused by then).
    private readonly List<Pending> _pending = [];

    /// <summary>
    /// Closes the current fence epoch and opens the next one, collectively (MPI_Win_fence): every operation issued
    /// by any rank in the closing epoch is complete, at origin and target, when it returns. Every rank of
    /// <see cref="Communicator"/> calls it. The first Fence may assert <see cref="WindowAssertions.NoPrecede"/>;
    /// the last should assert <see cref="WindowAssertions.NoSucceed"/>, which opens no new epoch (needed before
    /// switching to locks or post-start-complete-wait).
    /// </summary>
    /// <param name="assertions">Promises about the epochs around this fence (NoStore, NoPut, NoPrecede, NoSucceed).</param>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank holds a lock, a LockAll, a Start or a Post epoch.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Fence(WindowAssertions assertions = WindowAssertions.None)
    {
        var handle = LiveHandle;
        if (_locks.Count > 0 || _lockedAll || _accessGroup is not null || _exposed)
            throw Conflict("Fence", "fence epochs cannot overlap them");
        Mpi.Check(Mpi.Win_fence(ToMpi(assertions), handle));
        ReleaseAll();
        _inFenceEpoch = (assertions & WindowAssertions.NoSucceed) == 0;
        _fenceEpochUsed = false;
    }

    /// <summary>
    /// Opens a passive-target access epoch to <paramref name="targetRank"/> (MPI_Win_lock): the target takes no
    /// part. An exclusive lock keeps every other origin out of that target's segment until <see cref="Unlock"/>.
    /// </summary>
    /// <param name="targetRank">The rank whose segment is locked.</param>
    /// <param name="type">Exclusive (the default) or shared with other origins' shared locks.</param>
    /// <param name="assertions"><see cref="WindowAssertions.NoCheck"/>, or none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">
    /// This rank already locks that target, holds a LockAll or a Start epoch, or has operations in an open fence epoch.
    /// </exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Lock(int targetRank, LockType type = LockType.Exclusive, WindowAssertions assertions = WindowAssertions.None)
    {
        var handle = LiveHandle;
        RequireRank(targetRank, nameof(targetRank));
        if (_locks.ContainsKey(targetRank))
            throw new RmaSynchronizationException(
                $"Lock({targetRank}): this rank already holds a lock on rank {targetRank}; locks do not nest. Unlock it first.");
        RequireNoActiveEpoch($"Lock({targetRank})");
        var lockType = type == LockType.Shared ? Mpi.Abi.OneSided.LockShared : Mpi.Abi.OneSided.LockExclusive;
        Mpi.Check(Mpi.Win_lock(lockType, targetRank, ToMpi(assertions), handle));
        _locks[targetRank] = type;
        _inFenceEpoch = false;
    }

    /// <summary>
    /// Closes the passive-target epoch to <paramref name="targetRank"/> (MPI_Win_unlock): every operation this rank
    /// issued to it in the epoch is complete, at origin and target, when it returns.
    /// </summary>
    /// <param name="targetRank">The rank given to <see cref="Lock"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank holds no lock on <paramref name="targetRank"/>.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Unlock(int targetRank)
    {
        var handle = LiveHandle;
        RequireRank(targetRank, nameof(targetRank));
        if (!_locks.ContainsKey(targetRank))
            throw new RmaSynchronizationException(
                $"Unlock({targetRank}) without Lock({targetRank}): this rank holds no lock on rank {targetRank}" +
                (_lockedAll ? " (it holds a LockAll: close it with UnlockAll)." : "."));
        Mpi.Check(Mpi.Win_unlock(targetRank, handle));
        _locks.Remove(targetRank);
        Release(targetRank);
    }

    /// <summary>
    /// Opens a passive-target access epoch to every rank at once, with shared locks (MPI_Win_lock_all). Suits
    /// atomic counters and the like, whose operations are accumulate-style calls, atomic among themselves.
    /// </summary>
    /// <param name="assertions"><see cref="WindowAssertions.NoCheck"/>, or none.</param>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">
    /// This rank already holds a lock, a LockAll or a Start epoch, or has operations in an open fence epoch.
    /// </exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void LockAll(WindowAssertions assertions = WindowAssertions.None)
    {
        var handle = LiveHandle;
        if (_locks.Count > 0)
            throw Conflict("LockAll", "Unlock every locked rank first");
        RequireNoActiveEpoch("LockAll");
        Mpi.Check(Mpi.Win_lock_all(ToMpi(assertions), handle));
        _lockedAll = true;
        _inFenceEpoch = false;
    }

    /// <summary>
    /// Closes the epoch <see cref="LockAll"/> opened (MPI_Win_unlock_all): every operation this rank issued in it
    /// is complete, at origin and targets, when it returns.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank holds no LockAll.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void UnlockAll()
    {
        var handle = LiveHandle;
        if (!_lockedAll)
            throw new RmaSynchronizationException("UnlockAll without LockAll: this rank holds no LockAll epoch.");
        Mpi.Check(Mpi.Win_unlock_all(handle));
        _lockedAll = false;
        ReleaseAll();
    }

    /// <summary>
    /// Completes, at origin and target, every operation this rank issued to <paramref name="targetRank"/> so far,
    /// without closing the passive-target epoch (MPI_Win_flush). Get results are then in their destinations.
    /// </summary>
    /// <param name="targetRank">A rank this rank has locked (by <see cref="Lock"/> or <see cref="LockAll"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank holds no passive-target epoch to <paramref name="targetRank"/>.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Flush(int targetRank) => FlushTarget(targetRank, Mpi.Win_flush, "Flush");

    /// <summary>
    /// Completes at the origin every operation this rank issued to <paramref name="targetRank"/> (MPI_Win_flush_local):
    /// origin data may be reused and Get results are in their destinations; the target may not have seen the
    /// updates yet.
    /// </summary>
    /// <param name="targetRank">A rank this rank has locked (by <see cref="Lock"/> or <see cref="LockAll"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank holds no passive-target epoch to <paramref name="targetRank"/>.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void FlushLocal(int targetRank) => FlushTarget(targetRank, Mpi.Win_flush_local, "FlushLocal");

    /// <summary>As <see cref="Flush"/>, for every target at once (MPI_Win_flush_all).</summary>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank holds no passive-target epoch.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void FlushAll() => FlushEveryTarget(Mpi.Win_flush_all, "FlushAll");

    /// <summary>As <see cref="FlushLocal"/>, for every target at once (MPI_Win_flush_local_all).</summary>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank holds no passive-target epoch.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void FlushLocalAll() => FlushEveryTarget(Mpi.Win_flush_local_all, "FlushLocalAll");

    /// <summary>
    /// Makes this rank's local segment and the window's public copy agree, and orders this rank's loads and stores
    /// of shared segments against other ranks' (MPI_Win_sync). With <see cref="AllocateShared"/> windows, the
    /// pattern is: LockAll, stores to a segment, Sync, a barrier (or a message), Sync, loads by other ranks.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">
    /// This rank holds no passive-target epoch (Lock or LockAll), which MPICH requires for MPI_Win_sync.
    /// </exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Sync()
    {
        var handle = LiveHandle;
        if (_locks.Count == 0 && !_lockedAll)
            throw new RmaSynchronizationException(
                "Sync outside a passive-target epoch: call LockAll (or Lock) first; it may stay open while loads and stores go on.");
        Mpi.Check(Mpi.Win_sync(handle));
    }

    /// <summary>
    /// Opens an exposure epoch for the ranks of <paramref name="group"/> (MPI_Win_post): they may access this rank's
    /// segment between their <see cref="Start"/> and <see cref="Complete"/>; <see cref="Wait"/> closes it.
    /// </summary>
    /// <param name="group">Ranks that will access this one: a subgroup of <see cref="Communicator"/>'s group.</param>
    /// <param name="assertions">NoCheck, NoStore, NoPut, or none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The window or the group was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank already has a Post epoch open, or operations in an open fence epoch.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Post(Group group, WindowAssertions assertions = WindowAssertions.None)
    {
        ArgumentNullException.ThrowIfNull(group);
        var handle = LiveHandle;
        if (_exposed)
            throw new RmaSynchronizationException("Post: this rank already has an exposure epoch open; Wait for it first.");
        RequireFenceEpochUnused("Post");
        Mpi.Check(Mpi.Win_post(group.LiveHandle, ToMpi(assertions), handle));
        _exposed = true;
        _inFenceEpoch = false;
    }

    /// <summary>
    /// Opens an access epoch to the ranks of <paramref name="group"/> (MPI_Win_start): each must <see cref="Post"/>
    /// a group that holds this rank. <see cref="Complete"/> closes it.
    /// </summary>
    /// <param name="group">Ranks this one will access: a subgroup of <see cref="Communicator"/>'s group.</param>
    /// <param name="assertions"><see cref="WindowAssertions.NoCheck"/>, or none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="group"/> holds a process outside the window's communicator.</exception>
    /// <exception cref="ObjectDisposedException">The window or the group was freed.</exception>
    /// <exception cref="RmaSynchronizationException">
    /// This rank already holds a Start epoch, a lock or a LockAll, or has operations in an open fence epoch.
    /// </exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Start(Group group, WindowAssertions assertions = WindowAssertions.None)
    {
        ArgumentNullException.ThrowIfNull(group);
        var handle = LiveHandle;
        if (_locks.Count > 0)
            throw Conflict("Start", "Unlock every locked rank first");
        RequireNoActiveEpoch("Start");
        int[] targets;
        using (var windowGroup = Communicator.Group)
            targets = group.TranslateRanks([.. Enumerable.Range(0, group.Size)], windowGroup);
        if (targets.Contains(Group.NoProcess))
            throw new ArgumentException("Start: the group holds a process outside the window's communicator.", nameof(group));
        Mpi.Check(Mpi.Win_start(group.LiveHandle, ToMpi(assertions), handle));
        _accessGroup = [.. targets];
        _inFenceEpoch = false;
    }

    /// <summary>
    /// Closes the access epoch <see cref="Start"/> opened (MPI_Win_complete): every operation this rank issued in
    /// it is complete at the origin when it returns, and at the targets once they return from <see cref="Wait"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank has no Start epoch open.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Complete()
    {
        var handle = LiveHandle;
        if (_accessGroup is null)
            throw new RmaSynchronizationException("Complete without Start: this rank has no access epoch opened by Start.");
        Mpi.Check(Mpi.Win_complete(handle));
        _accessGroup = null;
        ReleaseAll();
    }

    /// <summary>
    /// Closes the exposure epoch <see cref="Post"/> opened (MPI_Win_wait): blocks until every rank of the posted
    /// group has called <see cref="Complete"/>; their operations on this segment are then visible here.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank has no Post epoch open.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Wait()
    {
        var handle = LiveHandle;
        RequireExposed("Wait");
        Mpi.Check(Mpi.Win_wait(handle));
        _exposed = false;
    }

    /// <summary>
    /// As <see cref="Wait"/>, without blocking (MPI_Win_test): true when the exposure epoch is closed (every
    /// accessing rank has completed), false when it is still open and Test or Wait must be called again.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="RmaSynchronizationException">This rank has no Post epoch open.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public bool Test()
    {
        var handle = LiveHandle;
        RequireExposed("Test");
        int done = 0;
        Mpi.Check(Mpi.Win_test(handle, &done));
        if (done != 0)
            _exposed = false;
        return done != 0;
    }

    /// <summary>Allows an operation to <paramref name="target"/>, or explains which epoch is missing.</summary>
    private void RequireAccess(int target, string operation)
    {
        if (_lockedAll || _locks.ContainsKey(target) || _accessGroup?.Contains(target) == true)
            return;
        if (_inFenceEpoch)
        {
            _fenceEpochUsed = true;
            return;
        }
        throw new RmaSynchronizationException(
            $"{operation} to rank {target} outside an access epoch: open one first with Fence, Lock({target}), LockAll, " +
            $"or Start with a group holding rank {target}" +
            (_accessGroup is not null ? " (the open Start epoch does not include it)." : "."));
    }

    /// <summary>Allows an operation that completes before returning: it needs a passive-target epoch to flush.</summary>
    private void RequirePassiveAccess(int target, string operation, string why = "")
    {
        if (!_lockedAll && !_locks.ContainsKey(target))
            throw new RmaSynchronizationException(
                $"{operation} to rank {target} needs a passive-target epoch (Lock({target}) or LockAll){why}.");
    }

    private void FlushTarget(int target, delegate* unmanaged<int, nint, int> flush, string name)
    {
        var handle = LiveHandle;
        RequireRank(target, "targetRank");
        RequirePassiveAccess(target, name);
        Mpi.Check(flush(target, handle));
        Release(target);
    }

    private void FlushEveryTarget(delegate* unmanaged<nint, int> flush, string name)
    {
        var handle = LiveHandle;
        if (_locks.Count == 0 && !_lockedAll)
            throw new RmaSynchronizationException($"{name} outside a passive-target epoch: call Lock or LockAll first.");
        Mpi.Check(flush(handle));
        ReleaseAll();
    }

    private void RequireExposed(string name)
    {
        if (!_exposed)
            throw new RmaSynchronizationException($"{name} without Post: this rank has no exposure epoch open.");
    }

    // Start, Lock and LockAll open access epochs, which cannot nest with another access epoch of this rank.
    private void RequireNoActiveEpoch(string name)
    {
        if (_lockedAll)
            throw Conflict(name, "UnlockAll first");
        if (_accessGroup is not null)
            throw Conflict(name, "Complete the Start epoch first");
        RequireFenceEpochUnused(name);
    }

    // An epoch a Fence opened holds operations until the next Fence; one without operations may be left for another kind.
    private void RequireFenceEpochUnused(string name)
    {
        if (_inFenceEpoch && _fenceEpochUsed)
            throw new RmaSynchronizationException(
                $"{name} inside a fence epoch with operations: close it first with Fence(WindowAssertions.NoSucceed).");
    }

    /// <summary>Refuses to free the window while this rank has an epoch open (see <see cref="Free"/>).</summary>
    private void RequireNoEpoch()
    {
        string? open = _lockedAll ? "a LockAll epoch (UnlockAll)"
            : _locks.Count > 0 ? $"locks on rank(s) {string.Join(", ", _locks.Keys)} (Unlock)"
            : _accessGroup is not null ? "a Start epoch (Complete)"
            : _exposed ? "a Post epoch (Wait)"
            : _inFenceEpoch && _fenceEpochUsed ? "operations in a fence epoch (Fence)"
            : null;
        if (open is not null)
            throw new RmaSynchronizationException($"The window cannot be freed while this rank holds {open}: close it first.");
    }

    private RmaSynchronizationException Conflict(string name, string remedy)
    {
        var held = new List<string>();
        if (_locks.Count > 0)
            held.Add($"locks on rank(s) {string.Join(", ", _locks.Keys)}");
        if (_lockedAll)
            held.Add("a LockAll epoch");
        if (_accessGroup is not null)
            held.Add("a Start epoch");
        if (_exposed)
            held.Add("a Post epoch");
        return new RmaSynchronizationException($"{name} conflicts with the epochs this rank holds ({string.Join(", ", held)}): {remedy}.");
    }

    private static int ToMpi(WindowAssertions assertions)
    {
        var modes = Mpi.Abi.OneSided;
        int bits = 0;
        if ((assertions & WindowAssertions.NoCheck) != 0) bits |= modes.ModeNoCheck;
        if ((assertions & WindowAssertions.NoStore) != 0) bits |= modes.ModeNoStore;
        if ((assertions & WindowAssertions.NoPut) != 0) bits |= modes.ModeNoPut;
        if ((assertions & WindowAssertions.NoPrecede) != 0) bits |= modes.ModeNoPrecede;
        if ((assertions & WindowAssertions.NoSucceed) != 0) bits |= modes.ModeNoSucceed;
        return bits;
    }

    /// <summary>Copies <paramref name="origin"/> into native memory that lives until the operation to <paramref name="target"/> completes.</summary>
    private void* Stage(ReadOnlySpan<T> origin, int target)
    {
        var staged = NativeMemory.Alloc((nuint)origin.Length, (nuint)sizeof(T));
        origin.CopyTo(new Span<T>(staged, origin.Length));
        _pending.Add(new Pending(target, staged, default));
        return staged;
    }

    /// <summary>Pins <paramref name="destination"/> until the operation to <paramref name="target"/> completes.</summary>
    private void* Pin(Memory<T> destination, int target)
    {
        var pin = destination.Pin();
        _pending.Add(new Pending(target, null, pin));
        return pin.Pointer;
    }

    /// <summary>After a completing call for <paramref name="target"/>: frees its staged data, unpins its destinations.</summary>
    private void Release(int target)
    {
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            if (_pending[i].Target != target)
                continue;
            _pending[i].Dispose();
            _pending.RemoveAt(i);
        }
    }

    private void ReleaseAll()
    {
        foreach (var pending in _pending)
            pending.Dispose();
        _pending.Clear();
    }

    private readonly struct Pending(int target, void* staged, MemoryHandle pin)
    {
        private readonly MemoryHandle _pin = pin;

        public int Target { get; } = target;

        public void Dispose()
        {
            NativeMemory.Free(staged);
            _pin.Dispose();
        }
    }
}
