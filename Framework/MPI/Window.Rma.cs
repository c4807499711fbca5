using MPI.Native;

namespace MPI;

// Remote memory access (MPI-3 section 11.3): put, get, and accumulate-style calls on another rank's segment.
// Buffers: MPI may read an origin or fill a destination until the operation completes (the epoch's end or a flush),
// after these calls have returned. Origins are therefore copied into native memory the window owns, and
// destinations (Memory<T>) stay pinned, until the completing call; FetchAndOp and CompareAndSwap complete at once.
public sealed unsafe partial class Window<T>
{
    private const string AtOnce =
        ": it returns the old value, so it completes the operation at once, which only a flush can do";

    private static readonly ReductionOperation<T> ReplaceOperation = (origin, _) => origin;
    private static readonly ReductionOperation<T> NoOpOperation = (_, target) => target;

    /// <summary>
    /// The operation that stores the origin's value over the target's (MPI_REPLACE): an atomic Put with
    /// <see cref="Accumulate"/>, an atomic swap with <see cref="FetchAndOp"/> or <see cref="GetAccumulate"/>.
    /// Its delegate returns its first argument (the origin value).
    /// </summary>
    public static ReductionOperation<T> Replace => ReplaceOperation;

    /// <summary>
    /// The operation that leaves the target unchanged (MPI_NO_OP): an atomic read with <see cref="FetchAndOp"/> or
    /// <see cref="GetAccumulate"/> (not allowed with <see cref="Accumulate"/>). Its delegate returns its second
    /// argument (the target value).
    /// </summary>
    public static ReductionOperation<T> NoOp => NoOpOperation;

    /// <summary>
    /// Writes <paramref name="origin"/> to the segment of <paramref name="targetRank"/>, from element
    /// <paramref name="targetIndex"/> on (MPI_Put). Nonblocking in MPI's terms: the target sees the data once the
    /// epoch closes or this rank flushes. <paramref name="origin"/> is copied before this returns, so it may be
    /// reused at once. Element types without an MPI datatype travel as their bytes.
    /// </summary>
    /// <param name="origin">The elements to write.</param>
    /// <param name="targetRank">A rank of <see cref="Communicator"/> this rank has an access epoch to.</param>
    /// <param name="targetIndex">The first element written in the target's segment.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="RmaRangeException">The elements written would reach outside the target's segment.</exception>
    /// <exception cref="RmaSynchronizationException">This rank has no access epoch to the target.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Put(ReadOnlySpan<T> origin, int targetRank, long targetIndex)
    {
        if (Admit(targetRank, targetIndex, origin.Length, "Put"))
            Transfer(Mpi.Put, Stage(origin, targetRank), origin.Length, targetRank, targetIndex);
    }

    /// <summary>
    /// Reads <c>destination.Length</c> elements of the segment of <paramref name="targetRank"/>, from element
    /// <paramref name="targetIndex"/> on, into <paramref name="destination"/> (MPI_Get). Nonblocking in MPI's
    /// terms: <paramref name="destination"/> holds the data only once the epoch closes or this rank flushes; it
    /// stays pinned until then and must not be read or written before.
    /// </summary>
    /// <param name="destination">Where the elements go.</param>
    /// <param name="targetRank">A rank of <see cref="Communicator"/> this rank has an access epoch to.</param>
    /// <param name="targetIndex">The first element read in the target's segment.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="RmaRangeException">The elements read would reach outside the target's segment.</exception>
    /// <exception cref="RmaSynchronizationException">This rank has no access epoch to the target.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Get(Memory<T> destination, int targetRank, long targetIndex)
    {
        if (Admit(targetRank, targetIndex, destination.Length, "Get"))
            Transfer(Mpi.Get, Pin(destination, targetRank), destination.Length, targetRank, targetIndex);
    }

    /// <summary>
    /// Combines <paramref name="origin"/> into the segment of <paramref name="targetRank"/>, element by element:
    /// target = op(origin, target) (MPI_Accumulate). Atomic per element with respect to other accumulate-style
    /// calls on the same elements, from any rank. Completes as <see cref="Put"/> does; the origin is copied.
    /// </summary>
    /// <param name="origin">The values to combine.</param>
    /// <param name="targetRank">A rank of <see cref="Communicator"/> this rank has an access epoch to.</param>
    /// <param name="targetIndex">The first element combined in the target's segment.</param>
    /// <param name="op">
    /// A predefined operation: <see cref="Operation{T}.Add"/>, Multiply, Min, Max, the logical and bitwise ones,
    /// or <see cref="Replace"/>.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="op"/> is not a predefined operation (MPI runs no user code for one-sided calls), or is
    /// <see cref="NoOp"/>, or <typeparamref name="T"/> is not a primitive type with a predefined MPI datatype.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="RmaRangeException">The elements would reach outside the target's segment.</exception>
    /// <exception cref="RmaSynchronizationException">This rank has no access epoch to the target.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Accumulate(ReadOnlySpan<T> origin, int targetRank, long targetIndex, ReductionOperation<T> op)
    {
        var mpiOp = PredefinedOp(op, "Accumulate", allowNoOp: false);
        if (!Admit(targetRank, targetIndex, origin.Length, "Accumulate"))
            return;
        var type = DatatypeOf<T>.Handle;
        Mpi.Check(Mpi.Accumulate(Stage(origin, targetRank), origin.Length, type, targetRank,
            Displacement(targetRank, targetIndex), origin.Length, type, mpiOp, LiveHandle));
    }

