namespace MPI;

/// <summary>
/// A 1-D or 2-D array of unmanaged values block-distributed over the ranks of a <see cref="CartesianCommunicator"/>
/// with as many dimensions: along each dimension, n elements over p ranks give the first n mod p ranks
/// ⌊n/p⌋ + 1 elements and the others ⌊n/p⌋ (sizes differ by at most one; with more ranks than elements the last
/// ranks along that dimension hold none, which is allowed only without ghost cells). Rank r of the grid sits at its
/// Cartesian coordinates (row-major, as MPI numbers them) and holds the block at those coordinates.
/// </summary>
/// <remarks>
/// <para>
/// <b>Storage.</b> A rank's block lives in one array, <see cref="Local"/>, row-major and surrounded by
/// <see cref="GhostWidth"/> ghost cells on every side: a 2-D block of <see cref="LocalRows"/> × <see cref="LocalColumns"/>
/// is stored as (LocalRows + 2g) × (LocalColumns + 2g) elements with row length <see cref="Stride"/> =
/// LocalColumns + 2g, and local element (i, j) (i, j from -g for the ghosts) at <c>(i + g) × Stride + j + g</c>
/// (<see cref="StorageIndex"/>). A 1-D array is one row: its elements are columns, its block is stored as
/// LocalColumns + 2g elements, ghosts at both ends, and it has no ghost rows. Spans give this storage without copies.
/// </para>
/// <para>
/// <b>Ghosts.</b> <see cref="ExchangeGhosts"/> fills the ghost cells from the neighbours' blocks; along a periodic
/// dimension the grid wraps, and at the borders of a non-periodic dimension the ghost cells are left to the program
/// (boundary conditions): they keep whatever it wrote there.
/// </para>
/// <para>
/// Operations on the whole array (ghost exchange, reductions, <see cref="Gather(Span{T}, int)"/>,
/// <see cref="Scatter"/>, <see cref="Redistribute"/>) are collective over <see cref="Grid"/>: every rank calls them in
/// the same order. The ghost exchange uses the tags 32001 to 32004 on <see cref="Grid"/>; a program that sends its own
/// messages on that communicator uses other tags. Arguments are checked before MPI is called, in the same way on every
/// rank, so a bad call throws on every rank rather than hanging.
/// </para>
/// </remarks>
/// <typeparam name="T">The element type: unmanaged, travelling as MPI's predefined type where there is one.</typeparam>
public sealed unsafe partial class DistributedArray<T> where T : unmanaged
{
    private readonly T[] _storage;
    private readonly int _dimensions;
    private readonly int _globalRows, _globalColumns;
    private readonly int _gridRows, _gridColumns;
    private readonly int _rows, _columns, _rowOffset, _columnOffset;
    private readonly int _rowGhost;
    private readonly int _stride;
    private readonly int _up, _down, _left, _right;

