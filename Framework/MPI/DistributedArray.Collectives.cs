using MPI.Native;

namespace MPI;

/// <summary>Gather to one rank, scatter from one, and redistribution to another process grid.</summary>
public sealed unsafe partial class DistributedArray<T>
{
    /// <summary>
    /// Copies the whole array into the root's <paramref name="global"/>, row-major (MPI_Gatherv over
    /// <see cref="Grid"/>; collective). Blocks travel straight from and to the spans when they are contiguous (a 1-D
    /// array, or a grid of one column, into the root; a block without ghost columns out of each rank); otherwise they
    /// are packed.
    /// </summary>
    /// <param name="global">At the root: <see cref="Length"/> elements (<see cref="Rows"/> × <see cref="Columns"/>). Ignored elsewhere (may be empty).</param>
    /// <param name="root">The grid rank that receives the array.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of <see cref="Grid"/> (thrown on every rank).</exception>
    /// <exception cref="ArgumentException">
    /// The root's <paramref name="global"/> does not have <see cref="Length"/> elements: thrown on every rank (the root
    /// broadcasts its verdict first, so no rank waits for data that will not come).
    /// </exception>
    /// <exception cref="ObjectDisposedException"><see cref="Grid"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Gather(Span<T> global, int root)
    {
        bool isRoot = IsRoot(root);
        AgreeWithRoot(root, isRoot && global.Length != Length, nameof(global), global.Length);
        var (counts, displacements) = isRoot ? RankBlocks() : (null, null);
        bool direct = isRoot && RankOrderIsRowMajor;
        var staging = isRoot && !direct ? new T[Length] : null;
        var datatype = DatatypeOf<T>.Handle;
        ReadOnlySpan<T> mine = InteriorIsContiguous ? Interior : PackInterior();
        fixed (T* send = mine)
        fixed (T* receive = direct ? global : staging.AsSpan())
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Gatherv(send, mine.Length, datatype, receive, countsPointer, displacementsPointer, datatype,
                root, Grid.LiveHandle));
        }
        if (staging is not null)
        {
            for (int rank = 0; rank < counts!.Length; rank++)
                CopyBlock(staging.AsSpan(displacements![rank], counts[rank]), global, BlockOfRank(rank), fromGlobal: false);
        }
    }

    /// <summary>The whole array, row-major, at the root (a new array); null on the other ranks. See <see cref="Gather(Span{T}, int)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of <see cref="Grid"/>.</exception>
    /// <exception cref="ObjectDisposedException"><see cref="Grid"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public T[]? Gather(int root)
    {
        var global = IsRoot(root) ? new T[Length] : null;
        Gather(global, root);
        return global;
    }

    /// <summary>
    /// Sets every rank's block from the root's <paramref name="global"/>, row-major (MPI_Scatterv over
    /// <see cref="Grid"/>; collective); ghosts are left alone. Contiguous blocks travel without copies, as in
    /// <see cref="Gather(Span{T}, int)"/>.
    /// </summary>
    /// <param name="global">At the root: <see cref="Length"/> elements (<see cref="Rows"/> × <see cref="Columns"/>). Ignored elsewhere (may be empty).</param>
    /// <param name="root">The grid rank that holds the array.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank of <see cref="Grid"/> (thrown on every rank).</exception>
    /// <exception cref="ArgumentException">The root's <paramref name="global"/> does not have <see cref="Length"/> elements (thrown on every rank, as for Gather).</exception>
    /// <exception cref="ObjectDisposedException"><see cref="Grid"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Scatter(ReadOnlySpan<T> global, int root)
    {
        bool isRoot = IsRoot(root);
        AgreeWithRoot(root, isRoot && global.Length != Length, nameof(global), global.Length);
        var (counts, displacements) = isRoot ? RankBlocks() : (null, null);
        ReadOnlySpan<T> outgoing = global;
        if (isRoot && !RankOrderIsRowMajor)
        {
            var staging = new T[Length];
            for (int rank = 0; rank < counts!.Length; rank++)
                CopyBlock(global, staging.AsSpan(displacements![rank], counts[rank]), BlockOfRank(rank), fromGlobal: true);
            outgoing = staging;
        }
        var datatype = DatatypeOf<T>.Handle;
        bool inPlace = InteriorIsContiguous;
        Span<T> mine = inPlace ? Interior : new T[LocalLength];
        fixed (T* send = outgoing)
        fixed (T* receive = mine)
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Scatterv(send, countsPointer, displacementsPointer, datatype, receive, mine.Length, datatype,
                root, Grid.LiveHandle));
        }
        if (!inPlace)
            UnpackInterior(mine);
    }

    /// <summary>
    /// A new array of the same shape and values distributed over <paramref name="grid"/>, another process grid over
    /// the same ranks (e.g. 1 × P to P × 1 or to a 2-D grid): every rank sends each new owner the part of its block
    /// that the owner's new block covers (MPI_Alltoallv over <see cref="Grid"/>; collective). This array is unchanged;
    /// the new one's ghost cells are zero until exchanged.
    /// </summary>
    /// <param name="grid">The new process grid: as many dimensions as the array, the same ranks as <see cref="Grid"/> (in any order).</param>
    /// <param name="ghostWidth">The new array's ghost width; null keeps <see cref="GhostWidth"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="grid"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="grid"/> is over other ranks than <see cref="Grid"/>, has another number of dimensions than the
    /// array, or this rank is not a member of it.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The ghost width is negative or larger than a block of the new distribution.</exception>
    /// <exception cref="ObjectDisposedException"><see cref="Grid"/> or <paramref name="grid"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public DistributedArray<T> Redistribute(CartesianCommunicator grid, int? ghostWidth = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.IsMember && Grid.Compare(grid) == Comparison.Unequal)
            throw new ArgumentException(
                $"The new grid is over other ranks than the array's grid ({grid.Size} ranks against {Grid.Size}, or other processes).",
                nameof(grid));
        var target = new DistributedArray<T>(grid, Shape, ghostWidth ?? GhostWidth);
        // Which target rank each process of this grid has (equal groups, possibly in another order).
        int ranks = Grid.Size;
        Span<int> targetRankOf = new int[ranks];
        Grid.Allgather([grid.Rank], targetRankOf);
        var mine = BlockOfRank(Grid.Rank);
        var theirs = target.BlockOfRank(grid.Rank);
        var sendCounts = new int[ranks];
        var receiveCounts = new int[ranks];
        for (int rank = 0; rank < ranks; rank++)
        {
            sendCounts[rank] = Overlap(mine, target.BlockOfRank(targetRankOf[rank])).Area;
            receiveCounts[rank] = Overlap(BlockOfRank(rank), theirs).Area;
        }
        var sendOffsets = Offsets(sendCounts);
        var receiveOffsets = Offsets(receiveCounts);
        var outgoing = new T[Math.Max(1, sendOffsets[^1] + sendCounts[^1])];
        var incoming = new T[Math.Max(1, receiveOffsets[^1] + receiveCounts[^1])];
        for (int rank = 0; rank < ranks; rank++)
            CopyRegion(Overlap(mine, target.BlockOfRank(targetRankOf[rank])), outgoing.AsSpan(sendOffsets[rank], sendCounts[rank]), toArray: false);
        var datatype = DatatypeOf<T>.Handle;
        fixed (T* send = outgoing)
        fixed (T* receive = incoming)
        fixed (int* sc = sendCounts)
        fixed (int* so = sendOffsets)
        fixed (int* rc = receiveCounts)
        fixed (int* ro = receiveOffsets)
            Mpi.Check(Mpi.Alltoallv(send, sc, so, datatype, receive, rc, ro, datatype, Grid.LiveHandle));
        for (int rank = 0; rank < ranks; rank++)
            target.CopyRegion(Overlap(BlockOfRank(rank), theirs), incoming.AsSpan(receiveOffsets[rank], receiveCounts[rank]), toArray: true);
        return target;
    }

    private bool IsRoot(int root)
    {
        int size = Grid.Size;
        if ((uint)root >= (uint)size)
            throw new ArgumentOutOfRangeException(nameof(root), root,
                $"Root rank {root} is out of range: the grid has {size} ranks (0 to {size - 1}).");
        return Grid.Rank == root;
    }

    /// <summary>The root broadcasts whether its span is wrong, so that every rank throws and none waits in the collective.</summary>
    private void AgreeWithRoot(int root, bool wrongAtRoot, string parameter, int length)
    {
        Span<int> verdict = [wrongAtRoot ? 1 : 0];
        if (Grid.Size > 1)
            Grid.Broadcast(verdict, root);
        if (wrongAtRoot)
            throw new ArgumentException(
                $"{parameter} has {length} elements at the root; the array has {Rows} × {Columns} = {Length}.", parameter);
        if (verdict[0] != 0)
            throw new ArgumentException(
                $"The root (rank {root}) passed a span of the wrong length, so no rank took part in the transfer.", parameter);
    }

    private bool InteriorIsContiguous => GhostWidth == 0 || _rows <= 1;

    /// <summary>Whether the blocks, in rank order, are consecutive stretches of the global row-major array.</summary>
    private bool RankOrderIsRowMajor => _gridColumns == 1 || _globalRows == 1;

    private (int[] Counts, int[] Displacements) RankBlocks()
    {
        var counts = new int[Grid.Size];
        for (int rank = 0; rank < counts.Length; rank++)
            counts[rank] = BlockOfRank(rank).Area;
        return (counts, Offsets(counts));
    }

    private T[] PackInterior()
    {
        var packed = new T[LocalLength];
        for (int i = 0; i < _rows; i++)
            Row(i).CopyTo(packed.AsSpan(i * _columns, _columns));
        return packed;
    }

    private void UnpackInterior(ReadOnlySpan<T> packed)
    {
        for (int i = 0; i < _rows; i++)
            packed.Slice(i * _columns, _columns).CopyTo(Row(i));
    }

    /// <summary>Copies a block between the global row-major array and its row-major packing (<paramref name="fromGlobal"/> says which way).</summary>
    private void CopyBlock(ReadOnlySpan<T> from, Span<T> to, Region block, bool fromGlobal)
    {
        for (int i = 0; i < block.Rows; i++)
        {
            int packed = i * block.Columns, global = (block.Row + i) * _globalColumns + block.Column;
            from.Slice(fromGlobal ? global : packed, block.Columns).CopyTo(to.Slice(fromGlobal ? packed : global, block.Columns));
        }
    }

    /// <summary>Copies a global region (inside this rank's block) between the storage and <paramref name="packed"/>, row-major.</summary>
    private void CopyRegion(Region region, Span<T> packed, bool toArray)
    {
        for (int i = 0; i < region.Rows; i++)
        {
            var stored = _storage.AsSpan(
                StorageIndex(region.Row + i - _rowOffset, region.Column - _columnOffset), region.Columns);
            var packedRow = packed.Slice(i * region.Columns, region.Columns);
            if (toArray)
                packedRow.CopyTo(stored);
            else
                stored.CopyTo(packedRow);
        }
    }

    private static Region Overlap(Region a, Region b)
    {
        int row = Math.Max(a.Row, b.Row), column = Math.Max(a.Column, b.Column);
        int rows = Math.Max(0, Math.Min(a.Row + a.Rows, b.Row + b.Rows) - row);
        int columns = Math.Max(0, Math.Min(a.Column + a.Columns, b.Column + b.Columns) - column);
        return rows == 0 || columns == 0 ? new Region(row, 0, column, 0) : new Region(row, rows, column, columns);
    }

    private static int[] Offsets(int[] counts)
    {
        var offsets = new int[counts.Length];
        for (int i = 1; i < counts.Length; i++)
            offsets[i] = offsets[i - 1] + counts[i - 1];
        return offsets;
    }
}