    /// <summary>
    /// Reads <c>result.Length</c> elements of the segment of <paramref name="targetRank"/> into
    /// <paramref name="result"/> and combines <paramref name="origin"/> into them, atomically per element
    /// (MPI_Get_accumulate): result = old target; target = op(origin, old target). Completes as <see cref="Get"/>
    /// does: <paramref name="result"/> stays pinned and holds the old values only after the epoch closes or a flush.
    /// </summary>
    /// <param name="origin">The values to combine: as many as <paramref name="result"/> holds (ignored, and may be empty, with <see cref="NoOp"/>).</param>
    /// <param name="result">Where the target's old values go.</param>
    /// <param name="targetRank">A rank of <see cref="Communicator"/> this rank has an access epoch to.</param>
    /// <param name="targetIndex">The first element in the target's segment.</param>
    /// <param name="op">A predefined operation, <see cref="Replace"/> or <see cref="NoOp"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="op"/> is not a predefined operation, <typeparamref name="T"/> has no predefined MPI datatype,
    /// or <paramref name="origin"/> and <paramref name="result"/> differ in length.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="RmaRangeException">The elements would reach outside the target's segment.</exception>
    /// <exception cref="RmaSynchronizationException">This rank has no access epoch to the target.</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void GetAccumulate(ReadOnlySpan<T> origin, Memory<T> result, int targetRank, long targetIndex,
        ReductionOperation<T> op)
    {
        var mpiOp = PredefinedOp(op, "GetAccumulate", allowNoOp: true);
        bool noOp = ReferenceEquals(op, NoOpOperation);
        if (!(noOp && origin.IsEmpty) && origin.Length != result.Length)
            throw new ArgumentException(
                $"GetAccumulate: origin has {origin.Length} elements, result {result.Length}; they must match.", nameof(origin));
        if (!Admit(targetRank, targetIndex, result.Length, "GetAccumulate"))
            return;
        var type = DatatypeOf<T>.Handle;
        // MPI reads no origin for MPI_NO_OP, yet some implementations dereference it: give them the result buffer.
        var resultPointer = Pin(result, targetRank);
        var originPointer = origin.IsEmpty ? resultPointer : Stage(origin, targetRank);
        Mpi.Check(Mpi.Get_accumulate(originPointer, result.Length, type, resultPointer, result.Length, type,
            targetRank, Displacement(targetRank, targetIndex), result.Length, type, mpiOp, LiveHandle));
    }

    /// <summary>
    /// Atomically combines <paramref name="value"/> into one element of the segment of <paramref name="targetRank"/>
    /// and returns the element's old value (MPI_Fetch_and_op, then MPI_Win_flush of that target, so the operation
    /// and every earlier one to that target are complete on return). Needs a passive-target epoch.
    /// </summary>
    /// <param name="value">The value to combine (ignored with <see cref="NoOp"/>).</param>
    /// <param name="targetRank">A rank of <see cref="Communicator"/> this rank has locked (Lock or LockAll).</param>
    /// <param name="targetIndex">The element in the target's segment.</param>
    /// <param name="op">A predefined operation, <see cref="Replace"/> (atomic swap) or <see cref="NoOp"/> (atomic read).</param>
    /// <returns>The element's value before the operation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="op"/> is not a predefined operation, or <typeparamref name="T"/> has no predefined MPI datatype.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="RmaRangeException"><paramref name="targetIndex"/> is outside the target's segment.</exception>
    /// <exception cref="RmaSynchronizationException">This rank holds no lock on the target (nor a LockAll).</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T FetchAndOp(T value, int targetRank, long targetIndex, ReductionOperation<T> op)
    {
        var handle = LiveHandle;
        var mpiOp = PredefinedOp(op, "FetchAndOp", allowNoOp: true);
        RequireTarget(targetRank, targetIndex, 1);
        RequirePassiveAccess(targetRank, "FetchAndOp", AtOnce);
        T old = default;
        Mpi.Check(Mpi.Fetch_and_op(&value, &old, DatatypeOf<T>.Handle, targetRank,
            Displacement(targetRank, targetIndex), mpiOp, handle));
        Flush(targetRank);
        return old;
    }

    /// <summary>
    /// Atomically replaces one element of the segment of <paramref name="targetRank"/> with <paramref name="value"/>
    /// if it equals <paramref name="compare"/>, and returns its old value (MPI_Compare_and_swap, then
    /// MPI_Win_flush of that target). The swap happened when the returned value equals <paramref name="compare"/>.
    /// Needs a passive-target epoch.
    /// </summary>
    /// <param name="value">The value stored when the element equals <paramref name="compare"/>.</param>
    /// <param name="compare">The value the element is compared with.</param>
    /// <param name="targetRank">A rank of <see cref="Communicator"/> this rank has locked (Lock or LockAll).</param>
    /// <param name="targetIndex">The element in the target's segment.</param>
    /// <returns>The element's value before the call.</returns>
    /// <exception cref="ArgumentException">
    /// <typeparamref name="T"/> is not an integer type or <see cref="bool"/> (MPI compares and swaps only those).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetRank"/> is not a rank of the communicator.</exception>
    /// <exception cref="RmaRangeException"><paramref name="targetIndex"/> is outside the target's segment.</exception>
    /// <exception cref="RmaSynchronizationException">This rank holds no lock on the target (nor a LockAll).</exception>
    /// <exception cref="ObjectDisposedException">The window was freed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T CompareAndSwap(T value, T compare, int targetRank, long targetIndex)
    {
        var handle = LiveHandle;
        if (!Datatypes.IsPredefined(typeof(T)) || typeof(T) == typeof(float) || typeof(T) == typeof(double))
            throw new ArgumentException(
                $"CompareAndSwap on Window<{typeof(T).Name}>: MPI compares and swaps only integers and bool. " +
                "Use an integer window (for example, the bits of a double through BitConverter).", nameof(value));
        RequireTarget(targetRank, targetIndex, 1);
        RequirePassiveAccess(targetRank, "CompareAndSwap", AtOnce);
        T old = default;
        Mpi.Check(Mpi.Compare_and_swap(&value, &compare, &old, DatatypeOf<T>.Handle, targetRank, Displacement(targetRank, targetIndex),
            handle));
        Flush(targetRank);
        return old;
    }

    /// <summary>
    /// Checks an access before MPI sees it (window alive, target and range, epoch); false when it moves no element.
    /// </summary>
    private bool Admit(int targetRank, long targetIndex, int count, string operation)
    {
        _ = LiveHandle;
        RequireTarget(targetRank, targetIndex, count);
        RequireAccess(targetRank, operation);
        return count > 0;
    }

    /// <summary>MPI_Put or MPI_Get of <paramref name="count"/> elements at <paramref name="buffer"/>.</summary>
    private void Transfer(delegate* unmanaged<void*, int, nint, int, nint, int, nint, nint, int> call, void* buffer,
        int count, int targetRank, long targetIndex)
    {
        var type = DatatypeOf<T>.Handle;
        Mpi.Check(call(buffer, count, type, targetRank, Displacement(targetRank, targetIndex), count, type, LiveHandle));
    }

    /// <summary>Refuses a target rank or an element range outside the target's segment.</summary>
    private void RequireTarget(int targetRank, long targetIndex, int count)
    {
        RequireRank(targetRank, nameof(targetRank));
        long length = _segments[targetRank].Length;
        if (targetIndex < 0 || targetIndex > length - count)
            throw new RmaRangeException(nameof(targetIndex), targetIndex,
                $"Elements {targetIndex} to {targetIndex + count - 1} are outside the segment of rank {targetRank}, " +
                $"which has {length} element(s) (0 to {length - 1}).");
    }

    /// <summary>The MPI handle of a predefined operation, or a clear refusal before MPI sees anything else.</summary>
    private static nint PredefinedOp(ReductionOperation<T> op, string call, bool allowNoOp)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!Datatypes.IsPredefined(typeof(T)))
            throw new ArgumentException(
                $"{call} on Window<{typeof(T).Name}>: accumulate-style calls need an element type with a predefined " +
                "MPI datatype (a primitive: int, long, double...); a struct can only be Put and Get.", nameof(op));
        if (ReferenceEquals(op, ReplaceOperation))
            return Mpi.Abi.Ops.Replace;
        if (ReferenceEquals(op, NoOpOperation))
            return allowNoOp
                ? Mpi.Abi.Ops.NoOp
                : throw new ArgumentException($"{call} with Window<T>.NoOp changes nothing; MPI allows NoOp only with GetAccumulate and FetchAndOp.", nameof(op));
        var predefined = Operation<T>.PredefinedHandle(op);
        return predefined != 0
            ? predefined
            : throw new ArgumentException(
                $"{call} needs a predefined operation (Operation<{typeof(T).Name}>.Add, Multiply, Min, Max, the logical " +
                "and bitwise ones, Window<T>.Replace or Window<T>.NoOp): MPI runs no user-defined operation in one-sided calls.",
                nameof(op));
    }
}