    /// <summary>
    /// Creates the array of <paramref name="shape"/> ([length] or [rows, columns]), zeroed, distributed over
    /// <paramref name="grid"/> (which must have as many dimensions), with <paramref name="ghostWidth"/> ghost cells on
    /// every side of each block. Collective in spirit (every rank of the grid creates it with the same arguments) but
    /// calls no collective: it only asks MPI for this rank's place and neighbours on the grid.
    /// </summary>
    /// <param name="grid">The process grid; its rank order and coordinates decide which rank holds which block. Not owned: the caller disposes it after the array's last use.</param>
    /// <param name="shape">The global shape: one entry (a 1-D array) or two (rows, columns), none negative, at most <see cref="int.MaxValue"/> elements in all.</param>
    /// <param name="ghostWidth">Ghost cells on each side of a block, along every dimension; at most the smallest block along any dimension.</param>
    /// <exception cref="ArgumentNullException"><paramref name="grid"/> or <paramref name="shape"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="shape"/> has neither one nor two entries, or not as many as <paramref name="grid"/> has
    /// dimensions, or this rank is not a member of <paramref name="grid"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An entry of <paramref name="shape"/> is negative, the array has more than <see cref="int.MaxValue"/> elements,
    /// <paramref name="ghostWidth"/> is negative, or it is larger than the smallest block along some dimension.
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="grid"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error (MPI_Cart_get, MPI_Cart_shift).</exception>
    public DistributedArray(CartesianCommunicator grid, int[] shape, int ghostWidth = 0)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length is not (1 or 2))
            throw new ArgumentException(
                $"A distributed array has one or two dimensions; the shape has {shape.Length}.", nameof(shape));
        if (!grid.IsMember)
            throw new ArgumentException("This rank is not a member of the grid (it was left over when the grid was made).",
                nameof(grid));
        var gridDims = grid.Dimensions;
        if (gridDims.Length != shape.Length)
            throw new ArgumentException(
                $"The array has {shape.Length} dimension(s) ({string.Join(" × ", shape)}) but the grid has {gridDims.Length} ({string.Join(" × ", gridDims)}).",
                nameof(shape));
        foreach (int extent in shape)
            ArgumentOutOfRangeException.ThrowIfNegative(extent, nameof(shape));
        if (shape.Aggregate(1L, (product, extent) => product * extent) > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(shape), string.Join(" × ", shape),
                $"The array would have more than {int.MaxValue} elements.");
        ArgumentOutOfRangeException.ThrowIfNegative(ghostWidth);
        for (int d = 0; d < shape.Length; d++)
        {
            int smallest = shape[d] / gridDims[d];
            if (ghostWidth > smallest)
                throw new ArgumentOutOfRangeException(nameof(ghostWidth), ghostWidth,
                    $"Ghost width {ghostWidth} is larger than the smallest block ({smallest}) of dimension {d}: {shape[d]} elements over {gridDims[d]} ranks.");
        }

        Grid = grid;
        GhostWidth = ghostWidth;
        _dimensions = shape.Length;
        var coords = grid.Coordinates;
        // A 1-D array is handled as one row: its dimension is the columns, with no ghost rows.
        (_globalRows, _globalColumns) = _dimensions == 1 ? (1, shape[0]) : (shape[0], shape[1]);
        (_gridRows, _gridColumns) = _dimensions == 1 ? (1, gridDims[0]) : (gridDims[0], gridDims[1]);
        var (row, column) = _dimensions == 1 ? (0, coords[0]) : (coords[0], coords[1]);
        (_rowOffset, _rows) = DistributedArray.Block(_globalRows, _gridRows, row);
        (_columnOffset, _columns) = DistributedArray.Block(_globalColumns, _gridColumns, column);
        _rowGhost = _dimensions == 1 ? 0 : ghostWidth;
        _stride = _columns + 2 * ghostWidth;
        _storage = new T[(_rows + 2 * _rowGhost) * _stride];
        _up = _down = Intercommunicator.Null;
        if (_dimensions == 2)
            grid.Shift(0, 1, out _up, out _down);
        grid.Shift(_dimensions - 1, 1, out _left, out _right);
    }

    /// <summary>The process grid the array is distributed over.</summary>
    public CartesianCommunicator Grid { get; }

    /// <summary>The number of dimensions: 1 or 2.</summary>
    public int DimensionCount => _dimensions;

    /// <summary>The global shape: [length] or [rows, columns] (a new array on every call).</summary>
    public int[] Shape => _dimensions == 1 ? [_globalColumns] : [_globalRows, _globalColumns];

    /// <summary>The number of elements of the whole array (every rank's block, without ghosts).</summary>
    public int Length => _globalRows * _globalColumns;

    /// <summary>Ghost cells on each side of the block, along every dimension (a 1-D array has none above or below).</summary>
    public int GhostWidth { get; }

    /// <summary>The global number of rows: 1 for a 1-D array.</summary>
    public int Rows => _globalRows;

    /// <summary>The global number of columns: the length of a 1-D array.</summary>
    public int Columns => _globalColumns;

    /// <summary>The rows of this rank's block, without ghosts (1 for a 1-D array; may be 0 with more ranks than rows).</summary>
    public int LocalRows => _rows;

    /// <summary>The columns of this rank's block, without ghosts (its length for a 1-D array; may be 0).</summary>
    public int LocalColumns => _columns;

    /// <summary>The number of elements of this rank's block, without ghosts.</summary>
    public int LocalLength => _rows * _columns;

    /// <summary>The global row of this rank's local row 0 (0 for a 1-D array).</summary>
    public int RowOffset => _rowOffset;

    /// <summary>The global column (the global index, for a 1-D array) of this rank's local column 0.</summary>
    public int ColumnOffset => _columnOffset;

    /// <summary>The length of a stored row, ghosts included: <see cref="LocalColumns"/> + 2 × <see cref="GhostWidth"/>.</summary>
    public int Stride => _stride;

    /// <summary>
    /// This rank's whole storage, ghost cells included, without a copy: row-major, (LocalRows + 2g) × <see cref="Stride"/>
    /// elements for a 2-D array, LocalColumns + 2g for a 1-D one (see the class remarks for the layout).
    /// </summary>
    public Span<T> Local => _storage;

    /// <summary>
    /// This rank's block without ghosts, as one span without a copy; it is contiguous only for a 1-D array, a 2-D array
    /// without ghost cells, or a block of one row.
    /// </summary>
    /// <exception cref="InvalidOperationException">The block's rows are separated by ghost cells: use <see cref="Row"/>.</exception>
    public Span<T> Interior
    {
        get
        {
            if (GhostWidth > 0 && _rows > 1)
                throw new InvalidOperationException(
                    $"The block's {_rows} rows are separated by ghost columns ({GhostWidth} on each side): read it row by row with Row(i).");
            return _storage.AsSpan(_rowGhost * _stride + GhostWidth, _rows * _columns);
        }
    }

    /// <summary>The <see cref="LocalColumns"/> elements of local row <paramref name="localRow"/>, without ghosts and without a copy.</summary>
    /// <param name="localRow">0 to <see cref="LocalRows"/> - 1 (0 for a 1-D array).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="localRow"/> is not a row of the block.</exception>
    public Span<T> Row(int localRow)
    {
        if ((uint)localRow >= (uint)_rows)
            throw new ArgumentOutOfRangeException(nameof(localRow), localRow, $"The block has {_rows} rows (0 to {_rows - 1}).");
        return _storage.AsSpan((localRow + _rowGhost) * _stride + GhostWidth, _columns);
    }

    /// <summary>The <see cref="Stride"/> stored elements of local row <paramref name="localRow"/>, ghost columns included (column -g first).</summary>
    /// <param name="localRow">-g to <see cref="LocalRows"/> + g - 1: the ghost rows too (0 only, for a 1-D array).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="localRow"/> is neither a row of the block nor a ghost row.</exception>
    public Span<T> RowWithGhosts(int localRow)
    {
        if (localRow < -_rowGhost || localRow >= _rows + _rowGhost)
            throw new ArgumentOutOfRangeException(nameof(localRow), localRow,
                $"Stored rows run from {-_rowGhost} to {_rows + _rowGhost - 1}.");
        return _storage.AsSpan((localRow + _rowGhost) * _stride, _stride);
    }

    /// <summary>The element at local index <paramref name="localIndex"/> of a 1-D array (-g to LocalColumns + g - 1: ghosts included).</summary>
    /// <exception cref="InvalidOperationException">The array is 2-D.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the block and its ghosts.</exception>
    public ref T this[int localIndex]
    {
        get
        {
            if (_dimensions != 1)
                throw new InvalidOperationException("A 2-D array is indexed by row and column.");
            return ref this[0, localIndex];
        }
    }

    /// <summary>The element at local row and column (from -g: ghosts included; row 0 only for a 1-D array).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is outside the block and its ghosts.</exception>
    public ref T this[int localRow, int localColumn] => ref _storage[StorageIndex(localRow, localColumn)];

    /// <summary>The index in <see cref="Local"/> of local row and column (from -g: ghosts included): (row + g) × Stride + column + g.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is outside the block and its ghosts.</exception>
    public int StorageIndex(int localRow, int localColumn)
    {
        if (localRow < -_rowGhost || localRow >= _rows + _rowGhost)
            throw new ArgumentOutOfRangeException(nameof(localRow), localRow,
                $"Stored rows run from {-_rowGhost} to {_rows + _rowGhost - 1}.");
        if (localColumn < -GhostWidth || localColumn >= _columns + GhostWidth)
            throw new ArgumentOutOfRangeException(nameof(localColumn), localColumn,
                $"Stored columns run from {-GhostWidth} to {_columns + GhostWidth - 1}.");
        return (localRow + _rowGhost) * _stride + localColumn + GhostWidth;
    }

    /// <summary>The global row of local row <paramref name="localRow"/> (<see cref="RowOffset"/> + localRow; ghost rows map outside the block).</summary>
    public int ToGlobalRow(int localRow) => _rowOffset + localRow;

    /// <summary>The global column (global index, 1-D) of local column <paramref name="localColumn"/>.</summary>
    public int ToGlobalColumn(int localColumn) => _columnOffset + localColumn;

    /// <summary>The local row of global row <paramref name="globalRow"/> (negative or ≥ LocalRows when another rank holds it).</summary>
    public int ToLocalRow(int globalRow) => globalRow - _rowOffset;

    /// <summary>The local column of global column (global index, 1-D) <paramref name="globalColumn"/>.</summary>
    public int ToLocalColumn(int globalColumn) => globalColumn - _columnOffset;

    /// <summary>Whether this rank's block holds the global element (row 0 for a 1-D array).</summary>
    public bool Owns(int globalRow, int globalColumn) =>
        (uint)(globalRow - _rowOffset) < (uint)_rows && (uint)(globalColumn - _columnOffset) < (uint)_columns;

    /// <summary>Sets every element of this rank's block from its global position (row 0 for a 1-D array); ghosts are left alone. Local: no communication.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="valueAt"/> is null.</exception>
    public void Fill(Func<int, int, T> valueAt)
    {
        ArgumentNullException.ThrowIfNull(valueAt);
        for (int i = 0; i < _rows; i++)
        {
            var row = Row(i);
            for (int j = 0; j < row.Length; j++)
                row[j] = valueAt(_rowOffset + i, _columnOffset + j);
        }
    }

    /// <summary>Replaces every element x of this rank's block by <paramref name="map"/>(x); ghosts are left alone. Local: no communication.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    public void Map(Func<T, T> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        for (int i = 0; i < _rows; i++)
        {
            var row = Row(i);
            for (int j = 0; j < row.Length; j++)
                row[j] = map(row[j]);
        }
    }

    /// <summary>
    /// Replaces every element x of this rank's block by <paramref name="map"/>(x, y), y the element at the same global
    /// position in <paramref name="other"/>; ghosts are left alone (the two ghost widths may differ). Local: no communication.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> or <paramref name="map"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="other"/> is distributed differently: another shape or grid shape, or this rank holds another block of it.
    /// </exception>
    public void Map(DistributedArray<T> other, Func<T, T, T> map)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(map);
        if (!SameDistribution(other))
            throw new ArgumentException(
                $"The arrays are distributed differently: {Describe()} against {other.Describe()}.", nameof(other));
        for (int i = 0; i < _rows; i++)
        {
            var row = Row(i);
            var theirs = other.Row(i);
            for (int j = 0; j < row.Length; j++)
                row[j] = map(row[j], theirs[j]);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();

    private bool SameDistribution(DistributedArray<T> other) =>
        _dimensions == other._dimensions && _globalRows == other._globalRows && _globalColumns == other._globalColumns
        && _gridRows == other._gridRows && _gridColumns == other._gridColumns
        && _rowOffset == other._rowOffset && _columnOffset == other._columnOffset;

    private string Describe() =>
        $"{string.Join(" × ", Shape)} over a {(_dimensions == 1 ? $"{_gridColumns}" : $"{_gridRows} × {_gridColumns}")} grid, "
        + $"this rank's block at ({_rowOffset}, {_columnOffset}) of {_rows} × {_columns}";

    /// <summary>The block of grid rank <paramref name="rank"/>: Cartesian ranks are numbered row-major by coordinates.</summary>
    private Region BlockOfRank(int rank)
    {
        var (row, rows) = DistributedArray.Block(_globalRows, _gridRows, rank / _gridColumns);
        var (column, columns) = DistributedArray.Block(_globalColumns, _gridColumns, rank % _gridColumns);
        return new Region(row, rows, column, columns);
    }

    /// <summary>Whether some rank's block is empty (more ranks than elements along a dimension).</summary>
    internal bool HasEmptyBlocks => _globalRows < _gridRows || _globalColumns < _gridColumns;

    /// <summary>The number of elements of grid rank <paramref name="rank"/>'s block.</summary>
    internal int BlockLength(int rank) => BlockOfRank(rank).Area;

    /// <summary>A rectangle of the global array: first row, row count, first column, column count.</summary>
    private readonly record struct Region(int Row, int Rows, int Column, int Columns)
    {
        public int Area => Rows * Columns;
    }
}
