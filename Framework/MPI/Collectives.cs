using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace MPI;

/// <summary>
/// The collectives of MPI.NET over values and arrays. Each checks its arguments, takes this rank's role and calls
/// the core in <c>CollectiveCores.cs</c> that <see cref="Intercommunicator"/> shares: values of unmanaged types go
/// straight to MPI over the caller's memory, every other type through the serialized path
/// (<c>SerializedCollectives.cs</c>). Arguments only the root can check (its input's length) are agreed on before
/// any data moves, so a root that rejects them does not leave the other ranks waiting: they throw too.
/// Every rank of the communicator calls each collective, with the same root; lengths are in elements.
/// </summary>
/// <remarks>
/// Besides the exceptions each method lists, every collective throws <see cref="ObjectDisposedException"/> when the
/// communicator was disposed, <see cref="MpiException"/> when MPI reports an error, and, for serialized values,
/// whatever the serializer throws (<see cref="MessageTypeMismatchException"/> when a received value cannot be read
/// as <c>T</c>).
/// </remarks>
public partial class Intracommunicator
{
    // ---- Broadcast ----

    /// <summary>Broadcasts the root's <paramref name="value"/> to every rank (MPI_Bcast).</summary>
    /// <param name="value">The value to send at the root; replaced by the root's value on the other ranks.</param>
    /// <param name="root">The rank whose value every rank gets.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Broadcast<T>(ref T value, int root) => BroadcastValue(ref value, Rooted(root));

    /// <summary>
    /// Broadcasts the root's array (MPI_Bcast). Raw elements are received into each rank's array, which must have
    /// the root's length; serialized elements are copied into it when the lengths match, and replace it otherwise.
    /// </summary>
    /// <param name="values">The root's elements; on the other ranks the array that receives them.</param>
    /// <param name="root">The rank whose array every rank gets.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null and <typeparamref name="T"/> is unmanaged.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error, such as a receiving array shorter than the root's.</exception>
    public void Broadcast<T>(ref T[] values, int root) => BroadcastArray(ref values, Rooted(root));

    // ---- Gather ----

    /// <summary>Gathers one value from every rank at the root (MPI_Gather).</summary>
    /// <param name="value">This rank's contribution.</param>
    /// <param name="root">The rank that receives the values.</param>
    /// <returns>At the root, <see cref="Communicator.Size"/> values, value r from rank r; null on the other ranks.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[]? Gather<T>(T value, int root)
    {
        T[]? values = null;
        GatherValue(value, Rooted(root), ref values);
        return values;
    }

    /// <summary>Gathers one value from every rank into the root's <paramref name="outValues"/> (MPI_Gather).</summary>
    /// <param name="inValue">This rank's contribution.</param>
    /// <param name="root">The rank that receives the values.</param>
    /// <param name="outValues">
    /// At the root: receives <see cref="Communicator.Size"/> values, value r from rank r (reused when it has that
    /// length, allocated otherwise). Left as it is on the other ranks, which may pass null.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Gather<T>(T inValue, int root, ref T[]? outValues) => GatherValue(inValue, Rooted(root), ref outValues);

    /// <summary>
    /// Gathers the same number of elements from every rank, concatenated in rank order at the root (MPI_Gather).
    /// </summary>
    /// <param name="inValues">This rank's elements; every rank passes the same number.</param>
    /// <param name="root">The rank that receives the elements.</param>
    /// <param name="outValues">
    /// At the root: receives <see cref="Communicator.Size"/> × <c>inValues.Length</c> elements, rank r's at
    /// r × <c>inValues.Length</c> (reused when it has that length, allocated otherwise). Left as it is on the other
    /// ranks, which may pass null.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error, such as ranks passing different numbers of elements.</exception>
    public void GatherFlattened<T>(T[] inValues, int root, ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        GatherBlocks(inValues, Rooted(root), ref outValues);
    }

