// Logging cost on a rank with the full pipeline (RankLogging; under the launcher, records shipped to it):
//   1. throughput: how many events per second one rank can log, every rank logging at once, after as many events
//      again to warm up (the first ones run code the JIT has not optimized yet: about 3 times the steady cost);
//   2. slowdown: a fixed compute loop with no logging against the same loop logging 10,000 events per second per
//      rank, alternately, best of each. The loop's length is calibrated in the rank's CPU time, so that on a loaded
//      machine too it logs 10,000 events per second of its own running.
// Rank 0 prints "throughput <events/s>" and "slowdown <fraction>" (the slowest rank's figures), then the same in the
// process's CPU time, which a loaded machine disturbs far less than wall time: "cost <µs of CPU per event>" in the
// throughput run, "cpu-slowdown <fraction>" (the compute loop's CPU time logging against quiet; this leaves out
// what other processes, the launcher among them, take from the rank's cores) and "loop-cost <µs of CPU per event>"
// (the same difference per event logged).
using System.Diagnostics;
using System.Globalization;
using MPI;
using MPI.Logging;

const int ThroughputEvents = 200_000, EventsPerSecond = 10_000;
const double ComputeSeconds = 0.5;
const int Rounds = 10;

MPI.Environment.Run(world =>
{
    var log = RankLogging.Configure();

    for (int i = 0; i < ThroughputEvents; i++)
        log.Information("Warm-up event {Index} of {Total}", i, ThroughputEvents);
    world.Barrier();
    var clock = Stopwatch.StartNew();
    var cpu = System.Environment.CpuUsage.TotalTime;
    for (int i = 0; i < ThroughputEvents; i++)
        log.Information("Throughput event {Index} of {Total}", i, ThroughputEvents);
    double cost = world.Allreduce((System.Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / ThroughputEvents, Operation<double>.Max);
    double throughput = world.Allreduce(ThroughputEvents / clock.Elapsed.TotalSeconds, Operation<double>.Min);

    // The compute loop: a fixed amount of work, timed quiet and logging at the target rate, alternately, keeping
    // the best of each: on a shared machine the fastest run is the least disturbed one.
    long units = Calibrate(ComputeSeconds);
    long logEvery = Math.Max(1, (long)(units / (ComputeSeconds * EventsPerSecond)));
    double quiet = double.MaxValue, logging = double.MaxValue, quietCpu = double.MaxValue, loggingCpu = double.MaxValue;
    for (int round = 0; round < Rounds; round++)
    {
        world.Barrier();
        var (wall, used) = Compute(units, 0, log);
        (quiet, quietCpu) = (Math.Min(quiet, wall), Math.Min(quietCpu, used));
        world.Barrier();
        (wall, used) = Compute(units, logEvery, log);
        (logging, loggingCpu) = (Math.Min(logging, wall), Math.Min(loggingCpu, used));
    }
    double slowdown = world.Allreduce(logging / quiet - 1, Operation<double>.Max);
    double cpuSlowdown = world.Allreduce(loggingCpu / quietCpu - 1, Operation<double>.Max);
    double loopCost = world.Allreduce((loggingCpu - quietCpu) * 1e6 / ((units + logEvery - 1) / logEvery), Operation<double>.Max);
    if (world.Rank == 0)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput {throughput:F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"slowdown {slowdown:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cost {cost:F3}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu-slowdown {cpuSlowdown:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loop-cost {loopCost:F3}"));
    }
    Serilog.Log.CloseAndFlush();
});

// How many units of work take about this much of this rank's CPU time.
static long Calibrate(double seconds)
{
    var cpu = System.Environment.CpuUsage.TotalTime;
    long units = 0;
    double sink = 0;
    while ((System.Environment.CpuUsage.TotalTime - cpu).TotalSeconds < 0.2)
    {
        for (int i = 0; i < 1000; i++)
            sink += Work(units++);
    }
    GC.KeepAlive(sink);
    return (long)(units * seconds / (System.Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
}

// The loop's wall time and the process's CPU time over it, in seconds.
static (double Wall, double Cpu) Compute(long units, long logEvery, Serilog.ILogger log)
{
    var clock = Stopwatch.StartNew();
    var cpu = System.Environment.CpuUsage.TotalTime;
    double sink = 0;
    for (long unit = 0; unit < units; unit++)
    {
        sink += Work(unit);
        if (logEvery > 0 && unit % logEvery == 0)
            log.Information("Progress {Unit} of {Units}", unit, units);
    }
    GC.KeepAlive(sink);
    return (clock.Elapsed.TotalSeconds, (System.Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
}

static double Work(long unit)
{
    double value = unit;
    for (int i = 0; i < 200; i++)
        value = Math.Sqrt(value + i);
    return value;
}
