using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using MPI.Native;

namespace MPI;

/// <summary>
/// A communicator between two disjoint groups. Point-to-point ranks address the remote group. In the rooted
/// collectives the data flows from one group to the other: in the root's group the root passes
/// <see cref="Root"/> and every other rank <see cref="Null"/>; in the other group every rank passes the root's
/// rank. The all-to-all forms exchange with the remote group: each rank receives the remote group's data. The
/// collectives share their implementation with <see cref="Intracommunicator"/>'s (<c>CollectiveCores.cs</c>); as
/// there, a root that rejects its arguments (a <c>Scatter</c> of the wrong length...) makes the remote group throw
/// too instead of waiting.
/// </summary>
public sealed unsafe class Intercommunicator : Communicator
{
    /// <summary>The root argument of the rank that is the root of a rooted collective.</summary>
    public const int Root = Ranks.Root;

    /// <summary>The root argument of the other ranks of the root's group, which take no part.</summary>
    public const int Null = Ranks.ProcNull;

    /// <summary>
    /// Creates an intercommunicator between the group of <paramref name="localComm"/> and another group, whose
    /// leaders can reach each other through <paramref name="bridgeComm"/> (significant at the local leader only)
    /// (MPI_Intercomm_create). Every rank of both groups calls it; errors on it are exceptions, as on every communicator.
    /// </summary>
    /// <param name="localComm">This rank's group.</param>
    /// <param name="localLeader">The rank in <paramref name="localComm"/> that talks to the other group's leader.</param>
    /// <param name="bridgeComm">A communicator holding both leaders.</param>
    /// <param name="remoteLeader">The other group's leader, as a rank of <paramref name="bridgeComm"/>.</param>
    /// <param name="tag">The tag the leaders' messages on <paramref name="bridgeComm"/> carry.</param>
    /// <exception cref="ArgumentNullException"><paramref name="localComm"/> or <paramref name="bridgeComm"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="localLeader"/> is not a rank of <paramref name="localComm"/>.</exception>
    /// <exception cref="MpiException">MPI reported an error (such as a bad remote leader or tag: <see cref="MpiArgumentException"/>).</exception>
    public Intercommunicator(Intracommunicator localComm, int localLeader, Intracommunicator bridgeComm,
        int remoteLeader, int tag)
        : base(Create(localComm, localLeader, bridgeComm, remoteLeader, tag), predefined: false)
    {
    }

    internal Intercommunicator(CommHandle handle) : base(handle, predefined: false) { }

    /// <summary>The number of processes in the remote group (MPI_Comm_remote_size).</summary>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public int RemoteSize
    {
        get
        {
            int size = 0;
            Mpi.Check(Mpi.Comm_remote_size(LiveHandle, &size));
            return size;
        }
    }

    private protected override int PeerCount => RemoteSize;

    // A rank of an intercommunicator names a remote process: never this one.
    private protected override int SelfDestination => -1;

    /// <summary>
    /// Joins both groups into one intracommunicator; the group that passes <paramref name="upper"/> = true is
    /// ordered after the other (MPI_Intercomm_merge). Every rank of both groups calls it.
    /// </summary>
    /// <param name="upper">Whether this rank's group comes after the other in the new communicator's ranks.</param>
    /// <returns>A new intracommunicator of both groups, whose errors are exceptions; dispose it when done.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public Intracommunicator Merge(bool upper)
    {
        long handle = 0;
        Mpi.Check(Mpi.Intercomm_merge(LiveHandle, upper ? 1 : 0, &handle));
        return new Intracommunicator(CommHandle.Adopt(&handle), predefined: false);
    }

    private protected override Communicator WrapDuplicate(CommHandle handle) => new Intercommunicator(handle);

    /// <summary>The processes of the remote group (MPI_Comm_remote_group).</summary>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public Group RemoteGroup
    {
        get
        {
            long handle = 0;
            Mpi.Check(Mpi.Comm_remote_group(LiveHandle, &handle));
            return Group.FromHandleWrittenAt(&handle);
        }
    }

    // ---- Rooted: data flows from the root to the remote group, or from the remote group to the root ----