    /// <summary>
    /// Gathers <paramref name="counts"/>[r] elements from rank r, concatenated in rank order at the root
    /// (MPI_Gatherv).
    /// </summary>
    /// <param name="inValues">This rank's elements (may be empty).</param>
    /// <param name="counts">At the root: how many elements each rank sends (<see cref="Communicator.Size"/> counts). Null elsewhere.</param>
    /// <param name="root">The rank that receives the elements.</param>
    /// <param name="outValues">
    /// At the root: receives the sum of <paramref name="counts"/> elements (reused when it has that length,
    /// allocated otherwise). Left as it is on the other ranks, which may pass null.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null, or the root's <paramref name="counts"/> is.</exception>
    /// <exception cref="ArgumentException">
    /// At the root, <paramref name="counts"/> does not hold <see cref="Communicator.Size"/> counts, holds a negative
    /// one, or does not match the root's own <paramref name="inValues"/>; thrown on every rank, as the root rejects
    /// the call before any data moves. A serialized block that does not match its count throws at the root.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error, such as a rank sending more elements than its count.</exception>
    public void GatherFlattened<T>(T[] inValues, int[]? counts, int root, ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        var role = Rooted(root);
        AgreeWithRoot(role, () =>
        {
            RequireCounts(counts, nameof(counts), role);
            RequireLength(inValues.Length, counts![root], nameof(inValues), "counts[root]");
        });
        GatherVarying(inValues, counts, role, ref outValues);
    }

    /// <summary>
    /// Gathers the same number of elements from every rank, concatenated in rank order at the root (MPI_Gather).
    /// </summary>
    /// <param name="inValues">This rank's elements; every rank passes the same number.</param>
    /// <param name="root">The rank that receives the elements.</param>
    /// <returns>At the root, <see cref="Communicator.Size"/> × <c>inValues.Length</c> elements in rank order; null elsewhere.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error, such as ranks passing different numbers of elements.</exception>
    public T[]? GatherFlattened<T>(T[] inValues, int root)
    {
        T[]? outValues = null;
        GatherFlattened(inValues, root, ref outValues);
        return outValues;
    }

    /// <summary>
    /// Gathers <paramref name="counts"/>[r] elements from rank r, concatenated in rank order at the root
    /// (MPI_Gatherv).
    /// </summary>
    /// <param name="inValues">This rank's elements (may be empty).</param>
    /// <param name="counts">At the root: how many elements each rank sends (<see cref="Communicator.Size"/> counts). Null elsewhere.</param>
    /// <param name="root">The rank that receives the elements.</param>
    /// <returns>At the root, the sum of <paramref name="counts"/> elements in rank order; null elsewhere.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null, or the root's <paramref name="counts"/> is.</exception>
    /// <exception cref="ArgumentException">
    /// The root rejected <paramref name="counts"/> (see <see cref="GatherFlattened{T}(T[], int[], int, ref T[])"/>),
    /// thrown on every rank.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[]? GatherFlattened<T>(T[] inValues, int[]? counts, int root)
    {
        T[]? outValues = null;
        GatherFlattened(inValues, counts, root, ref outValues);
        return outValues;
    }

    // ---- Allgather ----

    /// <summary>Gathers one value from every rank, on every rank (MPI_Allgather).</summary>
    /// <param name="value">This rank's contribution.</param>
    /// <returns><see cref="Communicator.Size"/> values, value r from rank r.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] Allgather<T>(T value)
    {
        T[]? values = null;
        AllgatherValue(value, Everyone, ref values);
        return values;
    }

    /// <summary>Gathers one value from every rank into every rank's <paramref name="outValues"/> (MPI_Allgather).</summary>
    /// <param name="inValue">This rank's contribution.</param>
    /// <param name="outValues">
    /// Receives <see cref="Communicator.Size"/> values, value r from rank r (reused when it has that length,
    /// allocated otherwise; may be null).
    /// </param>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Allgather<T>(T inValue, [NotNull] ref T[]? outValues) => AllgatherValue(inValue, Everyone, ref outValues);

