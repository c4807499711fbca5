// Collective throughput over the typed (span) path: Allreduce (sum) of 1 Mi doubles, Broadcast of 1 MiB from rank
// 0, and Alltoall of 64 KiB per peer. Rank 0 prints "<operation> <bytes> <microseconds per operation>" (bytes: each
// rank's Allreduce or Broadcast buffer, the Alltoall block per peer) from the best of several timed repetitions,
// each after a barrier; the same operations, sizes and counts as collbench.c, so run.sh can compare the two.
//   CollectiveBench                  page-aligned NativeBuffers
//   CollectiveBench managed|pooled   managed arrays, or LargeBuffers (2 MiB-aligned, transparent huge pages), plus
//                                    Broadcast of 4 MiB: collbench.c's plain and huge modes
using System.Buffers;
using System.Globalization;
using MPI;

// The warm-up runs 200 untimed repetitions, about 0.2 s per operation: tiered compilation recompiles a method at full
// optimization only after 30 calls and a 100 ms delay, and a one-repetition warm-up timed the Alltoall path's
// unoptimized code (about 0.3 us per call, 4% of a 64 KiB Alltoall).
const int WarmUpRepetitions = 200, Repetitions = 40;
const int AllreduceCount = 1 << 20, BroadcastBytes = 1 << 20, LargeBroadcastBytes = 4 << 20, AlltoallBlock = 64 << 10;
// Operations per timed repetition, about a millisecond's worth each: short enough that many repetitions escape the
// other processes on a shared machine, long enough that the barrier's uneven exit does not count.
const int AllreducesPerRepetition = 1, BroadcastsPerRepetition = 32, AlltoallsPerRepetition = 128;

// Single-threaded MPI, as collbench.c asks for: Open MPI's message path is 40-60 ns slower per message at the higher
// thread levels (MPI.NET's default is Serialized), which would hide the cost of the binding itself.
var arguments = args;
MPI.Environment.Run(ref arguments, Threading.Single, world =>
{
    string? kind = arguments.Length > 0 ? arguments[0] : null;
    if (kind is not null and not "managed" and not "pooled")
    {
        if (world.Rank == 0)
            Console.Error.WriteLine($"CollectiveBench: unknown buffer kind '{kind}' (expected managed or pooled).");
        System.Environment.ExitCode = 2;
        return;
    }
    var owned = new List<IDisposable>();
    // Page-aligned buffers by default, as collbench.c allocates them (see NativeBuffer).
    Memory<T> Allocate<T>(int length) where T : unmanaged
    {
        if (kind == "managed")
            return new T[length];
        MemoryManager<T> memory = kind == "pooled" ? LargeBufferPool.Shared.Rent<T>(length) : new NativeBuffer<T>(length);
        owned.Add(memory);
        return memory.Memory;
    }
    var values = Allocate<double>(AllreduceCount);
    var sums = Allocate<double>(AllreduceCount);
    values.Span.Fill(world.Rank + 1);
    var broadcast = Allocate<byte>(BroadcastBytes);
    var outgoing = Allocate<byte>(AlltoallBlock * world.Size);
    var incoming = Allocate<byte>(AlltoallBlock * world.Size);
    outgoing.Span.Fill((byte)world.Rank);

    Report(world, "allreduce", AllreduceCount * sizeof(double), AllreducesPerRepetition,
        () => world.Allreduce<double>(values.Span, sums.Span, Operation<double>.Add));
    Report(world, "broadcast", BroadcastBytes, BroadcastsPerRepetition, () => world.Broadcast(broadcast.Span, 0));
    if (kind is not null)
    {
        var largeBroadcast = Allocate<byte>(LargeBroadcastBytes);
        Report(world, "broadcast", LargeBroadcastBytes, BroadcastsPerRepetition / 4,
            () => world.Broadcast(largeBroadcast.Span, 0));
    }
    Report(world, "alltoall", AlltoallBlock, AlltoallsPerRepetition,
        () => world.Alltoall<byte>(outgoing.Span, incoming.Span));

    // The results are checked once, outside the timing: a fast wrong answer is not a result.
    double expected = world.Size * (world.Size + 1) / 2.0;
    var total = sums.Span;
    if (total[0] != expected || total[^1] != expected || incoming.Span[^1] != world.Size - 1)
        throw new InvalidOperationException($"Wrong collective result on rank {world.Rank}.");
    foreach (var memory in owned)
        memory.Dispose();
});

static void Report(Intracommunicator world, string operation, int bytes, int operationsPerRepetition, Action run)
{
    // Warm-up: code paths at full optimization, connections and the library's buffers.
    for (int i = 0; i < WarmUpRepetitions * operationsPerRepetition; i++)
        run();
    double best = double.MaxValue;
    for (int repetition = 0; repetition < Repetitions; repetition++)
    {
        world.Barrier();
        double start = MPI.Environment.Time;
        for (int i = 0; i < operationsPerRepetition; i++)
            run();
        best = Math.Min(best, (MPI.Environment.Time - start) / operationsPerRepetition);
    }
    // The slowest rank decides when a collective is done.
    best = world.Allreduce(best, Operation<double>.Max);
    if (world.Rank == 0)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{operation} {bytes} {best * 1e6:F3}"));
}
