// Computes pi as the integral of 4/(1+x^2) over [0,1] with the midpoint rule, the intervals dealt out to the
// ranks in turn; the partial sums are reduced to rank 0, which prints the value, its error and the time taken.
// Every rank logs its share as a structured event (the launcher gathers them; Receive-ParallelJob shows them).
// Usage: Pi [intervals]   (default 100,000,000)
using System.Globalization;
using MPI;
using MPI.Logging;

MPI.Environment.Run(world =>
{
    var log = RankLogging.Configure();
    long intervals = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 100_000_000;
    var start = MPI.Environment.Time;
    double width = 1.0 / intervals;
    double partial = 0;
    long count = 0;
    for (long i = world.Rank; i < intervals; i += world.Size, count++)
    {
        double x = (i + 0.5) * width;
        partial += 4.0 / (1.0 + x * x);
    }
    partial *= width;
    log.Information("Summed {Intervals} intervals to {Partial}", count, partial);

    double pi = world.Reduce(partial, Operation<double>.Add, 0);
    if (world.Rank == 0)
    {
        var seconds = MPI.Environment.Time - start;
        log.Information("Pi is {Pi} with {Intervals} intervals on {Ranks} ranks, error {Error:0.0E+00}, in {Seconds} s",
            pi, intervals, world.Size, Math.Abs(pi - Math.PI), Math.Round(seconds, 3));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pi = {pi:R} with {intervals:N0} intervals on {world.Size} ranks; error {Math.Abs(pi - Math.PI):E3}; {seconds:F3} s"));
    }
    Serilog.Log.CloseAndFlush();
});