    /// <summary>
    /// Gathers <paramref name="counts"/>[r] elements from rank r, concatenated in rank order on every rank
    /// (MPI_Allgatherv).
    /// </summary>
    /// <param name="inValues">This rank's elements: <paramref name="counts"/>[<see cref="Communicator.Rank"/>] of them.</param>
    /// <param name="counts">How many elements each rank sends (<see cref="Communicator.Size"/> counts, the same on every rank).</param>
    /// <param name="outValues">
    /// Receives the sum of <paramref name="counts"/> elements (reused when it has that length, allocated otherwise;
    /// may be null).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> or <paramref name="counts"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="counts"/> does not hold <see cref="Communicator.Size"/> counts or holds a negative one, or
    /// <paramref name="inValues"/> does not hold this rank's count; or a serialized block received does not match
    /// its count.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void AllgatherFlattened<T>(T[] inValues, int[] counts, [NotNull] ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        var all = Everyone;
        RequireCounts(counts, nameof(counts), all);
        RequireLength(inValues.Length, counts[Rank], nameof(inValues), "counts[Rank]");
        AllgatherVarying(inValues, counts, all, ref outValues);
    }

    /// <summary>
    /// Gathers <paramref name="count"/> elements from every rank, concatenated in rank order on every rank
    /// (MPI_Allgatherv).
    /// </summary>
    /// <param name="inValues">This rank's <paramref name="count"/> elements.</param>
    /// <param name="count">How many elements every rank sends.</param>
    /// <param name="outValues">
    /// Receives <see cref="Communicator.Size"/> × <paramref name="count"/> elements (reused when it has that length,
    /// allocated otherwise; may be null).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="count"/> is negative, or <paramref name="inValues"/> does not hold <paramref name="count"/>
    /// elements.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void AllgatherFlattened<T>(T[] inValues, int count, [NotNull] ref T[]? outValues) =>
        AllgatherFlattened(inValues, Enumerable.Repeat(count, Size).ToArray(), ref outValues);

    /// <summary>
    /// Gathers <paramref name="counts"/>[r] elements from rank r, concatenated in rank order on every rank
    /// (MPI_Allgatherv).
    /// </summary>
    /// <param name="inValues">This rank's elements: <paramref name="counts"/>[<see cref="Communicator.Rank"/>] of them.</param>
    /// <param name="counts">How many elements each rank sends (<see cref="Communicator.Size"/> counts, the same on every rank).</param>
    /// <returns>The sum of <paramref name="counts"/> elements, in rank order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> or <paramref name="counts"/> is null.</exception>
    /// <exception cref="ArgumentException">The counts do not match (see <see cref="AllgatherFlattened{T}(T[], int[], ref T[])"/>).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] AllgatherFlattened<T>(T[] inValues, int[] counts)
    {
        T[]? outValues = null;
        AllgatherFlattened(inValues, counts, ref outValues);
        return outValues;
    }

    /// <summary>
    /// Gathers <paramref name="count"/> elements from every rank, concatenated in rank order on every rank
    /// (MPI_Allgatherv).
    /// </summary>
    /// <param name="inValues">This rank's <paramref name="count"/> elements.</param>
    /// <param name="count">How many elements every rank sends.</param>
    /// <returns><see cref="Communicator.Size"/> × <paramref name="count"/> elements, in rank order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="count"/> is negative or does not match <paramref name="inValues"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] AllgatherFlattened<T>(T[] inValues, int count)
    {
        T[]? outValues = null;
        AllgatherFlattened(inValues, count, ref outValues);
        return outValues;
    }

    // ---- Scatter ----

    /// <summary>Sends element r of the root's <paramref name="values"/> to rank r (MPI_Scatter).</summary>
    /// <param name="values">At the root: <see cref="Communicator.Size"/> values. Ignored elsewhere (pass null).</param>
    /// <param name="root">The rank that sends.</param>
    /// <returns>This rank's element of the root's values.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException">The root's <paramref name="values"/> is null (thrown at the root).</exception>
    /// <exception cref="ArgumentException">
    /// The root's <paramref name="values"/> is null or does not hold <see cref="Communicator.Size"/> values: thrown
    /// on every other rank, as the root rejects the call before any data moves.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T Scatter<T>(T[]? values, int root)
    {
        var role = Rooted(root);
        AgreeWithRoot(role, () => RequirePerPeer(values, nameof(values), role));
        return ScatterValue(values, role)!;
    }

    /// <summary>Scatter called by the root: element r of <paramref name="values"/> goes to rank r (MPI_Scatter).</summary>
    /// <param name="values"><see cref="Communicator.Size"/> values.</param>
    /// <returns>This rank's own element, <paramref name="values"/>[<see cref="Communicator.Rank"/>].</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold <see cref="Communicator.Size"/> values (every rank throws).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T Scatter<T>(T[] values) => Scatter(values, Rank);

    /// <summary>Scatter called by a rank that is not the root: receives its element from <paramref name="root"/> (MPI_Scatter).</summary>
    /// <param name="root">The rank that sends.</param>
    /// <returns>This rank's element of the root's values.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentException">The root rejected its values (see <see cref="Scatter{T}(T[], int)"/>).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T Scatter<T>(int root) => Scatter<T>(null, root);

    /// <summary>
    /// Sends <paramref name="counts"/>[r] consecutive elements of the root's <paramref name="inValues"/> to rank r
    /// (MPI_Scatterv).
    /// </summary>
    /// <param name="inValues">At the root: the sum of <paramref name="counts"/> elements. Ignored elsewhere (pass null).</param>
    /// <param name="counts">How many elements each rank receives (<see cref="Communicator.Size"/> counts, passed by every rank).</param>
    /// <param name="root">The rank that sends.</param>
    /// <param name="outValues">
    /// Receives <paramref name="counts"/>[<see cref="Communicator.Rank"/>] elements (reused when it has that length,
    /// allocated otherwise; may be null).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="counts"/> is null, or the root's <paramref name="inValues"/> is (at the root).</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="counts"/> does not hold <see cref="Communicator.Size"/> counts or holds a negative one; or the
    /// root's <paramref name="inValues"/> does not hold their sum, thrown on every rank.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ScatterFromFlattened<T>(T[]? inValues, int[] counts, int root, [NotNull] ref T[]? outValues)
    {
        var role = Rooted(root);
        int total = RequireCounts(counts, nameof(counts), role);
        AgreeWithRoot(role, () =>
        {
            ArgumentNullException.ThrowIfNull(inValues);
            RequireLength(inValues.Length, total, nameof(inValues), "the sum of counts");
        });
        ScatterVarying(inValues, counts, role, ref outValues);
        Debug.Assert(outValues is not null, "Every rank of an intracommunicator receives a block.");
    }

    /// <summary>Sends <paramref name="count"/> consecutive elements of the root's input to every rank (MPI_Scatterv).</summary>
    /// <param name="inValues">At the root: <see cref="Communicator.Size"/> × <paramref name="count"/> elements. Ignored elsewhere (pass null).</param>
    /// <param name="count">How many elements every rank receives.</param>
    /// <param name="root">The rank that sends.</param>
    /// <param name="outValues">Receives <paramref name="count"/> elements (reused when it has that length, allocated otherwise; may be null).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException">The root's <paramref name="inValues"/> is null (at the root).</exception>
    /// <exception cref="ArgumentException"><paramref name="count"/> is negative, or the root's input has the wrong length (every rank throws).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ScatterFromFlattened<T>(T[]? inValues, int count, int root, [NotNull] ref T[]? outValues) =>
        ScatterFromFlattened(inValues, Enumerable.Repeat(count, Size).ToArray(), root, ref outValues);

    /// <summary>
    /// Sends <paramref name="counts"/>[r] consecutive elements of the root's <paramref name="inValues"/> to rank r
    /// (MPI_Scatterv).
    /// </summary>
    /// <param name="inValues">At the root: the sum of <paramref name="counts"/> elements. Ignored elsewhere (pass null).</param>
    /// <param name="counts">How many elements each rank receives (<see cref="Communicator.Size"/> counts, passed by every rank).</param>
    /// <param name="root">The rank that sends.</param>
    /// <returns>This rank's <paramref name="counts"/>[<see cref="Communicator.Rank"/>] elements (an empty array for a count of 0).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="counts"/> is null, or the root's <paramref name="inValues"/> is (at the root).</exception>
    /// <exception cref="ArgumentException">The counts or the root's input do not match (see <see cref="ScatterFromFlattened{T}(T[], int[], int, ref T[])"/>).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] ScatterFromFlattened<T>(T[]? inValues, int[] counts, int root)
    {
        T[]? outValues = null;
        ScatterFromFlattened(inValues, counts, root, ref outValues);
        return outValues;
    }

    /// <summary>Sends <paramref name="count"/> consecutive elements of the root's input to every rank (MPI_Scatterv).</summary>
    /// <param name="inValues">At the root: <see cref="Communicator.Size"/> × <paramref name="count"/> elements. Ignored elsewhere (pass null).</param>
    /// <param name="count">How many elements every rank receives.</param>
    /// <param name="root">The rank that sends.</param>
    /// <returns>This rank's <paramref name="count"/> elements.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException">The root's <paramref name="inValues"/> is null (at the root).</exception>
    /// <exception cref="ArgumentException"><paramref name="count"/> is negative, or the root's input has the wrong length (every rank throws).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] ScatterFromFlattened<T>(T[]? inValues, int count, int root)
    {
        T[]? outValues = null;
        ScatterFromFlattened(inValues, count, root, ref outValues);
        return outValues;
    }

    // ---- Alltoall ----

    /// <summary>Sends element r of <paramref name="values"/> to rank r, and receives one element from every rank (MPI_Alltoall).</summary>
    /// <param name="values"><see cref="Communicator.Size"/> elements, element r for rank r.</param>
    /// <returns><see cref="Communicator.Size"/> elements, element r from rank r.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold <see cref="Communicator.Size"/> elements.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] Alltoall<T>(T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        T[]? outValues = null;
        Alltoall(values, ref outValues);
        return outValues;
    }

    /// <summary>Sends element r of <paramref name="inValues"/> to rank r, and receives one element from every rank (MPI_Alltoall).</summary>
    /// <param name="inValues"><see cref="Communicator.Size"/> elements, element r for rank r.</param>
    /// <param name="outValues">
    /// Receives <see cref="Communicator.Size"/> elements, element r from rank r (reused when it has that length,
    /// allocated otherwise; may be null).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="inValues"/> does not hold <see cref="Communicator.Size"/> elements.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Alltoall<T>(T[] inValues, [NotNull] ref T[]? outValues)
    {
        var all = Everyone;
        RequirePerPeer(inValues, nameof(inValues), all);
        AlltoallValues(inValues, all, ref outValues);
    }

    /// <summary>
    /// Sends <paramref name="sendCounts"/>[r] consecutive elements to rank r and receives
    /// <paramref name="recvCounts"/>[r] from rank r, concatenated in rank order (MPI_Alltoallv).
    /// </summary>
    /// <param name="inValues">The sum of <paramref name="sendCounts"/> elements, rank r's block after those of lower ranks.</param>
    /// <param name="sendCounts">How many elements go to each rank (<see cref="Communicator.Size"/> counts).</param>
    /// <param name="recvCounts">How many elements come from each rank (<see cref="Communicator.Size"/> counts).</param>
    /// <param name="outValues">
    /// Receives the sum of <paramref name="recvCounts"/> elements (reused when it has that length, allocated
    /// otherwise; may be null).
    /// </param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="outValues"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// A counts array does not hold <see cref="Communicator.Size"/> counts or holds a negative one,
    /// <paramref name="inValues"/> does not hold the sum of <paramref name="sendCounts"/>, or a serialized block
    /// received does not match its count.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error, such as counts that disagree between ranks.</exception>
    public void AlltoallFlattened<T>(T[] inValues, int[] sendCounts, int[] recvCounts, [NotNull] ref T[]? outValues) =>
        AlltoallVarying(inValues, sendCounts, recvCounts, Everyone, ref outValues);

    /// <summary>Exchanges <paramref name="count"/> consecutive elements with every rank (MPI_Alltoallv).</summary>
    /// <param name="inValues"><see cref="Communicator.Size"/> × <paramref name="count"/> elements, block r for rank r.</param>
    /// <param name="count">How many elements go to (and come from) each rank.</param>
    /// <param name="outValues">
    /// Receives <see cref="Communicator.Size"/> × <paramref name="count"/> elements, block r from rank r (reused
    /// when it has that length, allocated otherwise; may be null).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="count"/> is negative or does not match <paramref name="inValues"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void AlltoallFlattened<T>(T[] inValues, int count, [NotNull] ref T[]? outValues)
    {
        var counts = Enumerable.Repeat(count, Size).ToArray();
        AlltoallFlattened(inValues, counts, counts, ref outValues);
    }

    /// <summary>
    /// Sends <paramref name="sendCounts"/>[r] consecutive elements to rank r and receives
    /// <paramref name="recvCounts"/>[r] from rank r (MPI_Alltoallv).
    /// </summary>
    /// <param name="inValues">The sum of <paramref name="sendCounts"/> elements, rank r's block after those of lower ranks.</param>
    /// <param name="sendCounts">How many elements go to each rank (<see cref="Communicator.Size"/> counts).</param>
    /// <param name="recvCounts">How many elements come from each rank (<see cref="Communicator.Size"/> counts).</param>
    /// <returns>The sum of <paramref name="recvCounts"/> elements, in rank order.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The counts do not match (see <see cref="AlltoallFlattened{T}(T[], int[], int[], ref T[])"/>).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] AlltoallFlattened<T>(T[] inValues, int[] sendCounts, int[] recvCounts)
    {
        T[]? outValues = null;
        AlltoallFlattened(inValues, sendCounts, recvCounts, ref outValues);
        return outValues;
    }

    /// <summary>Exchanges <paramref name="count"/> consecutive elements with every rank (MPI_Alltoallv).</summary>
    /// <param name="inValues"><see cref="Communicator.Size"/> × <paramref name="count"/> elements, block r for rank r.</param>
    /// <param name="count">How many elements go to (and come from) each rank.</param>
    /// <returns><see cref="Communicator.Size"/> × <paramref name="count"/> elements, block r from rank r.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="count"/> is negative or does not match <paramref name="inValues"/>.</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] AlltoallFlattened<T>(T[] inValues, int count)
    {
        T[]? outValues = null;
        AlltoallFlattened(inValues, count, ref outValues);
        return outValues;
    }

    // ---- Reductions ----

    /// <summary>
    /// Combines every rank's value at the root, in rank order: ((v0 op v1) op v2)... (MPI_Reduce for unmanaged
    /// types, MPI_Gatherv of serialized values otherwise).
    /// </summary>
    /// <param name="value">This rank's contribution.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="root">The rank that receives the result.</param>
    /// <returns>At the root, the combination; default(T) on the other ranks.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T? Reduce<T>(T value, ReductionOperation<T> op, int root) => ReduceValue(value, op, Rooted(root));

    /// <summary>
    /// Combines every rank's array position by position at the root, in rank order (MPI_Reduce for unmanaged
    /// types, MPI_Gatherv of serialized values otherwise).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same number.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="root">The rank that receives the result.</param>
    /// <returns>At the root, <c>values.Length</c> combined elements; null on the other ranks.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> or <paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">Serialized arrays of different lengths reached the root.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[]? Reduce<T>(T[] values, ReductionOperation<T> op, int root)
    {
        ArgumentNullException.ThrowIfNull(values);
        T[]? outValues = null;
        Reduce(values, op, root, ref outValues);
        return outValues;
    }

    /// <summary>
    /// Combines every rank's array position by position into the root's <paramref name="outValues"/>, in rank order
    /// (MPI_Reduce for unmanaged types, MPI_Gatherv of serialized values otherwise).
    /// </summary>
    /// <param name="inValues">This rank's elements; every rank passes the same number.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="root">The rank that receives the result.</param>
    /// <param name="outValues">
    /// At the root: receives <c>inValues.Length</c> combined elements (reused when it has that length, allocated
    /// otherwise). Left as it is on the other ranks, which may pass null.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of this communicator.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> or <paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">Serialized arrays of different lengths reached the root.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Reduce<T>(T[] inValues, ReductionOperation<T> op, int root, ref T[]? outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ReduceArray(inValues, op, Rooted(root), ref outValues);
    }

    /// <summary>
    /// Combines every rank's value in rank order, on every rank (MPI_Allreduce for unmanaged types, MPI_Allgatherv of
    /// serialized values otherwise).
    /// </summary>
    /// <param name="value">This rank's contribution.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <returns>The combination.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T Allreduce<T>(T value, ReductionOperation<T> op) => AllreduceValue(value, op, Everyone);

    /// <summary>
    /// Combines every rank's array position by position in rank order, on every rank (MPI_Allreduce for unmanaged
    /// types, MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same number.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <returns><c>values.Length</c> combined elements.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> or <paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">Ranks passed serialized arrays of different lengths.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] Allreduce<T>(T[] values, ReductionOperation<T> op)
    {
        ArgumentNullException.ThrowIfNull(values);
        T[]? outValues = null;
        Allreduce(values, op, ref outValues);
        return outValues;
    }

    /// <summary>
    /// Combines every rank's array position by position in rank order into every rank's
    /// <paramref name="outValues"/> (MPI_Allreduce for unmanaged types, MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="inValues">This rank's elements; every rank passes the same number.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="outValues">
    /// Receives <c>inValues.Length</c> combined elements (reused when it has that length, allocated otherwise; may be
    /// null).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> or <paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">Ranks passed serialized arrays of different lengths.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Allreduce<T>(T[] inValues, ReductionOperation<T> op, [NotNull] ref T[]? outValues) =>
        AllreduceArray(inValues, op, Everyone, ref outValues);

    /// <summary>
    /// Combines every rank's array position by position, then gives rank r the <paramref name="counts"/>[r]
    /// elements after those of lower ranks (MPI_Reduce_scatter for unmanaged types, MPI_Allgatherv of serialized
    /// values otherwise).
    /// </summary>
    /// <param name="values">This rank's elements: the sum of <paramref name="counts"/>.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="counts">How many combined elements each rank gets (<see cref="Communicator.Size"/> counts, the same on every rank).</param>
    /// <returns>This rank's <paramref name="counts"/>[<see cref="Communicator.Rank"/>] combined elements.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="counts"/> does not hold <see cref="Communicator.Size"/> counts or holds a negative one, or
    /// <paramref name="values"/> does not hold their sum.
    /// </exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] ReduceScatter<T>(T[] values, ReductionOperation<T> op, int[] counts)
    {
        T[]? outValues = null;
        ReduceScatter(values, op, counts, ref outValues);
        return outValues;
    }

    /// <summary>
    /// Combines every rank's array position by position, then gives rank r the <paramref name="counts"/>[r]
    /// elements after those of lower ranks (MPI_Reduce_scatter for unmanaged types, MPI_Allgatherv of serialized
    /// values otherwise).
    /// </summary>
    /// <param name="inValues">This rank's elements: the sum of <paramref name="counts"/>.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="counts">How many combined elements each rank gets (<see cref="Communicator.Size"/> counts, the same on every rank).</param>
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

    /// <summary>
    /// Inclusive prefix reduction: rank r gets the combination of the values of ranks 0 to r, in rank order
    /// (MPI_Scan for unmanaged types, MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="value">This rank's contribution.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <returns>The combination of ranks 0 to <see cref="Communicator.Rank"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T Scan<T>(T value, ReductionOperation<T> op) => ScanValue(value, op, exclusive: false)!;

    /// <summary>
    /// Inclusive prefix reduction of arrays, position by position: rank r gets the combination of the arrays of
    /// ranks 0 to r (MPI_Scan for unmanaged types, MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same number.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <returns><c>values.Length</c> combined elements.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> or <paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">Ranks passed serialized arrays of different lengths.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[] Scan<T>(T[] values, ReductionOperation<T> op)
    {
        ArgumentNullException.ThrowIfNull(values);
        T[]? outValues = null;
        Scan(values, op, ref outValues);
        return outValues;
    }

    /// <summary>
    /// Inclusive prefix reduction of arrays into <paramref name="outValues"/>, position by position (MPI_Scan for
    /// unmanaged types, MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="inValues">This rank's elements; every rank passes the same number.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="outValues">
    /// Receives <c>inValues.Length</c> combined elements (reused when it has that length, allocated otherwise; may be
    /// null).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> or <paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">Ranks passed serialized arrays of different lengths.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Scan<T>(T[] inValues, ReductionOperation<T> op, [NotNull] ref T[]? outValues) =>
        outValues = ScanArray(inValues, op, outValues, exclusive: false)!;

    /// <summary>
    /// Exclusive prefix reduction: rank r gets the combination of the values of ranks 0 to r - 1, in rank order
    /// (MPI_Exscan for unmanaged types, MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="value">This rank's contribution.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <returns>The combination of ranks 0 to <see cref="Communicator.Rank"/> - 1; default(T) on rank 0.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T? ExclusiveScan<T>(T value, ReductionOperation<T> op) => ScanValue(value, op, exclusive: true);

    /// <summary>
    /// Exclusive prefix reduction of arrays, position by position: rank r gets the combination of the arrays of
    /// ranks 0 to r - 1 (MPI_Exscan for unmanaged types, MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="values">This rank's elements; every rank passes the same number.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <returns><c>values.Length</c> combined elements; null on rank 0.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> or <paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">Ranks passed serialized arrays of different lengths.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[]? ExclusiveScan<T>(T[] values, ReductionOperation<T> op)
    {
        ArgumentNullException.ThrowIfNull(values);
        T[]? outValues = null;
        ExclusiveScan(values, op, ref outValues);
        return outValues;
    }

    /// <summary>
    /// Exclusive prefix reduction of arrays into <paramref name="outValues"/>, position by position (MPI_Exscan for
    /// unmanaged types, MPI_Allgatherv of serialized values otherwise).
    /// </summary>
    /// <param name="inValues">This rank's elements; every rank passes the same number.</param>
    /// <param name="op">The combination; MPI's own operation when it is a predefined one on a primitive type.</param>
    /// <param name="outValues">
    /// Receives <c>inValues.Length</c> combined elements (reused when it has that length, allocated otherwise; may be
    /// null); set to null on rank 0.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inValues"/> or <paramref name="op"/> is null.</exception>
    /// <exception cref="ArgumentException">Ranks passed serialized arrays of different lengths.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="op"/> threw while MPI ran it (the exception is the inner one).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ExclusiveScan<T>(T[] inValues, ReductionOperation<T> op, ref T[]? outValues) =>
        outValues = ScanArray(inValues, op, outValues, exclusive: true);
}
