using MPI;

namespace SpmdChecks;

/// <summary>
/// DistributedArray: every operation against a serial computation of the same global array, on 1-D and 2-D grids
/// made by ComputeDimensions for whatever number of ranks runs, with uneven and empty blocks.
/// </summary>
internal static class DistributedArrayChecks
{
    private const int Sentinel = -1;

    [Check]
    public static void BlocksAreAsEvenAsPossible(Intracommunicator c)
    {
        Expect.Equal((0, 4), DistributedArray.Block(10, 3, 0));
        Expect.Equal((4, 3), DistributedArray.Block(10, 3, 1));
        Expect.Equal((6, 2), DistributedArray.Block(8, 3, 2));
        Expect.Equal((2, 0), DistributedArray.Block(2, 4, 3));
        Expect.Throws<ArgumentOutOfRangeException>(() => DistributedArray.Block(5, 2, 2));
        Expect.Throws<ArgumentOutOfRangeException>(() => DistributedArray.Block(5, 0, 0));

        using var grid = Grid(c, 2, periodic: false);
        var array = new DistributedArray<int>(grid, [7, 5], ghostWidth: 1);
        var dims = grid.Dimensions;
        var coords = grid.Coordinates;
        Expect.Equal(DistributedArray.Block(7, dims[0], coords[0]), (array.RowOffset, array.LocalRows));
        Expect.Equal(DistributedArray.Block(5, dims[1], coords[1]), (array.ColumnOffset, array.LocalColumns));
        Expect.Equal(array.LocalColumns + 2, array.Stride);
        Expect.Equal((array.LocalRows + 2) * array.Stride, array.Local.Length);
        Expect.Equal(35, c.Allreduce(array.LocalLength, Operation<int>.Add));
        Expect.Sequence([7, 5], array.Shape);
        Expect.Equal(2, array.DimensionCount);

        // The storage is the span: a write through one is seen through the others.
        array.Local[array.StorageIndex(0, 0)] = 42;
        Expect.Equal(42, array[0, 0]);
        Expect.Equal(42, array.Row(0)[0]);
        Expect.Equal(42, array.RowWithGhosts(0)[1]);
        Expect.Equal(array.RowOffset + 1, array.ToGlobalRow(1));
        Expect.Equal(1, array.ToLocalColumn(array.ColumnOffset + 1));
        Expect.True(array.Owns(array.RowOffset, array.ColumnOffset));
        Expect.False(array.Owns(array.RowOffset + array.LocalRows, array.ColumnOffset));
    }

    [Check]
    public static void GatherAndScatterMatchTheSerialArray(Intracommunicator c)
    {
        foreach (int ghosts in new[] { 0, 1 })
        {
            using var grid2 = Grid(c, 2, periodic: false);
            var matrix = new DistributedArray<int>(grid2, [7, 5], ghosts);
            matrix.Fill(Value);
            int root = c.Size - 1;
            var gathered = matrix.Gather(root);
            if (c.Rank == root)
                Expect.Sequence(Serial(7, 5, Value), gathered);
            else
                Expect.Equal(null, gathered);

            var global = c.Rank == 0 ? Serial(7, 5, (i, j) => 3 * i - 2 * j) : [];
            matrix.Scatter(global, 0);
            ExpectBlock(matrix, (i, j) => 3 * i - 2 * j);

            using var grid1 = Grid(c, 1, periodic: false);
            var vector = new DistributedArray<long>(grid1, [11], ghosts);
            vector.Fill((_, j) => j * j);
            var all = new long[11];
            vector.Gather(c.Rank == 0 ? all : [], 0);
            if (c.Rank == 0)
                Expect.Sequence(Enumerable.Range(0, 11).Select(j => (long)j * j), all);
            vector.Scatter(c.Rank == 0 ? Enumerable.Range(0, 11).Select(j => -(long)j).ToArray() : [], 0);
            for (int j = 0; j < vector.LocalColumns; j++)
                Expect.Equal(-(long)vector.ToGlobalColumn(j), vector[j]);
            Expect.Equal(vector.LocalColumns, vector.Interior.Length);
        }
    }

