using MPI.Native;

namespace MPI;

/// <summary>What MPI reports about a message: its source, its tag, whether it was cancelled, its size.</summary>
public class Status
{
    private protected StatusBuffer _native;

    // Decoded on demand: most receives never look at their status.
    internal Status(in StatusBuffer native) => _native = native;

    /// <summary>The rank that sent the message (in the remote group, on an intercommunicator).</summary>
    public int Source => Ranks.FromNative(_native.Source);

    /// <summary>The tag the message carried.</summary>
    public int Tag => Ranks.TagFromNative(_native.Tag);

    // Set for a receive cancelled before it matched any message, which MPI never saw.
    private protected bool _cancelledLocally;

    /// <summary>Whether the operation this status describes was cancelled (MPI_Test_cancelled).</summary>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public unsafe bool Cancelled
    {
        get
        {
            if (_cancelledLocally)
                return true;
            int flag = 0;
            var native = _native;
            Mpi.Check(Mpi.Test_cancelled(&native, &flag));
            return flag != 0;
        }
    }

    /// <summary>
    /// How many elements of <paramref name="type"/> the message holds, for types that travel as raw memory;
    /// null for serialized types or when the size is not a whole number of elements (MPI_Get_count).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="type"/> is null.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public unsafe int? Count(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (!Datatypes.IsRaw(type))
            return null;
        int count = 0;
        var native = _native;
        Mpi.Check(Mpi.Get_count(&native, Datatypes.For(type), &count));
        return count == Mpi.Abi.Undefined ? null : count;
    }
}

/// <summary>
/// The status of a completed receive, which knows how many elements arrived. Statuses never change once made: a
/// blocking receive whose status equals the previous one on its communicator may return that same object.
/// </summary>
public class CompletedStatus : Status
{
    private readonly nint _datatype;
    private int _count;

    internal CompletedStatus(in StatusBuffer native, int count) : base(native) => _count = count;

    /// <summary>A status whose count is asked of MPI only if the caller wants it (it costs a call).</summary>
    internal CompletedStatus(in StatusBuffer native, nint datatype) : base(native)
    {
        _datatype = datatype;
        _count = -1;
    }

    /// <summary>
    /// The status of a completed raw receive: <paramref name="last"/> itself when MPI reported exactly the same status
    /// for the same datatype (a status never changes once made, so equal ones are interchangeable), otherwise a new
    /// one, which becomes <paramref name="last"/>. A loop that receives the same envelope again and again, the usual
    /// latency-bound exchange, then allocates nothing per message. Threads may race on <paramref name="last"/>: the
    /// loser only allocates.
    /// </summary>
    internal static CompletedStatus Reuse(ref CompletedStatus? last, in StatusBuffer native, nint datatype)
    {
        var previous = Volatile.Read(ref last);
        if (previous is not null && previous._datatype == datatype && previous._native.SameAs(native))
            return previous;
        var status = new CompletedStatus(native, datatype);
        Volatile.Write(ref last, status);
        return status;
    }

    /// <summary>The status of a receive cancelled before it matched a message: no source, no tag, no elements.</summary>
    internal static CompletedStatus CancelledBeforeMatch()
    {
        StatusBuffer empty = default;
        return new CompletedStatus(empty, 0) { _cancelledLocally = true };
    }

    /// <summary>
    /// The number of elements received: array elements, or 1 for a single value (MPI_Get_count for raw values,
    /// asked once); 0 for a cancelled receive.
    /// </summary>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public unsafe int Count()
    {
        if (_count < 0)
        {
            int count = 0;
            var native = _native;
            Mpi.Check(Mpi.Get_count(&native, _datatype, &count));
            _count = count == Mpi.Abi.Undefined ? 0 : count;
        }
        return _count;
    }
}
