using MPI.Native;

namespace MPI;

/// <summary>An intracommunicator whose ranks are arranged in a topology, with a notion of neighbours.</summary>
public abstract unsafe class TopologicalCommunicator : Intracommunicator
{
    private protected TopologicalCommunicator(CommHandle handle) : base(handle, predefined: false) { }

    /// <summary>The neighbours of this rank (a new array on every call), as <see cref="NeighborsOf"/> lists them.</summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public int[] Neighbors => NeighborsOf(Rank);

    /// <summary>The neighbours of <paramref name="rank"/> (a new array on every call).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is not a rank of this communicator.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public abstract int[] NeighborsOf(int rank);

    /// <summary>The number of edges of the topology.</summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public abstract int NumEdges { get; }

    private protected void RequireRank(int rank)
    {
        if ((uint)rank >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(rank), rank,
                $"Rank {rank} is out of range: the communicator has {Size} ranks (0 to {Size - 1}).");
    }
}

/// <summary>
/// Ranks on a grid of <see cref="Dimensions"/>, periodic (wrapping around) where <see cref="Periodic"/> says. When
/// the grid has fewer cells than the old communicator had ranks, the ranks left over get a communicator that is
/// not part of the grid: <see cref="IsMember"/> is false and any operation on it throws.
/// </summary>
public sealed unsafe class CartesianCommunicator : TopologicalCommunicator
{
    /// <summary>
    /// Arranges the ranks of <paramref name="oldComm"/> on a grid of <paramref name="ndims"/> dimensions, of
    /// <paramref name="dims"/>[i] ranks along dimension i, periodic where <paramref name="periods"/>[i]
    /// (MPI_Cart_create; collective over <paramref name="oldComm"/>). With <paramref name="reorder"/>, MPI may give
    /// this process another rank than in <paramref name="oldComm"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="oldComm"/>, <paramref name="dims"/> or <paramref name="periods"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="dims"/> or <paramref name="periods"/> does not have <paramref name="ndims"/> entries, a dimension
    /// is not positive, or the grid has more cells than <paramref name="oldComm"/> has ranks.
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="oldComm"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public CartesianCommunicator(Intracommunicator oldComm, int ndims, int[] dims, bool[] periods, bool reorder)
        : base(Create(oldComm, ndims, dims, periods, reorder))
    {
    }

    private CartesianCommunicator(CommHandle handle) : base(handle) { }

    /// <summary>Whether this rank is on the grid (false for ranks beyond the grid's cells, whose handle is MPI_COMM_NULL).</summary>
    public bool IsMember => Handle != 0;