    /// <summary>Broadcasts the root's value to every rank of the remote group (MPI_Bcast).</summary>
    /// <param name="value">The value to send at the root; replaced by the root's value in the remote group; unused elsewhere.</param>
    /// <param name="root"><see cref="Root"/> at the root, <see cref="Null"/> at the other ranks of its group, the root's rank in the remote group.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is none of those.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Broadcast<T>(ref T value, int root) => BroadcastValue(ref value, Rooted(root));

    /// <summary>
    /// Broadcasts the root's array to every rank of the remote group (MPI_Bcast). Raw elements are received into
    /// each receiver's array, which must have the root's length; serialized elements are copied into it when the
    /// lengths match, and replace it otherwise.
    /// </summary>
    /// <param name="values">The root's elements; in the remote group the array that receives them; unused (may be null) elsewhere.</param>
    /// <param name="root"><see cref="Root"/> at the root, <see cref="Null"/> at the other ranks of its group, the root's rank in the remote group.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is none of those.</exception>
    /// <exception cref="ArgumentNullException">The root or a receiver passes null <paramref name="values"/> of an unmanaged <typeparamref name="T"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error, such as a receiving array shorter than the root's.</exception>
    public void Broadcast<T>(ref T[] values, int root) => BroadcastArray(ref values, Rooted(root));

    /// <summary>The root receives one value from every rank of the remote group (MPI_Gather).</summary>
    /// <param name="value">A remote rank's contribution (unused at the root's group).</param>
    /// <param name="root"><see cref="Root"/> at the root, <see cref="Null"/> at the other ranks of its group, the root's rank in the remote group.</param>
    /// <returns>At the root, <see cref="RemoteSize"/> values, value r from remote rank r; null elsewhere.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is none of those.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[]? Gather<T>(T value, int root)
    {
        T[]? values = null;
        GatherValue(value, Rooted(root), ref values);
        return values;
    }

    /// <summary>
    /// GatherFlattened at the root: receives <paramref name="counts"/>[r] elements from remote rank r, concatenated
    /// in rank order (MPI_Gatherv).
    /// </summary>
    /// <param name="counts">How many elements each remote rank sends (<see cref="RemoteSize"/> counts).</param>
    /// <param name="outValues">Receives the sum of <paramref name="counts"/> elements (reused when it has that length, allocated otherwise; may be null).</param>
    /// <exception cref="ArgumentNullException"><paramref name="counts"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="counts"/> does not hold <see cref="RemoteSize"/> counts or holds a negative one (the remote
    /// ranks throw too, as the root rejects the call before any data moves), or a serialized block does not match
    /// its count.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error, such as a remote rank sending more elements than its count.</exception>
    public void GatherFlattened<T>(int[] counts, [NotNull] ref T[]? outValues)
    {
        var role = Rooted(Root);
        AgreeWithRoot(role, () => RequireCounts(counts, nameof(counts), role));
        GatherVarying(null, counts, role, ref outValues);
        Debug.Assert(outValues is not null, "The root receives the blocks.");
    }