    [Check]
    public static void GhostsComeFromTheNeighboursAndWrapWhenPeriodic(Intracommunicator c)
    {
        foreach (bool periodic in new[] { false, true })
        {
            foreach (int ghosts in new[] { 1, 2 })
            {
                // 12 × 10 keeps every block at least 2 wide with up to 5 ranks on a ComputeDimensions grid.
                using var grid2 = Grid(c, 2, periodic);
                var matrix = new DistributedArray<int>(grid2, [12, 10], ghosts);
                matrix.Local.Fill(Sentinel);
                matrix.Fill(Value);
                matrix.ExchangeGhosts();
                for (int i = -ghosts; i < matrix.LocalRows + ghosts; i++)
                {
                    for (int j = -ghosts; j < matrix.LocalColumns + ghosts; j++)
                    {
                        var expected = Expected(matrix.ToGlobalRow(i), 12, matrix.ToGlobalColumn(j), 10, periodic);
                        Expect.Equal(expected, matrix[i, j], $"periodic {periodic}, ghosts {ghosts}, local ({i}, {j})");
                    }
                }

                using var grid1 = Grid(c, 1, periodic);
                var vector = new DistributedArray<int>(grid1, [13], ghosts);
                vector.Local.Fill(Sentinel);
                vector.Fill(Value);
                vector.ExchangeGhosts();
                vector.ExchangeGhosts();
                for (int j = -ghosts; j < vector.LocalColumns + ghosts; j++)
                    Expect.Equal(Expected(0, 1, vector.ToGlobalColumn(j), 13, periodic), vector[j], $"1-D, periodic {periodic}, ghosts {ghosts}, local {j}");
            }
        }
    }

    [Check]
    public static void ReductionsMatchTheSerialValues(Intracommunicator c)
    {
        using var grid2 = Grid(c, 2, periodic: false);
        var matrix = new DistributedArray<int>(grid2, [7, 9], ghostWidth: 1);
        matrix.Local.Fill(1000);  // ghosts must not count
        matrix.Fill((i, j) => i * 9 + j - 30);
        var serial = Serial(7, 9, (i, j) => i * 9 + j - 30);
        Expect.Equal(serial.Sum(), matrix.Sum());
        Expect.Equal(serial.Min(), matrix.Min());
        Expect.Equal(serial.Max(), matrix.Max());
        ExpectClose(Math.Sqrt(serial.Sum(x => (double)x * x)), matrix.Norm());

        var reals = new DistributedArray<double>(grid2, [7, 9]);
        reals.Fill((i, j) => Math.Sin(i + 0.1 * j));
        var serialReals = Serial(7, 9, (i, j) => Math.Sin(i + 0.1 * j));
        ExpectClose(serialReals.Sum(), reals.Sum());
        Expect.Equal(serialReals.Min(), reals.Min());
        Expect.Equal(serialReals.Max(), reals.Max());
        ExpectClose(Math.Sqrt(serialReals.Sum(x => x * x)), reals.Norm());

        // More ranks than elements: the last blocks are empty and offer no candidate.
        using var grid1 = Grid(c, 1, periodic: false);
        var pair = new DistributedArray<int>(grid1, [2]);
        pair.Fill((_, j) => j == 0 ? 5 : -3);
        Expect.Equal(c.Size == 1 ? 2 : c.Rank < 2 ? 1 : 0, pair.LocalLength);
        Expect.Equal(2, pair.Sum());
        Expect.Equal(-3, pair.Min());
        Expect.Equal(5, pair.Max());
        ExpectClose(Math.Sqrt(34), pair.Norm());
        var gathered = pair.Gather(0);
        if (c.Rank == 0)
            Expect.Sequence([5, -3], gathered);
        var moved = pair.Redistribute(grid1);
        moved.Scatter(c.Rank == 0 ? [7, 8] : [], 0);
        Expect.Equal(15, moved.Sum());

        var empty = new DistributedArray<int>(grid1, [0]);
        Expect.Equal(0, empty.Sum());
        Expect.Equal(0.0, empty.Norm());
        Expect.Throws<InvalidOperationException>(() => empty.Min());
        Expect.Throws<InvalidOperationException>(() => empty.Max());
        Expect.Equal(c.Rank == 0 ? 0 : -1, empty.Gather(0)?.Length ?? -1);
        empty.Scatter([], 0);
    }

