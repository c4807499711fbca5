// Hybrid ranks x threads: power iteration on a dense symmetric matrix whose rows are block-distributed over the
// ranks, each rank multiplying its block by the vector with Parallel.For over its rows, the ranks then gathering
// the product (MPI_Allgatherv). The matrix is A[i,j] = min(i, j) for i, j = 1..n, whose largest eigenvalue is known:
// 1 / (4 sin^2(pi / (2 (2n + 1)))), so the result is checked, not just printed. Only the main thread calls MPI
// (Threading.Funneled). Rank 0 prints the eigenvalue, its error and the time, and every rank's view of the cores
// it may use (the affinity mpiexec gave it, which .NET's Environment.ProcessorCount follows).
// Usage: Hybrid [order] [iterations] [threads per rank]   (defaults 3000, 30, Environment.ProcessorCount)
using System.Diagnostics;
using System.Globalization;
using MPI;

var arguments = args;
MPI.Environment.Run(ref arguments, Threading.Funneled, world =>
{
    MPI.Environment.RequireThreading(Threading.Funneled);
    int order = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3000;
    int iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
    int threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : System.Environment.ProcessorCount;
    if (order < world.Size || iterations < 1 || threads < 1)
        throw new ArgumentOutOfRangeException(nameof(args),
            $"Need an order of at least the rank count ({world.Size}), at least 1 iteration and 1 thread; got {order}, {iterations}, {threads}.");
    // The pool starts with ProcessorCount threads and adds more slowly: asked for more, Parallel.For would wait.
    ThreadPool.GetMinThreads(out int workers, out int ports);
    if (threads > workers)
        ThreadPool.SetMinThreads(threads, ports);

    var placement = world.Gather(Placement(world.Rank, threads), 0);
    var (counts, first) = Blocks(order, world.Size, world.Rank);
    var watch = Stopwatch.StartNew();
    var block = new PowerIteration(order, first, counts[world.Rank], threads);
    double fill = watch.Elapsed.TotalSeconds;

    world.Barrier();
    double start = MPI.Environment.Time;
    var x = new double[order];
    Array.Fill(x, 1 / Math.Sqrt(order));
    double lambda = 0;
    for (int k = 0; k < iterations; k++)
    {
        var y = world.AllgatherFlattened(block.Multiply(x), counts);
        lambda = Dot(x, y); // the Rayleigh quotient, x having norm 1
        double norm = Math.Sqrt(Dot(y, y));
        for (int i = 0; i < order; i++)
            x[i] = y[i] / norm;
    }
    double seconds = world.Reduce(MPI.Environment.Time - start, Operation<double>.Max, 0);
    double fillSeconds = world.Reduce(fill, Operation<double>.Max, 0);
    if (world.Rank == 0)
    {
        double exact = 1 / (4 * Math.Pow(Math.Sin(Math.PI / (2 * (2.0 * order + 1))), 2));
        double flops = 2.0 * order * order * iterations;
        foreach (var line in placement!)
            Console.WriteLine(line);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Hybrid: {world.Size} ranks x {threads} threads, order {order}, {iterations} iterations: lambda = {lambda:R} " +
            $"(exact {exact:R}, relative error {Math.Abs(lambda - exact) / exact:E2}); multiply {seconds:F3} s " +
            $"({flops / seconds / 1e9:F2} GFLOP/s), fill {fillSeconds:F3} s"));
    }
});

// Rows [first, first + count) of rank r: as even as can be, the first order % size ranks one row more.
static (int[] Counts, int First) Blocks(int order, int size, int rank)
{
    var counts = Enumerable.Range(0, size).Select(r => order / size + (r < order % size ? 1 : 0)).ToArray();
    return (counts, counts.Take(rank).Sum());
}

static double Dot(double[] a, double[] b)
{
    double sum = 0;
    for (int i = 0; i < a.Length; i++)
        sum += a[i] * b[i];
    return sum;
}

static string Placement(int rank, int threads)
{
    const string StatusFile = "/proc/self/status";
    var allowed = File.Exists(StatusFile)
        ? File.ReadLines(StatusFile).FirstOrDefault(line => line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))?.Split(':')[1].Trim()
        : null;
    return $"rank {rank}: cpus allowed {allowed ?? "unknown"}, Environment.ProcessorCount {System.Environment.ProcessorCount}, " +
        $"{threads} threads";
}

/// <summary>A rank's rows of A[i,j] = min(i, j) (1-based), multiplied by a vector with one Parallel.For over rows.</summary>
internal sealed class PowerIteration
{
    private readonly double[][] _rows;
    private readonly ParallelOptions _options;

    public PowerIteration(int order, int first, int count, int threads)
    {
        _options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        _rows = new double[count][];
        // Filled by the threads that use them: on a machine with several memory nodes the pages land near them.
        Parallel.For(0, count, _options, r =>
        {
            var row = new double[order];
            double i = first + r + 1;
            for (int j = 0; j < order; j++)
                row[j] = Math.Min(i, j + 1);
            _rows[r] = row;
        });
    }

    public double[] Multiply(double[] x)
    {
        var y = new double[_rows.Length];
        Parallel.For(0, _rows.Length, _options, r =>
        {
            var row = _rows[r];
            double sum = 0;
            for (int j = 0; j < row.Length; j++)
                sum += row[j] * x[j];
            y[r] = sum;
        });
        return y;
    }
}
