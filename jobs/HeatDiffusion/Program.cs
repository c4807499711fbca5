// 2-D heat diffusion by Jacobi iteration on a DistributedArray<double>: an N x N plate whose edges are held at fixed
// temperatures (top 100, left 75, right 50, bottom 0; the interior starts at 0). Each iteration exchanges one ghost
// cell with the grid neighbours, then sets every interior cell to the mean of its four neighbours. The ranks form a
// 2-D process grid (MPI_Dims_create). Rank 0 first runs the same iteration serially on the whole plate (the others
// wait without spinning), then every rank runs its block; the result is gathered and compared with the serial
// plate exactly: each cell is computed by the same expression, on the same values, in the same order, so IEEE
// arithmetic gives identical bits, and any difference is a bug (a missed or stale ghost cell), not rounding.
// Prints the checksum, the last iteration's change, the difference from serial, and the times per iteration with the
// speed-up over the serial run of the same invocation. Exit code 1 when the plates differ.
// Usage: HeatDiffusion [size] [iterations]   (defaults 512 and 200)
using System.Globalization;
using System.Runtime.CompilerServices;
using MPI;

MPI.Environment.Run(world =>
{
    if (args.Length > 2)
        throw new ArgumentException($"Usage: HeatDiffusion [size] [iterations]; unexpected '{args[2]}'.", nameof(args));
    int size = args.Length > 0 ? Plate.Argument(args[0], "size") : 512;
    int iterations = args.Length > 1 ? Plate.Argument(args[1], "iterations") : 200;
    // The serial plate is one array of size x size doubles.
    if (size < 3 || size > 46340 || iterations < 0)
        throw new ArgumentOutOfRangeException(nameof(args),
            $"The plate needs 3 to 46,340 cells a side and 0 or more iterations; got {size} and {iterations}.");
    int[]? dims = null;
    CartesianCommunicator.ComputeDimensions(world.Size, 2, ref dims);
    using var grid = new CartesianCommunicator(world, 2, dims, [false, false], reorder: false);

    double[]? serial = null;
    double serialSeconds = 0;
    if (grid.Rank == 0)
    {
        double start = MPI.Environment.Time;
        serial = Plate.Serial(size, iterations);
        serialSeconds = MPI.Environment.Time - start;
    }
    Plate.WaitWithoutSpinning(grid);

    var current = new DistributedArray<double>(grid, [size, size], ghostWidth: 1);
    var next = new DistributedArray<double>(grid, [size, size], ghostWidth: 1);
    current.Fill((i, j) => Plate.Initial(i, j, size));
    next.Fill((i, j) => Plate.Initial(i, j, size));
    grid.Barrier();
    double begin = MPI.Environment.Time;
    for (int iteration = 0; iteration < iterations; iteration++)
    {
        Plate.Step(current, next, size);
        (current, next) = (next, current);
    }
    grid.Barrier();
    double seconds = MPI.Environment.Time - begin;

    // next holds the plate before the last iteration: their difference is the last change.
    next.Map(current, (before, after) => after - before);
    double change = next.Norm();
    double checksum = current.Sum();
    var plate = current.Gather(0);
    if (grid.Rank != 0)
        return;
    double maxDifference = 0;
    for (int k = 0; k < plate!.Length; k++)
        maxDifference = Math.Max(maxDifference, Math.Abs(plate[k] - serial![k]));
    var output = CultureInfo.InvariantCulture;
    Console.WriteLine(string.Create(output,
        $"HeatDiffusion: {size} x {size} plate, {iterations} Jacobi iterations on {grid.Size} ranks ({dims[0]} x {dims[1]} process grid)"));
    Console.WriteLine(string.Create(output, $"checksum = {checksum:R}; last change (2-norm) = {change:E3}"));
    Console.WriteLine(string.Create(output,
        $"max |parallel - serial| = {maxDifference:R} over {plate.Length} cells ({(maxDifference == 0 ? "identical" : "DIFFERENT")})"));
    if (iterations > 0)
    {
        Console.WriteLine(string.Create(output,
            $"time: {seconds:F3} s, {seconds / iterations * 1000:F3} ms/iteration; serial {serialSeconds:F3} s, {serialSeconds / iterations * 1000:F3} ms/iteration; speed-up over serial {serialSeconds / seconds:F2}x"));
    }
    if (maxDifference != 0)
        System.Environment.ExitCode = 1;
});

/// <summary>The plate's boundary, one Jacobi step distributed and the whole iteration serially, cell for cell alike.</summary>
internal static class Plate
{
    /// <summary>A whole number from the command line (signs and thousands separators allowed), or a clear error.</summary>
    public static int Argument(string text, string name) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"The {name} must be a whole number, not '{text}'.", nameof(text));

    public static double Initial(int row, int column, int size) =>
        row == 0 ? 100 : row == size - 1 ? 0 : column == 0 ? 75 : column == size - 1 ? 50 : 0;

    /// <summary>Fills the ghosts of <paramref name="current"/>, then sets next's interior cells from its neighbours.</summary>
    // Both timed loops are compiled fully optimized at once: tiered compilation would run this method's first calls
    // unoptimized, charging them to the distributed run only (the serial loop is one call, soon replaced on the stack).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(DistributedArray<double> current, DistributedArray<double> next, int size)
    {
        current.ExchangeGhosts();
        // Stored index k is local column k - 1: the cells of global columns 1 to size - 2 that this block holds.
        int first = Math.Max(1, current.ColumnOffset) - current.ColumnOffset + 1;
        int last = Math.Min(size - 2, current.ColumnOffset + current.LocalColumns - 1) - current.ColumnOffset + 1;
        for (int i = 0; i < current.LocalRows; i++)
        {
            int row = current.ToGlobalRow(i);
            if (row == 0 || row == size - 1)
                continue;
            ReadOnlySpan<double> up = current.RowWithGhosts(i - 1);
            ReadOnlySpan<double> middle = current.RowWithGhosts(i);
            ReadOnlySpan<double> down = current.RowWithGhosts(i + 1);
            var target = next.RowWithGhosts(i);
            for (int k = first; k <= last; k++)
                target[k] = 0.25 * (up[k] + down[k] + middle[k - 1] + middle[k + 1]);
        }
    }

    /// <summary>The same iteration on one whole plate, row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double[] Serial(int size, int iterations)
    {
        var current = new double[size * size];
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
                current[i * size + j] = Initial(i, j, size);
        }
        var next = (double[])current.Clone();
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            for (int i = 1; i < size - 1; i++)
            {
                int row = i * size;
                for (int j = 1; j < size - 1; j++)
                    next[row + j] = 0.25 * (current[row - size + j] + current[row + size + j] + current[row + j - 1] + current[row + j + 1]);
            }
            (current, next) = (next, current);
        }
        return current;
    }

    /// <summary>A barrier whose waiters sleep between polls, so they leave the cores to rank 0's serial run.</summary>
    public static void WaitWithoutSpinning(Intracommunicator comm)
    {
        var barrier = comm.ImmediateBarrier();
        while (barrier.Test() is null)
            Thread.Sleep(1);
    }
}