    [Check]
    public static void MapActsOnEveryElementOfTheBlock(Intracommunicator c)
    {
        using var grid2 = Grid(c, 2, periodic: true);
        var a = new DistributedArray<int>(grid2, [6, 8], ghostWidth: 1);
        var b = new DistributedArray<int>(grid2, [6, 8]);
        a.Local.Fill(Sentinel);
        a.Fill(Value);
        b.Fill((i, j) => i - j);
        a.Map(x => 2 * x + 1);
        a.Map(b, (x, y) => x - y);
        ExpectBlock(a, (i, j) => 2 * Value(i, j) + 1 - (i - j));
        Expect.Equal(Sentinel, a[-1, -1]);

        Expect.Throws<ArgumentException>(() => a.Map(new DistributedArray<int>(grid2, [6, 9]), (x, _) => x));
        if (c.Size > 1)
        {
            // The same shape over another grid shape (all rows on one rank against all columns).
            using var columns = new CartesianCommunicator(c, 2, [1, c.Size], [false, false], reorder: false);
            Expect.Throws<ArgumentException>(() => a.Map(new DistributedArray<int>(columns, [6, 8]), (x, _) => x));
        }
    }

    [Check]
    public static void RedistributionKeepsEveryValue(Intracommunicator c)
    {
        int p = c.Size;
        var dims = new int[2];
        CartesianCommunicator.ComputeDimensions(p, 2, ref dims);
        using var wide = new CartesianCommunicator(c, 2, [1, p], [false, false], reorder: false);
        using var tall = new CartesianCommunicator(c, 2, [p, 1], [false, false], reorder: false);
        using var square = new CartesianCommunicator(c, 2, dims, [true, true], reorder: false);
        var start = new DistributedArray<int>(wide, [7, 6]);
        start.Fill(Value);
        var serial = Serial(7, 6, Value);
        var steps = new[] { (tall, 1), (square, 1), (wide, 0), (square, 0) };
        var current = start;
        foreach (var (grid, ghosts) in steps)
        {
            current = current.Redistribute(grid, ghosts);
            Expect.Equal(ghosts, current.GhostWidth);
            ExpectBlock(current, Value);
            var gathered = current.Gather(0);
            if (c.Rank == 0)
                Expect.Sequence(serial, gathered);
        }

        using var line = Grid(c, 1, periodic: false);
        var vector = new DistributedArray<double>(line, [9]);
        vector.Fill((_, j) => j / 2.0);
        var copy = vector.Redistribute(line);
        Expect.Sequence(vector.Interior.ToArray(), copy.Interior.ToArray());

        Expect.Throws<ArgumentException>(() => start.Redistribute(line));
        if (p > 1)
        {
            using var alone = new CartesianCommunicator(Communicator.self, 2, [1, 1], [false, false], reorder: false);
            Expect.Throws<ArgumentException>(() => start.Redistribute(alone));
        }
        if (p > 2)
            Expect.Throws<ArgumentOutOfRangeException>(() => start.Redistribute(tall, ghostWidth: 3));
    }

