using MPI.Native;

namespace MPI;

/// <summary>
/// A group of processes that communicate: the base of <see cref="Intracommunicator"/>. Point-to-point operations
/// live in <c>PointToPoint.cs</c>.
/// </summary>
public abstract unsafe partial class Communicator : IDisposable, ICloneable
{
    /// <summary>Receive from any rank (MPI_ANY_SOURCE; -1 here, translated to the loaded library's value).</summary>
    public const int anySource = Ranks.AnySource;

    /// <summary>Receive a message with any tag (MPI_ANY_TAG; -1 here, translated to the loaded library's value).</summary>
    public const int anyTag = Ranks.AnyTag;

#pragma warning disable CA2211 // Public static fields: MPI.NET programs use Communicator.world and .self as fields.
    /// <summary>All processes of the job (MPI_COMM_WORLD), set when MPI is initialized; null before that.</summary>
    public static Intracommunicator world = null!;

    /// <summary>This process alone (MPI_COMM_SELF), set when MPI is initialized; null before that.</summary>
    public static Intracommunicator self = null!;
#pragma warning restore CA2211

    private static int _maxTag = -1;
    private readonly bool _predefined;
    private int _rank = -1;
    private int _size = -1;
    private int _peerLimit = -1;
    private int _selfDestination = int.MinValue;

    private protected Communicator(CommHandle handle, bool predefined, bool adopted = false)
    {
        Handle = handle.Value;
        _predefined = predefined;
        // Every communicator is created by all its processes together, so this is where the private copy that carries
        // the payloads of large serialized messages can be made (see SerializedMessages.cs).
        ShadowHandle = Handle == 0 ? 0 : PrivateHandle(Handle, duplicate: adopted || this is Intercommunicator).Value;
        if (ShadowHandle != 0)
        {
            lock (LiveShadowsGate)
                LiveShadowHandles.Add(ShadowHandle);
        }
        if (predefined && Handle == Mpi.Abi.CommWorld)
            DynamicProcesses.AdoptParentAtStart();
    }

    /// <summary>The framework's private copy of this communicator (same ranks): payloads of serialized messages.</summary>
    internal nint ShadowHandle { get; private set; }

    private static readonly Lock LiveShadowsGate = new();
    private static readonly HashSet<nint> LiveShadowHandles = [];

    /// <summary>The private copies of every communicator not yet freed (see <see cref="ShadowHandle"/>).</summary>
    internal static nint[] LiveShadows()
    {
        lock (LiveShadowsGate)
            return [.. LiveShadowHandles];
    }

    /// <summary>
    /// The native MPI handle (for interoperation with other MPI code): an <c>MPI_Comm</c> at the loaded library's
    /// width (a pointer for Open MPI, a 32-bit integer for MPICH); 0 once disposed.
    /// </summary>
    public nint Handle { get; private set; }

    /// <summary>How this communicator serializes values that are not unmanaged types.</summary>
    public Serialization Serialization { get; set; } = new();

    /// <summary>This process's rank in the communicator, 0 to <see cref="Size"/> - 1 (MPI_Comm_rank, asked once).</summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public int Rank
    {
        get
        {
            if (_rank < 0)
            {
                int rank = 0;
                Mpi.Check(Mpi.Comm_rank(LiveHandle, &rank));
                _rank = rank;
            }
            return _rank;
        }
    }

    /// <summary>The number of processes in the communicator (the local group, for an intercommunicator; MPI_Comm_size, asked once).</summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public int Size
    {
        get
        {
            if (_size < 0)
            {
                int size = 0;
                Mpi.Check(Mpi.Comm_size(LiveHandle, &size));
                _size = size;
            }
            return _size;
        }
    }

    /// <summary>The number of ranks a message can be addressed to.</summary>
    private protected virtual int PeerCount => Size;

    /// <summary>The destination rank that addresses this process itself; none (-1) on an intercommunicator.</summary>
    private protected virtual int SelfDestination => Rank;

    /// <summary>Whether a message to <paramref name="dest"/> comes back to this process.</summary>
    private protected bool AddressesSelf(int dest) =>
        dest == (_selfDestination != int.MinValue ? _selfDestination : _selfDestination = SelfDestination);

    /// <summary>
    /// The intercommunicator to the processes that spawned this job (MPI_Comm_get_parent), or null when mpiexec
    /// started it. The same object on every call; not to be disposed.
    /// </summary>
#pragma warning disable CA1822 // An instance property in MPI.NET: programs write Communicator.world.Parent.
    public Intercommunicator? Parent => DynamicProcesses.Parent();
#pragma warning restore CA1822

    /// <summary>
    /// Waits until every rank of the communicator has called it; on an intercommunicator, every rank of both groups.
    /// Declared here, as in MPI.NET, so code holding a plain <see cref="Communicator"/> can call it (MPI_Barrier).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void Barrier() => Mpi.Check(Mpi.Barrier(LiveHandle));

#pragma warning disable CA1051 // A public field in MPI.NET: programs assign comm.SplitLargeObjects.
    /// <summary>
    /// MPI.NET's switch for sending a large serialized object as several messages. Accepted for source compatibility
    /// and not consulted: the transport here carries serialized payloads of any size itself.
    /// </summary>
    public bool SplitLargeObjects = true;
#pragma warning restore CA1051

