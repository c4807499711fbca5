// Ping-pong between exactly two ranks: half round-trip latency for 0 B and 8 B to 64 KiB, bandwidth for 64 KiB to
// 4 MiB. Rank 0 prints `latency <bytes> <microseconds>` and `bandwidth <bytes> <MB/s>` (1 MB = 10^6 bytes), the
// same lines, sizes and iteration counts as pingpong.c, so run.sh can compare the two. Each value comes from the
// best of several timed repetitions: on a shared machine the fastest one is the least disturbed by other processes.
//   PingPong                    every size, from a managed array
//   PingPong managed|pooled     large messages only (bandwidth at 1, 2 and 4 MiB), from a managed array or from a
//                               LargeBuffer (2 MiB-aligned, transparent huge pages): pingpong.c's plain and huge modes
using System.Globalization;
using MPI;

const int LatencyMax = 64 << 10, LargeMin = 1 << 20, BandwidthMax = 4 << 20, Repetitions = 5;
const int SteadyStateRoundTrips = 500_000;

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
    bool large = arguments.Length > 0, pooled = large && arguments[0] == "pooled";
    if (large && !pooled && arguments[0] != "managed")
    {
        if (world.Rank == 0)
            Console.Error.WriteLine($"PingPong: unknown buffer kind '{arguments[0]}' (expected managed or pooled).");
        System.Environment.ExitCode = 2;
        return;
    }
    // One buffer for every size, written once so that no page is first touched while the clock runs.
    using var rented = pooled ? LargeBufferPool.Shared.Rent<byte>(BandwidthMax) : null;
    var buffer = rented is null ? new byte[BandwidthMax] : rented.Memory;
    buffer.Span.Fill(1);
    // Steady state first: long enough for the runtime to finish compiling the hot path at full optimization
    // (tiered compilation starts with quick code), the same exchanges in pingpong.c.
    Exchange(world, first, buffer.Span[..8], SteadyStateRoundTrips);
    for (int size = large ? LargeMin : 0; size <= BandwidthMax; size = size == 0 ? 8 : size * 2)
    {
        var message = buffer.Span[..size];
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