    /// <summary>
    /// Fills the zero entries of <paramref name="dims"/> with a balanced factorization of
    /// <paramref name="nnodes"/> over <paramref name="ndims"/> dimensions, keeping the non-zero entries
    /// (MPI_Dims_create). A null <paramref name="dims"/> is replaced by <paramref name="ndims"/> zeros first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nnodes"/> is not positive or <paramref name="ndims"/> is negative.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="dims"/> does not have <paramref name="ndims"/> entries, has a negative entry, or its non-zero
    /// entries do not divide <paramref name="nnodes"/>.
    /// </exception>
    /// <exception cref="InvalidOperationException">MPI is not initialized.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public static void ComputeDimensions(int nnodes, int ndims, [System.Diagnostics.CodeAnalysis.NotNull] ref int[]? dims)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nnodes);
        ArgumentOutOfRangeException.ThrowIfNegative(ndims);
        dims ??= new int[ndims];
        if (dims.Length != ndims)
            throw new ArgumentException($"dims has {dims.Length} entries but ndims is {ndims}.", nameof(dims));
        int fixedProduct = dims.Where(d => d > 0).Aggregate(1, (product, d) => product * d);
        if (dims.Any(d => d < 0) || nnodes % fixedProduct != 0)
            throw new ArgumentException(
                $"The fixed dimensions ({string.Join(" × ", dims.Where(d => d != 0))}) do not divide {nnodes} nodes.",
                nameof(dims));
        fixed (int* p = dims)
            Mpi.Check(Mpi.Dims_create(nnodes, ndims, p));
    }

    /// <summary>
    /// The rank <paramref name="comm"/> would give this process on such a grid (MPI_Cart_map); <see cref="Group.NoProcess"/>
    /// when it would be off the grid.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="comm"/>, <paramref name="dims"/> or <paramref name="periods"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="dims"/> or <paramref name="periods"/> is not of the same length, a dimension is not positive,
    /// or the grid has more cells than <paramref name="comm"/> has ranks.
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="comm"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public static int Map(Intracommunicator comm, int[] dims, bool[] periods)
    {
        ArgumentNullException.ThrowIfNull(dims);
        return Map(comm, dims.Length, dims, periods);
    }

    /// <summary>MPI.NET's form of <see cref="Map(Intracommunicator, int[], bool[])"/>, with the dimension count.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="comm"/>, <paramref name="dims"/> or <paramref name="periods"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="dims"/> or <paramref name="periods"/> is not of the same length, a dimension is not positive,
    /// or the grid has more cells than <paramref name="comm"/> has ranks.
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="comm"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public static int Map(Intracommunicator comm, int ndims, int[] dims, bool[] periods)
    {
        ArgumentNullException.ThrowIfNull(comm);
        ArgumentNullException.ThrowIfNull(dims);
        ValidateShape(comm, ndims, dims, periods);
        var flags = periods.Select(p => p ? 1 : 0).ToArray();
        int rank = 0;
        fixed (int* d = dims)
        fixed (int* f = flags)
            Mpi.Check(Mpi.Cart_map(comm.LiveHandle, dims.Length, d, f, &rank));
        return rank == Mpi.Abi.Undefined ? Group.NoProcess : rank;
    }

    /// <summary>The number of ranks along each dimension: one entry per dimension (MPI_Cart_get; a new array on every call).</summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public int[] Dimensions => Describe().Dimensions;

    /// <summary>Whether each dimension wraps around: one entry per dimension (MPI_Cart_get; a new array on every call).</summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public bool[] Periodic => Describe().Periodic;

    /// <summary>This rank's coordinates, one per dimension (MPI_Cart_get; a new array on every call).</summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public int[] Coordinates => Describe().Coordinates;

    /// <summary>The rank at <paramref name="coords"/>, one coordinate per dimension (MPI_Cart_rank; periodic dimensions wrap).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="coords"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="coords"/> does not have one entry per dimension.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A coordinate is outside its non-periodic dimension.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public int GetCartesianRank(int[] coords)
    {
        ArgumentNullException.ThrowIfNull(coords);
        var dims = Dimensions;
        if (coords.Length != dims.Length)
            throw new ArgumentException($"coords has {coords.Length} entries; the grid has {dims.Length} dimensions.", nameof(coords));
        var periodic = Periodic;
        for (int i = 0; i < coords.Length; i++)
        {
            if (!periodic[i] && (uint)coords[i] >= (uint)dims[i])
                throw new ArgumentOutOfRangeException(nameof(coords), coords[i],
                    $"Coordinate {i} is {coords[i]}, outside the non-periodic dimension of {dims[i]}.");
        }
        int rank = 0;
        fixed (int* c = coords)
            Mpi.Check(Mpi.Cart_rank(LiveHandle, c, &rank));
        return rank;
    }

    /// <summary>The coordinates of <paramref name="rank"/>, one per dimension (MPI_Cart_coords).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is not a rank of this communicator.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public int[] GetCartesianCoordinates(int rank)
    {
        RequireRank(rank);
        var coords = new int[Dimensions.Length];
        fixed (int* c = coords)
            Mpi.Check(Mpi.Cart_coords(LiveHandle, rank, coords.Length, c));
        return coords;
    }

    /// <summary>
    /// The ranks <paramref name="disp"/> steps before (<paramref name="source"/>) and after
    /// (<paramref name="dest"/>) this one along <paramref name="direction"/>; <c>Intercommunicator.Null</c>
    /// (MPI_PROC_NULL) past the edge of a non-periodic dimension (MPI_Cart_shift). <paramref name="direction"/> is a
    /// dimension index; <paramref name="disp"/> may be negative.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="direction"/> is not a dimension of the grid.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public void Shift(int direction, int disp, out int source, out int dest)
    {
        int dimensions = Dimensions.Length;
        if ((uint)direction >= (uint)dimensions)
            throw new ArgumentOutOfRangeException(nameof(direction), direction,
                $"The grid has {dimensions} dimensions (0 to {dimensions - 1}).");
        int from = 0, to = 0;
        Mpi.Check(Mpi.Cart_shift(LiveHandle, direction, disp, &from, &to));
        source = Ranks.FromNative(from);
        dest = Ranks.FromNative(to);
    }

    /// <summary>
    /// This rank's sub-grid: the grid cut along the dimensions not flagged in <paramref name="remainDims"/> (one
    /// entry per dimension), keeping the flagged ones (MPI_Cart_sub; collective). The caller disposes it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="remainDims"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="remainDims"/> does not have one entry per dimension.</exception>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public CartesianCommunicator Subgrid(int[] remainDims)
    {
        ArgumentNullException.ThrowIfNull(remainDims);
        if (remainDims.Length != Dimensions.Length)
            throw new ArgumentException(
                $"remainDims has {remainDims.Length} entries; the grid has {Dimensions.Length} dimensions.", nameof(remainDims));
        long handle = 0;
        fixed (int* keep = remainDims)
            Mpi.Check(Mpi.Cart_sub(LiveHandle, keep, &handle));
        return new CartesianCommunicator(CommHandle.Adopt(&handle));
    }

    /// <summary>
    /// The number of links of the grid, each counted once, as MPI.NET counts them: along a dimension of size d, each
    /// line of the grid has d - 1 links, plus the wrap-around link when the dimension is periodic; times the number
    /// of such lines (the product of the other sizes). A 4×2 grid periodic in both dimensions has 4·2 + 2·4 = 16.
    /// </summary>
    /// <remarks>
    /// This is not the sum of <see cref="NeighborsOf"/> over the ranks, which sees each link from both ends. It also
    /// differs from the neighbour lists on short periodic dimensions, as MPI.NET's does: a periodic dimension of size
    /// 2 has two links per line (the direct one and the wrap-around, MPI_Cart_shift's two directions, which join the
    /// same pair) although each rank lists that peer once; a periodic dimension of size 1 has one link per line, the
    /// wrap-around from a rank to itself, which the neighbour lists leave out.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public override int NumEdges => CountLinks(Dimensions, Periodic);

    internal static int CountLinks(int[] dims, bool[] periodic)
    {
        long cells = dims.Aggregate(1L, (product, d) => product * d);
        long links = 0;
        for (int dimension = 0; dimension < dims.Length; dimension++)
        {
            long lines = cells / dims[dimension];
            links += lines * (dims[dimension] - 1 + (periodic[dimension] ? 1 : 0));
        }
        return checked((int)links);
    }

    /// <inheritdoc/>
    public override int[] NeighborsOf(int rank)
    {
        var (dims, periodic, _) = Describe();
        var home = GetCartesianCoordinates(rank);
        var neighbors = new List<int>();
        for (int dimension = 0; dimension < dims.Length; dimension++)
        {
            foreach (int step in new[] { -1, 1 })
            {
                var coords = (int[])home.Clone();
                coords[dimension] += step;
                bool inside = (uint)coords[dimension] < (uint)dims[dimension];
                if (!inside && !(periodic[dimension] && dims[dimension] > 2))
                    continue;
                coords[dimension] = (coords[dimension] + dims[dimension]) % dims[dimension];
                neighbors.Add(GetCartesianRank(coords));
            }
        }
        return [.. neighbors];
    }

    private protected override Communicator WrapDuplicate(CommHandle handle) => new CartesianCommunicator(handle);

    private (int[] Dimensions, bool[] Periodic, int[] Coordinates) Describe()
    {
        int count = 0;
        Mpi.Check(Mpi.Cartdim_get(LiveHandle, &count));
        var dims = new int[count];
        var periods = new int[count];
        var coords = new int[count];
        fixed (int* d = dims)
        fixed (int* p = periods)
        fixed (int* c = coords)
            Mpi.Check(Mpi.Cart_get(LiveHandle, count, d, p, c));
        return (dims, periods.Select(flag => flag != 0).ToArray(), coords);
    }

    private static CommHandle Create(Intracommunicator oldComm, int ndims, int[] dims, bool[] periods, bool reorder)
    {
        ArgumentNullException.ThrowIfNull(oldComm);
        ValidateShape(oldComm, ndims, dims, periods);
        var flags = periods.Select(p => p ? 1 : 0).ToArray();
        long handle = 0;
        fixed (int* d = dims)
        fixed (int* f = flags)
            Mpi.Check(Mpi.Cart_create(oldComm.LiveHandle, ndims, d, f, reorder ? 1 : 0, &handle));
        return CommHandle.Adopt(&handle);
    }

    private static void ValidateShape(Intracommunicator comm, int ndims, int[] dims, bool[] periods)
    {
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentNullException.ThrowIfNull(periods);
        if (dims.Length != ndims || periods.Length != ndims)
            throw new ArgumentException(
                $"ndims is {ndims} but dims has {dims.Length} entries and periods {periods.Length}.", nameof(dims));
        if (dims.Any(d => d <= 0))
            throw new ArgumentException("Every dimension must hold at least one rank.", nameof(dims));
        long cells = dims.Aggregate(1L, (product, d) => product * d);
        if (cells > comm.Size)
            throw new ArgumentException(
                $"The grid {string.Join(" × ", dims)} has {cells} cells, more than the {comm.Size} ranks of the communicator.",
                nameof(dims));
    }
}

