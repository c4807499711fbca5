// Counts the primes up to a limit with a task farm: the numbers 0..limit are cut into ranges of a fixed size, and
// each task counts the primes of one range with a segmented sieve (the primes up to the square root of the limit,
// sieved once per rank, cross off their multiples in the range). The ranks share the ranges dynamically, the
// coordinator (rank 0) computing too; it prints the count and the time taken. Every rank logs its share as a
// structured event (the launcher gathers them).
// Usage: Primes [limit] [range size]   (defaults 100,000,000 and 1,000,000)
using System.Diagnostics;
using System.Globalization;
using MPI;
using MPI.Logging;

MPI.Environment.Run(world =>
{
    var log = RankLogging.Configure();
    long limit = args.Length > 0 ? long.Parse(args[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : 100_000_000;
    long rangeSize = args.Length > 1 ? long.Parse(args[1], NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : 1_000_000;
    if (limit < 0 || rangeSize < 1 || rangeSize > int.MaxValue)
        throw new ArgumentOutOfRangeException(nameof(args), $"The limit must be at least 0 and the range size 1 to {int.MaxValue}; got {limit} and {rangeSize}.");
    var watch = Stopwatch.StartNew();
    var sieve = new SegmentedSieve(limit);
    long ranges = limit / rangeSize + 1; // the numbers 0..limit inclusive
    int mine = 0;
    var counts = TaskFarm.Map(world, world.Rank == 0 ? LongRange(ranges) : null, range =>
    {
        Interlocked.Increment(ref mine);
        long low = range * rangeSize;
        return sieve.Count(low, Math.Min(low + rangeSize, limit + 1));
    }, new TaskFarmOptions { CoordinatorComputes = true, ChunkSize = 0 });
    log.Information("Counted the primes of {Ranges} range(s) of {RangeSize} numbers", mine, rangeSize);
    if (world.Rank == 0)
    {
        long total = counts.Sum();
        double seconds = watch.Elapsed.TotalSeconds;
        log.Information("There are {Primes} primes up to {Limit}, counted on {Ranks} ranks in {Seconds} s",
            total, limit, world.Size, Math.Round(seconds, 3));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pi({limit}) = {total} ({ranges} ranges of {rangeSize} on {world.Size} ranks; {seconds:F3} s)"));
    }
    Serilog.Log.CloseAndFlush();
});

static IEnumerable<long> LongRange(long count)
{
    for (long i = 0; i < count; i++)
        yield return i;
}

/// <summary>Counts primes in ranges below a limit, with the primes up to the limit's square root sieved once.</summary>
internal sealed class SegmentedSieve
{
    private readonly int[] _basePrimes;

    public SegmentedSieve(long limit)
    {
        int root = (int)Math.Sqrt(limit) + 1;
        var composite = new bool[root + 1];
        var primes = new List<int>();
        for (int n = 2; n <= root; n++)
        {
            if (composite[n])
                continue;
            primes.Add(n);
            for (long m = (long)n * n; m <= root; m += n)
                composite[m] = true;
        }
        _basePrimes = [.. primes];
    }

    /// <summary>The number of primes p with <paramref name="low"/> &lt;= p &lt; <paramref name="high"/>.</summary>
    public int Count(long low, long high)
    {
        if (high <= low)
            return 0;
        var composite = new bool[high - low];
        foreach (int p in _basePrimes)
        {
            long square = (long)p * p;
            if (square >= high)
                break;
            long first = Math.Max(square, (low + p - 1) / p * p);
            for (long m = first; m < high; m += p)
                composite[m - low] = true;
        }
        int count = 0;
        for (long n = Math.Max(low, 2); n < high; n++)
        {
            if (!composite[n - low])
                count++;
        }
        return count;
    }
}