    /// <summary>GatherFlattened in the remote group: sends <paramref name="inValues"/> to the root (MPI_Gatherv).</summary>
    /// <param name="inValues">This rank's elements: as many as the root's count for it.</param>
    /// <param name="root">The root's rank in the remote group.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of the remote group.</exception>
    /// <exception cref="ArgumentException">The root rejected its counts.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void GatherFlattened<T>(T[] inValues, int root)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        var role = Receiving(root);
        AgreeWithRoot(role, () => { });
        T[]? none = null;
        GatherVarying(inValues, null, role, ref none);
    }

    /// <summary>
    /// GatherFlattened for the ranks of the root's group other than the root: they take no part (MPI_Gatherv with
    /// MPI_PROC_NULL).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void GatherFlattened<T>()
    {
        var role = Rooted(Null);
        AgreeWithRoot(role, () => { });
        T[]? none = null;
        GatherVarying(null, null, role, ref none);
    }

    /// <summary>Scatter at the root: element r of <paramref name="values"/> goes to remote rank r (MPI_Scatter).</summary>
    /// <param name="values"><see cref="RemoteSize"/> values.</param>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="values"/> does not hold <see cref="RemoteSize"/> values (the remote ranks throw too, as the
    /// root rejects the call before any data moves).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Scatter<T>(T[] values)
    {
        var role = Rooted(Root);
        AgreeWithRoot(role, () => RequirePerPeer(values, nameof(values), role));
        ScatterValue(values, role);
    }

    /// <summary>Scatter in the remote group: receives this rank's element from the root (MPI_Scatter).</summary>
    /// <param name="root">The root's rank in the remote group.</param>
    /// <returns>Element <see cref="Communicator.Rank"/> of the root's values.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of the remote group.</exception>
    /// <exception cref="ArgumentException">The root rejected its values.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T Scatter<T>(int root)
    {
        var role = Receiving(root);
        AgreeWithRoot(role, () => { });
        return ScatterValue<T>(null, role)!;
    }

    /// <summary>
    /// Scatter for the ranks of the root's group other than the root: they take no part (MPI_Scatter with
    /// MPI_PROC_NULL).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Scatter<T>()
    {
        var role = Rooted(Null);
        AgreeWithRoot(role, () => { });
        ScatterValue<T>(null, role);
    }

    /// <summary>
    /// ScatterFromFlattened at the root: <paramref name="counts"/>[r] consecutive elements of
    /// <paramref name="inValues"/> go to remote rank r (MPI_Scatterv).
    /// </summary>
    /// <param name="inValues">The sum of <paramref name="counts"/> elements.</param>
    /// <param name="counts">How many elements each remote rank receives (<see cref="RemoteSize"/> counts).</param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> or <paramref name="counts"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="counts"/> does not hold <see cref="RemoteSize"/> counts or holds a negative one, or
    /// <paramref name="inValues"/> does not hold their sum (the remote ranks throw too, as the root rejects the call
    /// before any data moves).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ScatterFromFlattened<T>(T[] inValues, int[] counts)
    {
        var role = Rooted(Root);
        AgreeWithRoot(role, () =>
        {
            ArgumentNullException.ThrowIfNull(inValues);
            RequireLength(inValues.Length, RequireCounts(counts, nameof(counts), role), nameof(inValues),
                "the sum of counts");
        });
        T[]? none = null;
        ScatterVarying(inValues, counts, role, ref none);
    }

    /// <summary>
    /// ScatterFromFlattened in the remote group: receives <paramref name="counts"/>[<see cref="Communicator.Rank"/>]
    /// elements from the root (MPI_Scatterv).
    /// </summary>
    /// <param name="counts">How many elements each rank of this group receives (<see cref="Communicator.Size"/> counts).</param>
    /// <param name="root">The root's rank in the remote group.</param>
    /// <param name="outValues">Receives this rank's elements (reused when it has that length, allocated otherwise; may be null).</param>
    /// <exception cref="ArgumentNullException"><paramref name="counts"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of the remote group.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="counts"/> does not hold <see cref="Communicator.Size"/> counts or holds a negative one, or the
    /// root rejected its arguments.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ScatterFromFlattened<T>(int[] counts, int root, [NotNull] ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(counts);
        RequireLength(counts.Length, Size, nameof(counts), "Size");
        var role = Receiving(root);
        AgreeWithRoot(role, () => { });
        ScatterVarying(null, counts, role, ref outValues);
        Debug.Assert(outValues is not null, "A rank of the remote group receives a block.");
    }

    /// <summary>
    /// ScatterFromFlattened for the ranks of the root's group other than the root: they take no part (MPI_Scatterv
    /// with MPI_PROC_NULL).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ScatterFromFlattened<T>()
    {
        var role = Rooted(Null);
        AgreeWithRoot(role, () => { });
        T[]? none = null;
        ScatterVarying(null, null, role, ref none);
    }

    /// <summary>
    /// The root gets the combination, in rank order, of the remote group's values (MPI_Reduce for unmanaged types,
    /// MPI_Gatherv of serialized values otherwise).
    /// </summary>
    /// <param name="value">A remote rank's contribution (unused at the root's group).</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="root"><see cref="Root"/> at the root, <see cref="Null"/> at the other ranks of its group, the root's rank in the remote group.</param>
    /// <returns>At the root, the combination; default(T) elsewhere.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is none of those.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T? Reduce<T>(T value, ReductionOperation<T> op, int root) => ReduceValue(value, op, Rooted(root));

    /// <summary>
    /// The root gets the position-by-position combination, in rank order, of the remote group's arrays (MPI_Reduce
    /// for unmanaged types, MPI_Gatherv of serialized values otherwise).
    /// </summary>
    /// <param name="inValues">A remote rank's elements (the same number on every remote rank); may be null at the root's group.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="root"><see cref="Root"/> at the root, <see cref="Null"/> at the other ranks of its group, the root's rank in the remote group.</param>
    /// <param name="outValues">
    /// At the root: receives the combined elements. For raw elements the root passes an array of the result's length
    /// here (or in <paramref name="inValues"/>), as MPI needs the count there. Left as it is elsewhere.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is none of those.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null, or a remote rank's <paramref name="inValues"/> is.</exception>
    /// <exception cref="ArgumentException">
    /// The root of a raw reduction passed neither array, or serialized arrays of different lengths reached the root.
    /// </exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Reduce<T>(T[]? inValues, ReductionOperation<T> op, int root, ref T[]? outValues) =>
        ReduceArray(inValues, op, Rooted(root), ref outValues);

    // ---- All-to-all: every rank gets the remote group's data ----

    /// <summary>Gathers one value from every rank of the remote group, on every rank (MPI_Allgather).</summary>
    /// <param name="value">This rank's contribution.</param>
    /// <returns><see cref="RemoteSize"/> values, value r from remote rank r.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] Allgather<T>(T value)
    {
        T[]? values = null;
        AllgatherValue(value, Everyone, ref values);
        return values;
    }

    /// <summary>
    /// Receives <paramref name="counts"/>[r] elements from remote rank r, concatenated in rank order, on every rank
    /// (MPI_Allgatherv).
    /// </summary>
    /// <param name="inValues">This rank's elements, as many as the remote group's counts say for it.</param>
    /// <param name="counts">How many elements each remote rank sends (<see cref="RemoteSize"/> counts).</param>
    /// <param name="outValues">Receives the sum of <paramref name="counts"/> elements (reused when it has that length, allocated otherwise; may be null).</param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> or <paramref name="counts"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="counts"/> does not hold <see cref="RemoteSize"/> counts or holds a negative one, or a
    /// serialized block received does not match its count.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void AllgatherFlattened<T>(T[] inValues, int[] counts, [NotNull] ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        var all = Everyone;
        RequireCounts(counts, nameof(counts), all);
        AllgatherVarying(inValues, counts, all, ref outValues);
    }

    /// <summary>
    /// The combination, in rank order, of the remote group's values (MPI_Allreduce for unmanaged types,
    /// MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="value">This rank's contribution.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <returns>The combination of the remote group's values.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T Allreduce<T>(T value, ReductionOperation<T> op) => AllreduceValue(value, op, Everyone);

    /// <summary>
    /// The position-by-position combination, in rank order, of the remote group's arrays (MPI_Allreduce for
    /// unmanaged types, MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="inValues">This rank's elements; every rank of both groups passes the same number.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="outValues">Receives <c>inValues.Length</c> combined elements (reused when it has that length, allocated otherwise; may be null).</param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> or <paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">The remote group passed serialized arrays of different lengths.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Allreduce<T>(T[] inValues, ReductionOperation<T> op, [NotNull] ref T[]? outValues) =>
        AllreduceArray(inValues, op, Everyone, ref outValues);

    /// <summary>
    /// Sends element r of <paramref name="values"/> to remote rank r; element r of the result came from remote rank r
    /// (MPI_Alltoall).
    /// </summary>
    /// <param name="values"><see cref="RemoteSize"/> elements.</param>
    /// <returns><see cref="RemoteSize"/> elements.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold <see cref="RemoteSize"/> elements.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] Alltoall<T>(T[] values)
    {
        var all = Everyone;
        RequirePerPeer(values, nameof(values), all);
        T[]? results = null;
        AlltoallValues(values, all, ref results);
        return results;
    }

    /// <summary>
    /// Sends <paramref name="sendCounts"/>[r] consecutive elements to remote rank r and receives
    /// <paramref name="recvCounts"/>[r] from it, concatenated in rank order (MPI_Alltoallv).
    /// </summary>
    /// <param name="inValues">The sum of <paramref name="sendCounts"/> elements.</param>
    /// <param name="sendCounts">How many elements go to each remote rank (<see cref="RemoteSize"/> counts).</param>
    /// <param name="recvCounts">How many elements come from each remote rank (<see cref="RemoteSize"/> counts).</param>
    /// <param name="outValues">Receives the sum of <paramref name="recvCounts"/> elements (reused when it has that length, allocated otherwise; may be null).</param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="outValues"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// A counts array does not hold <see cref="RemoteSize"/> counts or holds a negative one,
    /// <paramref name="inValues"/> does not hold the sum of <paramref name="sendCounts"/>, or a serialized block
    /// received does not match its count.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void AlltoallFlattened<T>(T[] inValues, int[] sendCounts, int[] recvCounts, [NotNull] ref T[]? outValues) =>
        AlltoallVarying(inValues, sendCounts, recvCounts, Everyone, ref outValues);

    /// <summary>
    /// Combines the remote group's arrays position by position, in rank order, then gives local rank r the
    /// <paramref name="counts"/>[r] elements after those of lower ranks (MPI_Reduce_scatter for unmanaged types,
    /// MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="inValues">This rank's elements: the sum of <paramref name="counts"/> (both groups' sums agree).</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="counts">How many combined elements each rank of this group gets (<see cref="Communicator.Size"/> counts).</param>
    /// <param name="outValues">
    /// Receives <paramref name="counts"/>[<see cref="Communicator.Rank"/>] elements (reused when it has that length,
    /// allocated otherwise; may be null).
    /// </param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="outValues"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="counts"/> does not hold <see cref="Communicator.Size"/> counts or holds a negative one, or
    /// <paramref name="inValues"/> does not hold their sum.
    /// </exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ReduceScatter<T>(T[] inValues, ReductionOperation<T> op, int[] counts, [NotNull] ref T[]? outValues) =>
        ReduceScatterArray(inValues, op, counts, Everyone, ref outValues);

    private static CommHandle Create(Intracommunicator localComm, int localLeader, Intracommunicator bridgeComm,
        int remoteLeader, int tag)
    {
        ArgumentNullException.ThrowIfNull(localComm);
        ArgumentNullException.ThrowIfNull(bridgeComm);
        if ((uint)localLeader >= (uint)localComm.Size)
            throw new ArgumentOutOfRangeException(nameof(localLeader), localLeader,
                $"The local leader must be a rank of the local communicator (0 to {localComm.Size - 1}).");
        long handle = 0;
        Mpi.Check(Mpi.Intercomm_create(localComm.LiveHandle, localLeader, bridgeComm.LiveHandle, remoteLeader, tag,
            &handle));
        return CommHandle.Adopt(&handle);
    }

    /// <summary>
    /// The role of a rank that passed <paramref name="root"/> to a rooted collective: <see cref="Root"/>,
    /// <see cref="Null"/> or a rank of the remote group.
    /// </summary>
    private CollectiveRole Rooted(int root)
    {
        if (root is not (Root or Null) && (uint)root >= (uint)RemoteSize)
            throw new ArgumentOutOfRangeException(nameof(root), root,
                $"Root {root} is neither Intercommunicator.Root, Intercommunicator.Null nor a rank of the remote " +
                $"group (0 to {RemoteSize - 1}).");
        return CollectiveRole.Between(root, Ranks.ToNative(root), root == Root ? RemoteSize : 0);
    }

    /// <summary>The role of a rank of the remote group, which names the root by its rank there.</summary>
    private CollectiveRole Receiving(int root) => root is Root or Null
        ? throw new ArgumentOutOfRangeException(nameof(root), root,
            "The group that exchanges with the root passes the root's rank in the remote group, not Root or Null.")
        : Rooted(root);

    /// <summary>The role of every rank in a collective without a root: it receives from the remote group.</summary>
    private CollectiveRole Everyone => CollectiveRole.All(RemoteSize, remote: true);
}
