using MPI.Native;

namespace MPI;

/// <summary>
/// A group of processes that communicate: the base of <see cref="Intracommunicator"/>. Point-to-point operations
/// live in <c>PointToPoint.cs</c>.
/// </summary>
public abstract unsafe partial class Communicator : IDisposable, ICloneable
{
    /// <summary>Receive from any rank.</summary>
    public const int anySource = Ranks.AnySource;

    /// <summary>Receive a message with any tag.</summary>
    public const int anyTag = Ranks.AnyTag;

#pragma warning disable CA2211 // Public static fields: MPI.NET programs use Communicator.world and .self as fields.
    /// <summary>All processes of the job (MPI_COMM_WORLD), set when MPI is initialized.</summary>
    public static Intracommunicator world = null!;

    /// <summary>This process alone (MPI_COMM_SELF), set when MPI is initialized.</summary>
    public static Intracommunicator self = null!;
#pragma warning restore CA2211

    private static int _maxTag = -1;
    private readonly bool _predefined;
    private int _rank = -1;
    private int _size = -1;

    private protected Communicator(nint handle, bool predefined)
    {
        Handle = handle;
        _predefined = predefined;
    }

    /// <summary>The native MPI handle (for interoperation with other MPI code).</summary>
    public nint Handle { get; private set; }

    /// <summary>How this communicator serializes values that are not unmanaged types.</summary>
    public Serialization Serialization { get; set; } = new();

    /// <summary>This process's rank in the communicator.</summary>
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

    /// <summary>The number of processes in the communicator (the local group, for an intercommunicator).</summary>
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

    /// <summary>Whether a message to <paramref name="dest"/> comes back to this process.</summary>
    private protected virtual bool AddressesSelf(int dest) => dest == Rank;

    /// <summary>Aborts every process of this communicator's job.</summary>
    public void Abort(int errorcode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Mpi.Check(Mpi.Abort(LiveHandle, errorcode));
    }

    /// <summary>Compares the membership and context of two communicators.</summary>
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

    /// <summary>Duplicates the communicator (MPI_Comm_dup); the copy has the same group and a new context.</summary>
    public abstract object Clone();

    /// <summary>Frees the communicator. Predefined communicators are left alone; after finalize nothing is called.</summary>
    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
        if (_predefined || Handle == 0)
            return;
        if (Environment.Initialized && !Environment.Finalized)
        {
            long handle = 0;
            Mpi.WriteHandle(&handle, Handle);
            Mpi.Check(Mpi.Comm_free(&handle));
        }
        Handle = 0;
    }

    /// <summary>The handle, or a clear error when the communicator was disposed.</summary>
    internal nint LiveHandle => Handle != 0
        ? Handle
        : throw new ObjectDisposedException(GetType().Name, "The communicator has been disposed.");

    internal static int MaxTagValue => _maxTag >= 0 ? _maxTag : _maxTag = Environment.MaxTag;

    private protected static nint DuplicateHandle(nint handle)
    {
        long copy = 0;
        Mpi.Check(Mpi.Comm_dup(handle, &copy));
        var duplicate = Mpi.ReadHandle(&copy);
        Mpi.Check(Mpi.Comm_set_errhandler(duplicate, Mpi.Abi.ErrorsReturn));
        return duplicate;
    }

    private void ValidateDestination(int dest)
    {
        if (dest != Ranks.ProcNull && (uint)dest >= (uint)PeerCount)
            throw new ArgumentOutOfRangeException(nameof(dest), dest,
                $"Destination rank {dest} is out of range: the communicator has {PeerCount} ranks (0 to {PeerCount - 1}).");
    }

    private void ValidateSource(int source)
    {
        if (source != Ranks.ProcNull && source != anySource && (uint)source >= (uint)PeerCount)
            throw new ArgumentOutOfRangeException(nameof(source), source,
                $"Source rank {source} is out of range: the communicator has {PeerCount} ranks (0 to {PeerCount - 1}), " +
                $"or use Communicator.anySource.");
    }

    private static void ValidateTag(int tag, bool allowAny)
    {
        if (allowAny && tag == anyTag)
            return;
        if (tag < 0 || tag > MaxTagValue)
            throw new ArgumentOutOfRangeException(nameof(tag), tag,
                $"Tag {tag} is out of range: tags go from 0 to {MaxTagValue}" +
                (allowAny ? ", or Communicator.anyTag to receive any tag." : "."));
    }
}