    /// <summary>
    /// Aborts every process of this communicator's job (MPI_Abort) after flushing this process's console output;
    /// <paramref name="errorcode"/> becomes the job's exit code (mpiexec's, where the implementation passes it on).
    /// Does not return when MPI honours it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void Abort(int errorcode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Mpi.Check(Mpi.Abort(LiveHandle, errorcode));
    }

    /// <summary>
    /// Compares the membership and context of two communicators (MPI_Comm_compare): identical (the same
    /// communicator), congruent (same ranks in the same order, another context, as a clone), similar (same
    /// processes, another order) or unequal.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">Either communicator has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public Comparison Compare(Communicator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int result = 0;
        Mpi.Check(Mpi.Comm_compare(LiveHandle, other.LiveHandle, &result));
        var abi = Mpi.Abi;
        if (result == abi.Ident)
            return Comparison.Identical;
        if (result == abi.Congruent)
            return Comparison.Congruent;
        return result == abi.Similar ? Comparison.Similar : Comparison.Unequal;
    }

    /// <summary>Values cached on this communicator, carried to clones as their attributes say. Kept in .NET, not in MPI.</summary>
    public AttributeSet Attributes { get; } = new();

    /// <summary>
    /// The processes of this communicator (the local group, for an intercommunicator): a new <see cref="Group"/>
    /// on each call (MPI_Comm_group), which the caller disposes.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public Group Group
    {
        get
        {
            long handle = 0;
            Mpi.Check(Mpi.Comm_group(LiveHandle, &handle));
            return Group.FromHandleWrittenAt(&handle);
        }
    }

    /// <summary>
    /// Duplicates the communicator (MPI_Comm_dup): the copy has the same group and kind, a new message space, and
    /// this communicator's attributes as their duplication policies say. Collective: every rank calls it. The
    /// caller disposes the copy.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public object Clone()
    {
        var clone = WrapDuplicate(DuplicateHandle(LiveHandle));
        Attributes.CopyTo(clone.Attributes);
        return clone;
    }

    /// <summary>Wraps a duplicate of this communicator's handle in an object of the same kind.</summary>
    private protected abstract Communicator WrapDuplicate(CommHandle handle);

    /// <summary>
    /// A communicator of the processes in <paramref name="group"/> (a subset of this one's), created by every
    /// rank of this communicator together with the same group (MPI_Comm_create); null on the ranks outside the
    /// group. The caller disposes it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">This communicator or the group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public Communicator? Create(Group group)
    {
        ArgumentNullException.ThrowIfNull(group);
        long handle = 0;
        Mpi.Check(Mpi.Comm_create(LiveHandle, group.LiveHandle, &handle));
        return Wrap(CommHandle.Adopt(&handle));
    }

    /// <summary>
    /// Splits the communicator: ranks that pass the same <paramref name="color"/> end up together, ordered by
    /// <paramref name="key"/> then by their rank here (MPI_Comm_split). Collective: every rank calls it. Returns
    /// this rank's new communicator (an <see cref="Intracommunicator"/>, or an <see cref="Intercommunicator"/> when
    /// splitting one), which the caller disposes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="color"/> is negative. The caller still takes part in the split (as a rank that joins no
    /// new communicator), so the other ranks get theirs instead of waiting.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed (or this rank is not part of it).</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public Communicator Split(int color, int key)
    {
        long handle = 0;
        Mpi.Check(Mpi.Comm_split(LiveHandle, color < 0 ? Mpi.Abi.Undefined : color, key, &handle));
        if (color < 0)
            throw new ArgumentOutOfRangeException(nameof(color), color,
                "The colour of a split must not be negative; this rank was left out of the new communicators.");
        return Wrap(CommHandle.Adopt(&handle))!;
    }

    /// <summary>
    /// Takes ownership of a native communicator handle (freed on <see cref="Dispose"/>): an
    /// <see cref="Intracommunicator"/> or <see cref="Intercommunicator"/> as the handle is (MPI_Comm_test_inter);
    /// null for MPI_COMM_NULL; <see cref="world"/> or <see cref="self"/> for theirs. Sets MPI_ERRORS_RETURN on it,
    /// so its errors become exceptions. <paramref name="handle"/> is an <c>MPI_Comm</c> at the library's width.
    /// </summary>
    /// <exception cref="InvalidOperationException">MPI is not initialized.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public static Communicator? Adopt(nint handle)
    {
        var abi = Mpi.Abi;
        if (handle == abi.CommWorld)
            return world;
        if (handle == abi.CommSelf)
            return self;
        return Wrap(CommHandle.Adopt(handle), adopted: true);
    }

    /// <summary>
    /// An <see cref="Intracommunicator"/> or <see cref="Intercommunicator"/> as the handle is; null for none.
    /// <paramref name="adopted"/>: made by other code, so messages may have travelled on it already.
    /// </summary>
    private static Communicator? Wrap(CommHandle handle, bool adopted = false)
    {
        if (handle.Value == 0)
            return null;
        int inter = 0;
        Mpi.Check(Mpi.Comm_test_inter(handle.Value, &inter));
        return inter != 0 ? new Intercommunicator(handle) : new Intracommunicator(handle, predefined: false, adopted);
    }

    /// <summary>
    /// Frees the communicator (MPI_Comm_free). Predefined communicators are left alone; after finalize nothing is
    /// called. Calling it again does nothing.
    /// </summary>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
        if (_predefined || Handle == 0)
            return;
        // No receive can take what this rank sent itself on the communicator once it is freed.
        SelfSends.DropUnreceived(Handle, ShadowHandle);
        FreeShadow();
        Mpi.FreeWhileActive(Handle, Mpi.Comm_free);
        Handle = 0;
    }

    /// <summary>Frees the framework's private copy (of a predefined communicator, as MPI is about to be finalized).</summary>
    internal void FreeShadow()
    {
        if (ShadowHandle == 0)
            return;
        lock (LiveShadowsGate)
            LiveShadowHandles.Remove(ShadowHandle);
        Mpi.FreeWhileActive(ShadowHandle, Mpi.Comm_free);
        ShadowHandle = 0;
    }

    /// <summary>The handle, or a clear error when the communicator was disposed.</summary>
    internal nint LiveHandle => Handle != 0
        ? Handle
        : throw new ObjectDisposedException(GetType().Name, "The communicator has been disposed, or this rank is not part of it.");

    internal static int MaxTagValue => _maxTag >= 0 ? _maxTag : _maxTag = Environment.MaxTag;

    private protected static CommHandle DuplicateHandle(nint handle)
    {
        long copy = 0;
        Mpi.Check(Mpi.Comm_dup(handle, &copy));
        return CommHandle.Adopt(&copy);
    }

    /// <summary>
    /// The private copy of a communicator (<see cref="ShadowHandle"/>): the same processes in the same order. For an
    /// intracommunicator the framework has just made, on which no message has travelled yet, it is made by
    /// MPI_Comm_create_group over the whole group, not by MPI_Comm_dup: Open MPI 4.1 agrees on a duplicate's context
    /// id with a nonblocking allreduce on the communicator, and once a communicator has run a nonblocking collective
    /// every later poll of the progress engine also polls libnbc, for the rest of the process (0-byte round trips 15%
    /// slower; README, "Small-message latency"). MPI_Comm_create_group agrees by point-to-point messages, which Open
    /// MPI sends on the communicator itself with the call's tag: where the program's messages may already travel they
    /// would match them (so a task farm's communicator is a duplicate); on a new one, each rank's own messages come
    /// after all of its part of the call, and MPI keeps their order. With <paramref name="duplicate"/> the copy is a
    /// duplicate: an intercommunicator's (MPI_Comm_create_group takes intracommunicators only) and that of a handle
    /// adopted from other code.
    /// </summary>
    private static CommHandle PrivateHandle(nint handle, bool duplicate)
    {
        if (duplicate)
            return DuplicateHandle(handle);
        long group = 0, copy = 0;
        Mpi.Check(Mpi.Comm_group(handle, &group));
        int created = Mpi.Comm_create_group(handle, Mpi.ReadHandle(&group), 0, &copy);
        Mpi.Check(Mpi.Group_free(&group));
        Mpi.Check(created);
        return CommHandle.Adopt(&copy);
    }

    // The checks below run on every message: the common case is two compares against cached fields, and
    // the messages are built only on the cold path.
    private protected void ValidateDestination(int dest)
    {
        if ((uint)dest >= (uint)PeerLimit && dest != Ranks.ProcNull)
            throw RankOutOfRange(nameof(dest), dest, "Destination", "");
    }

    private protected void ValidateSource(int source)
    {
        if ((uint)source >= (uint)PeerLimit && source != Ranks.ProcNull && source != anySource)
            throw RankOutOfRange(nameof(source), source, "Source", ", or use Communicator.anySource");
    }

    private protected static void ValidateTag(int tag, bool allowAny)
    {
        if ((uint)tag > (uint)MaxTagValue && !(allowAny && tag == anyTag))
            throw TagOutOfRange(tag, allowAny);
    }

    private int PeerLimit => _peerLimit >= 0 ? _peerLimit : _peerLimit = PeerCount;

    private ArgumentOutOfRangeException RankOutOfRange(string parameter, int rank, string role, string alternative) =>
        new(parameter, rank,
            $"{role} rank {rank} is out of range: the communicator has {PeerCount} ranks (0 to {PeerCount - 1}){alternative}.");

    private static ArgumentOutOfRangeException TagOutOfRange(int tag, bool allowAny) =>
        new(nameof(tag), tag, $"Tag {tag} is out of range: tags go from 0 to {MaxTagValue}" +
            (allowAny ? ", or Communicator.anyTag to receive any tag." : "."));
}
