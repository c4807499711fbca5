// Ping-pong of small serialized values between two ranks: half round-trip latency in microseconds of a short string,
// a small record and a small List<int>, beside an 8-byte raw value for reference. Rank 0 prints
// `latency <what> <microseconds>`, the best of several timed repetitions.
//   mpiexec -n 2 dotnet SerializedPingPong.dll [round-trips]
using System.Globalization;
using MPI;

int roundTrips = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var arguments = args;
MPI.Environment.Run(ref arguments, Threading.Single, world =>
{
    if (world.Size != 2)
    {
        if (world.Rank == 0)
            Console.Error.WriteLine("SerializedPingPong needs exactly 2 ranks.");
        System.Environment.ExitCode = 2;
        return;
    }
    Measure(world, "raw-long", 42L, roundTrips);
    Measure(world, "string", "hello, rank", roundTrips);
    Measure(world, "record", new Sample(7, "seven", 7.5), roundTrips);
    Measure(world, "list", new List<int> { 1, 2, 3, 4 }, roundTrips);
});

static void Measure<T>(Intracommunicator world, string what, T value, int roundTrips)
{
    Exchange(world, value, roundTrips); // warm-up: JIT tiers, connection setup
    double best = double.MaxValue;
    for (int repetition = 0; repetition < 5; repetition++)
    {
        world.Barrier();
        double start = MPI.Environment.Time;
        Exchange(world, value, roundTrips);
        best = Math.Min(best, (MPI.Environment.Time - start) / (2.0 * roundTrips));
    }
    if (world.Rank == 0)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"latency {what} {best * 1e6:F3}"));
}

static void Exchange<T>(Intracommunicator world, T value, int roundTrips)
{
    for (int i = 0; i < roundTrips; i++)
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
    }
}

internal sealed record Sample(int Id, string Name, double Weight);