/// <summary>Ranks connected by the edges of a graph, given as each rank's adjacency list.</summary>
public sealed unsafe class GraphCommunicator : TopologicalCommunicator
{
    /// <summary>
    /// Builds the graph whose node r (rank r of the new communicator) is adjacent to <paramref name="edges"/>[r]
    /// (MPI_Graph_create; collective over <paramref name="oldComm"/>; ranks beyond <c>edges.Length</c> are left out,
    /// with <see cref="IsMember"/> false). With <paramref name="reorder"/>, MPI may renumber the ranks.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="oldComm"/> or <paramref name="edges"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The graph has more nodes than <paramref name="oldComm"/> has ranks, an adjacency list is null, or it names a
    /// node that does not exist.
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="oldComm"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public GraphCommunicator(Intracommunicator oldComm, int[][] edges, bool reorder)
        : base(Create(oldComm, edges, reorder))
    {
    }

    private GraphCommunicator(CommHandle handle) : base(handle) { }

    /// <summary>Whether this rank is a node of the graph (false for ranks beyond <c>edges.Length</c>).</summary>
    public bool IsMember => Handle != 0;

    /// <summary>The adjacency list of every node: one array per node, of that node's neighbours (MPI_Graph_get).</summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public int[][] Edges
    {
        get
        {
            var (nodes, edgeCount) = Dimensions();
            var index = new int[nodes];
            var flat = new int[edgeCount];
            fixed (int* i = index)
            fixed (int* e = flat)
                Mpi.Check(Mpi.Graph_get(LiveHandle, nodes, edgeCount, i, e));
            return Enumerable.Range(0, nodes)
                .Select(node => flat[(node == 0 ? 0 : index[node - 1])..index[node]])
                .ToArray();
        }
    }