    [Check]
    public static void BadInputIsRefusedOnEveryRank(Intracommunicator c)
    {
        using var grid2 = Grid(c, 2, periodic: false);
        using var grid1 = Grid(c, 1, periodic: false);
        Expect.Throws<ArgumentNullException>(() => _ = new DistributedArray<int>(null!, [3]));
        Expect.Throws<ArgumentException>(() => _ = new DistributedArray<int>(grid2, [12]));
        Expect.Throws<ArgumentException>(() => _ = new DistributedArray<int>(grid1, [3, 4]));
        Expect.Throws<ArgumentException>(() => _ = new DistributedArray<int>(grid1, [2, 2, 2]));
        Expect.Throws<ArgumentOutOfRangeException>(() => _ = new DistributedArray<int>(grid1, [-1]));
        Expect.Throws<ArgumentOutOfRangeException>(() => _ = new DistributedArray<int>(grid1, [10], ghostWidth: -1));
        Expect.Throws<ArgumentOutOfRangeException>(() => _ = new DistributedArray<int>(grid2, [100_000, 100_000]));
        // Blocks of 1 or 2 elements cannot feed ghosts 3 deep; more ranks than elements leave empty blocks.
        Expect.Throws<ArgumentOutOfRangeException>(() => _ = new DistributedArray<int>(grid1, [c.Size * 2], ghostWidth: 3));
        if (c.Size > 1)
            Expect.Throws<ArgumentOutOfRangeException>(() => _ = new DistributedArray<int>(grid1, [c.Size - 1], ghostWidth: 1));

        var matrix = new DistributedArray<int>(grid2, [6, 10], ghostWidth: 1);
        Expect.Throws<ArgumentOutOfRangeException>(() => matrix.Gather(-1));
        Expect.Throws<ArgumentOutOfRangeException>(() => matrix.Gather(c.Size));
        Expect.Throws<ArgumentOutOfRangeException>(() => matrix.Scatter(new int[60], c.Size));
        // A wrong length at the root is refused on every rank, and the next collective still works.
        Expect.Throws<ArgumentException>(() => matrix.Gather(new int[c.Rank == 0 ? 59 : 0], 0));
        Expect.Throws<ArgumentException>(() => matrix.Scatter(new int[c.Rank == 0 ? 61 : 60], 0));
        matrix.Fill(Value);
        var gathered = matrix.Gather(0);
        if (c.Rank == 0)
            Expect.Sequence(Serial(6, 10, Value), gathered);

        Expect.Throws<InvalidOperationException>(() => _ = matrix[0]);
        Expect.Throws<ArgumentOutOfRangeException>(() => _ = matrix[-2, 0]);
        Expect.Throws<ArgumentOutOfRangeException>(() => matrix.Row(matrix.LocalRows));
        Expect.Throws<ArgumentOutOfRangeException>(() => matrix.RowWithGhosts(-2));
        if (matrix.LocalRows > 1)
            Expect.Throws<InvalidOperationException>(() => _ = matrix.Interior);

        if (c.Size > 1)
        {
            // Rank 0 alone on a grid of one: the others are not members.
            using var first = new CartesianCommunicator(c, 1, [1], [false], reorder: false);
            if (c.Rank == 0)
                Expect.Equal(4, new DistributedArray<int>(first, [4]).Length);
            else
                Expect.Throws<ArgumentException>(() => _ = new DistributedArray<int>(first, [4]));
        }
    }

    private static int Value(int row, int column) => row * 1000 + column;

    /// <summary>The value a stored cell holds after the exchange: a wrapped neighbour value, or the sentinel at a non-periodic border.</summary>
    private static int Expected(int row, int rows, int column, int columns, bool periodic)
    {
        bool outside = (uint)row >= (uint)rows || (uint)column >= (uint)columns;
        if (outside && !periodic)
            return Sentinel;
        return Value((row + rows) % rows, (column + columns) % columns);
    }

    private static CartesianCommunicator Grid(Intracommunicator c, int dimensions, bool periodic)
    {
        int[]? dims = null;
        CartesianCommunicator.ComputeDimensions(c.Size, dimensions, ref dims);
        return new CartesianCommunicator(c, dimensions, dims, Enumerable.Repeat(periodic, dimensions).ToArray(), reorder: false);
    }

    private static T[] Serial<T>(int rows, int columns, Func<int, int, T> valueAt)
    {
        var values = new T[rows * columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
                values[i * columns + j] = valueAt(i, j);
        }
        return values;
    }

    private static void ExpectBlock<T>(DistributedArray<T> array, Func<int, int, T> valueAt) where T : unmanaged
    {
        for (int i = 0; i < array.LocalRows; i++)
        {
            for (int j = 0; j < array.LocalColumns; j++)
                Expect.Equal(valueAt(array.ToGlobalRow(i), array.ToGlobalColumn(j)), array[i, j], $"local ({i}, {j})");
        }
    }

    private static void ExpectClose(double expected, double actual)
    {
        if (Math.Abs(expected - actual) > 1e-12 * Math.Max(1, Math.Abs(expected)))
            throw new CheckFailedException($"expected {expected:R}, got {actual:R}");
    }
}
