// Ping-pong between exactly two ranks: half round-trip latency for 0 B and 8 B to 64 KiB, bandwidth for 64 KiB to
// 4 MiB. Rank 0 prints `latency <bytes> <microseconds>` and `bandwidth <bytes> <MB/s>` (1 MB = 10^6 bytes), the
// same lines, sizes and iteration counts as pingpong.c, so run.sh can compare the two. Each value comes from the
// best of several timed repetitions: on a shared machine the fastest one is the least disturbed by other processes.
using System.Globalization;
using MPI;

const int LatencyMax = 64 << 10, BandwidthMax = 4 << 20, Repetitions = 5, SteadyStateRoundTrips = 500_000;

// Single-threaded MPI, as pingpong.c asks for: Open MPI's message path is 40-60 ns slower per message at the higher
// thread levels (MPI.NET's default is Serialized), which would hide the cost of the binding itself.
var arguments = args;
MPI.Environment.Run(ref arguments, Threading.Single, world =>
{
    if (world.Size != 2)
    {
        if (world.Rank == 0)
            Console.Error.WriteLine($"PingPong needs exactly 2 ranks, not {world.Size}: run it with mpiexec -n 2.");
        System.Environment.ExitCode = 2;
        return;
    }
    bool first = world.Rank == 0;
    // One buffer for every size, written once so that no page is first touched while the clock runs.
    var buffer = new byte[BandwidthMax];
    buffer.AsSpan().Fill(1);
    // Steady state first: long enough for the runtime to finish compiling the hot path at full optimization
    // (tiered compilation starts with quick code), the same exchanges in pingpong.c.
    Exchange(world, first, buffer.AsSpan(0, 8), SteadyStateRoundTrips);
    for (int size = 0; size <= BandwidthMax; size = size == 0 ? 8 : size * 2)
    {
        var message = buffer.AsSpan(0, size);
        int iterations = Iterations(size);
        Exchange(world, first, message, iterations); // warm-up: JIT tiers, the library's connection and protocol setup
        double best = double.MaxValue;
        for (int repetition = 0; repetition < Repetitions; repetition++)
        {
            world.Barrier();
            double start = MPI.Environment.Time;
            Exchange(world, first, message, iterations);
            best = Math.Min(best, (MPI.Environment.Time - start) / (2.0 * iterations));
        }
        if (!first)
            continue;
        if (size <= LatencyMax)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"latency {size} {best * 1e6:F3}"));
        if (size >= LatencyMax)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bandwidth {size} {size / best / 1e6:F1}"));
    }
});

// About 64 MiB each way per repetition, at least 16 and at most 8192 round trips: each size takes a bounded time.
static int Iterations(int size) => Math.Clamp((64 << 20) / Math.Max(size, 1), 16, 8192);

// Rank 0 sends then receives, rank 1 echoes; the span overloads send and receive the buffer in place.
static void Exchange(Intracommunicator world, bool first, Span<byte> message, int iterations)
{
    for (int i = 0; i < iterations; i++)
    {
        if (first)
        {
            world.Send<byte>(message, 1, 0);
            world.Receive(1, 0, message);
        }
        else
        {
            world.Receive(0, 0, message);
            world.Send<byte>(message, 0, 0);
        }
    }
}