    /// <summary>The number of edges, each listed adjacency counted once (MPI_Graphdims_get).</summary>
    /// <exception cref="ObjectDisposedException">The communicator has been disposed, or this rank is not a member of the topology.</exception>
    /// <exception cref="MpiException">MPI reported an error (one of an argument class throws <see cref="MpiArgumentException"/> instead).</exception>
    public override int NumEdges => Dimensions().Edges;

    /// <inheritdoc/>
    public override int[] NeighborsOf(int rank)
    {
        RequireRank(rank);
        int count = 0;
        Mpi.Check(Mpi.Graph_neighbors_count(LiveHandle, rank, &count));
        var neighbors = new int[count];
        fixed (int* n = neighbors)
            Mpi.Check(Mpi.Graph_neighbors(LiveHandle, rank, count, n));
        return neighbors;
    }

    private protected override Communicator WrapDuplicate(CommHandle handle) => new GraphCommunicator(handle);

    private (int Nodes, int Edges) Dimensions()
    {
        int nodes = 0, edges = 0;
        Mpi.Check(Mpi.Graphdims_get(LiveHandle, &nodes, &edges));
        return (nodes, edges);
    }

    private static CommHandle Create(Intracommunicator oldComm, int[][] edges, bool reorder)
    {
        ArgumentNullException.ThrowIfNull(oldComm);
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Length > oldComm.Size)
            throw new ArgumentException(
                $"The graph has {edges.Length} nodes, more than the {oldComm.Size} ranks of the communicator.", nameof(edges));
        for (int node = 0; node < edges.Length; node++)
        {
            foreach (int neighbor in edges[node] ?? throw new ArgumentException($"edges[{node}] is null.", nameof(edges)))
            {
                if ((uint)neighbor >= (uint)edges.Length)
                    throw new ArgumentException(
                        $"Node {node} lists neighbour {neighbor}, but the graph has {edges.Length} nodes (0 to {edges.Length - 1}).",
                        nameof(edges));
            }
        }
        var index = new int[edges.Length];
        for (int node = 0, total = 0; node < edges.Length; node++)
            index[node] = total += edges[node].Length;
        var flat = edges.SelectMany(adjacent => adjacent).ToArray();
        long handle = 0;
        fixed (int* i = index)
        fixed (int* e = flat)
            Mpi.Check(Mpi.Graph_create(oldComm.LiveHandle, edges.Length, i, e, reorder ? 1 : 0, &handle));
        return CommHandle.Adopt(&handle);
    }
}
