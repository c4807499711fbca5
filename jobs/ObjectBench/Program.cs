// The object path against mpi4py's pickle path: the same cases as object_mpi4py.py, on two ranks. Rank 0 prints
// `<case> <elements> <microseconds>`, the best of several timed repetitions: half a round trip for point-to-point
// cases, one call for collectives. Cases ending in -raw send the same bytes as raw memory (spans), the figure the
// object path of byte[] and string is held to. run.sh runs both programs alternately and prints the ratios.
//   mpiexec -n 2 dotnet ObjectBench.dll
using System.Globalization;
using MPI;

int[] collectionSizes = [1, 128, 8192, 131072];
int[] byteSizes = [16384, 65536, 1048576];
int[] reduceSizes = [1, 1024, 131072];
int[] broadcastSizes = [1024, 131072];
bool[] passes = [false, true]; // untimed, then timed (see below)
var arguments = args;
MPI.Environment.Run(ref arguments, Threading.Single, world =>
{
    if (world.Size != 2)
    {
        if (world.Rank == 0)
            Console.Error.WriteLine("ObjectBench needs exactly 2 ranks.");
        System.Environment.ExitCode = 2;
        return;
    }
    // Every case runs twice, timed only the second time: the first pass has the runtime compile all of the code
    // (tiered compilation postpones optimizing while it keeps meeting new methods, which the first cases would
    // otherwise be timed in). object_mpi4py.py makes the same two passes.
    foreach (bool timed in passes)
    {
        PingPong(world, timed, "record", 1, new Sample(7, 1_234_567_890_123L, 7.5, "seven", true));
        PingPong(world, timed, "string", 1, "hello, rank");
        foreach (int n in collectionSizes)
        {
            var values = Enumerable.Range(0, n).Select(i => i * 0.5).ToList();
            PingPong(world, timed, "list", n, values);
            PingPong(world, timed, "obj-array", n, new Samples("block", values.ToArray()));
            PingPong(world, timed, "obj-list", n, new SampleList("block", values));
        }
        foreach (int n in byteSizes)
        {
            var bytes = new byte[n];
            new Random(n).NextBytes(bytes);
            PingPong(world, timed, "bytes", n, bytes);
            PingPongRaw(world, timed, "bytes-raw", bytes);
            PingPongRawNew(world, timed, "bytes-new", bytes);
            var text = new string('x', n);
            PingPong(world, timed, "text", n, text);
            PingPongRaw(world, timed, "text-raw", text.ToCharArray());
            PingPongRawNew(world, timed, "text-new", text.ToCharArray());
        }
        foreach (int n in reduceSizes)
        {
            var values = Enumerable.Range(0, n).Select(i => i * 0.5 + world.Rank).ToList();
            Time(world, timed, "allreduce", n, Iterations(8L * n), () => world.Allreduce(values, Add));
        }
        foreach (int n in broadcastSizes)
        {
            var values = Enumerable.Range(0, n).Select(i => i * 0.5).ToList();
            Time(world, timed, "bcast", n, Iterations(8L * n), () =>
            {
                var received = world.Rank == 0 ? values : null;
                world.Broadcast(ref received, 0);
            });
        }
    }
});

// Element-wise sum, the user operation of the Allreduce case.
static List<double> Add(List<double> x, List<double> y)
{
    var sum = new List<double>(x.Count);
    for (int i = 0; i < x.Count; i++)
        sum.Add(x[i] + y[i]);
    return sum;
}

// Round trips per repetition: many for small payloads, few for large ones (mpi4py's side takes the same count).
const double WarmUpSeconds = 0.3;

static int Iterations(long bytes) => (int)Math.Clamp(4_000_000 / (bytes + 1000), 3, 5_000);

static void PingPong<T>(Intracommunicator world, bool timed, string what, int elements, T value)
{
    long bytes = value switch
    {
        byte[] array => array.Length,
        string text => text.Length,
        _ => 8L * elements,
    };
    Time(world, timed, what, elements, Iterations(bytes), () =>
    {
        if (world.Rank == 0)
        {
            world.Send(value, 1, 0);
            value = world.Receive<T>(1, 0);
        }
        else
        {
            value = world.Receive<T>(0, 0);
            world.Send(value, 0, 0);
        }
    }, perIteration: 2);
}

// The same values as raw memory (a byte[]'s bytes, a string's UTF-16 characters), into a buffer the receiver already
// has.
static void PingPongRaw<T>(Intracommunicator world, bool timed, string what, T[] values) where T : unmanaged
{
    var buffer = new T[values.Length];
    Time(world, timed, what, values.Length, Iterations(values.Length), () =>
    {
        if (world.Rank == 0)
        {
            world.Send((ReadOnlySpan<T>)values, 1, 0);
            world.Receive(1, 0, buffer.AsSpan());
        }
        else
        {
            world.Receive(0, 0, buffer.AsSpan());
            world.Send((ReadOnlySpan<T>)buffer, 0, 0);
        }
    }, perIteration: 2);
}

// The raw path into a new array of the message's length on every receive, as a received object needs: what the object
// path costs beyond the raw row for memory it has not touched before.
static void PingPongRawNew<T>(Intracommunicator world, bool timed, string what, T[] values) where T : unmanaged
{
    var current = values;
    Time(world, timed, what, values.Length, Iterations(values.Length), () =>
    {
        if (world.Rank == 0)
        {
            world.Send((ReadOnlySpan<T>)values, 1, 0);
            current = GC.AllocateUninitializedArray<T>(values.Length);
            world.Receive(1, 0, current.AsSpan());
        }
        else
        {
            current = GC.AllocateUninitializedArray<T>(values.Length);
            world.Receive(0, 0, current.AsSpan());
            world.Send((ReadOnlySpan<T>)current, 0, 0);
        }
    }, perIteration: 2);
}

static void Time(Intracommunicator world, bool timed, string what, int elements, int iterations, Action body, int perIteration = 1)
{
    // Warm-up for at least WarmUpSeconds: long enough for the runtime to compile the case's code at full
    // optimization (tiered compilation starts with quick code), and for the library to set up its connections.
    // Rank 0's clock decides, so both ranks stop together; object_mpi4py.py warms up the same way.
    double warmUpStart = MPI.Environment.Time;
    bool more = true;
    while (more)
    {
        for (int i = 0; i < Math.Max(iterations / 4, 2); i++)
            body();
        more = MPI.Environment.Time - warmUpStart < WarmUpSeconds;
        world.Broadcast(ref more, 0);
    }
    if (!timed)
        return;
    double best = double.MaxValue;
    for (int repetition = 0; repetition < 3; repetition++)
    {
        world.Barrier();
        double start = MPI.Environment.Time;
        for (int i = 0; i < iterations; i++)
            body();
        best = Math.Min(best, (MPI.Environment.Time - start) / (perIteration * (double)iterations));
    }
    if (world.Rank == 0)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what} {elements} {best * 1e6:F3}"));
}

internal sealed record Sample(int Id, long Stamp, double Weight, string Name, bool Active);

internal sealed record Samples(string Name, double[] Values);

internal sealed record SampleList(string Name, List<double> Values);
