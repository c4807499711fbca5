// The framework's own cost per blocking call, without any network: one rank sends to and receives from
// MPI_PROC_NULL, which MPI completes at once, so what C# adds to a C call is what remains. Prints
// `<kind> 8 <nanoseconds per call>` like calls.c (best of several timed repetitions): send (Send of a span),
// receive (Receive into a span, with its status), value (Receive<long>, no status).
using System.Globalization;
using System.Runtime.CompilerServices;
using MPI;

const int Calls = 2_000_000, Repetitions = 5, Rounds = 3;

var arguments = args;
// Single-threaded MPI, as calls.c asks for (see jobs/PingPong).
MPI.Environment.Run(ref arguments, Threading.Single, world =>
{
    var buffer = new byte[8];
    double send = double.MaxValue, receive = double.MaxValue, value = double.MaxValue;
    // The first rounds let the runtime compile the loops at full optimization; every round counts, best wins.
    for (int round = 0; round < Rounds * Repetitions; round++)
    {
        double start = MPI.Environment.Time;
        Loops.Send(world, buffer, Calls);
        double sent = MPI.Environment.Time;
        Loops.Receive(world, buffer, Calls);
        double received = MPI.Environment.Time;
        Loops.ReceiveValue(world, Calls);
        double end = MPI.Environment.Time;
        send = Math.Min(send, (sent - start) / Calls);
        receive = Math.Min(receive, (received - sent) / Calls);
        value = Math.Min(value, (end - received) / Calls);
    }
    foreach (var (kind, seconds) in new[] { ("send", send), ("receive", receive), ("value", value) })
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} 8 {seconds * 1e9:F2}"));
});

// One loop per method, never inlined into the caller: each is compiled (and tiered up) on its own, as a user's loop is.
internal static class Loops
{
    private const int ProcNull = -2; // MPI_PROC_NULL as this library spells it (Intercommunicator.Null)

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Send(Intracommunicator world, byte[] buffer, int calls)
    {
        for (int i = 0; i < calls; i++)
            world.Send<byte>(buffer.AsSpan(), ProcNull, 0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Receive(Intracommunicator world, byte[] buffer, int calls)
    {
        for (int i = 0; i < calls; i++)
            world.Receive(ProcNull, 0, buffer.AsSpan());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ReceiveValue(Intracommunicator world, int calls)
    {
        for (int i = 0; i < calls; i++)
            world.Receive<long>(ProcNull, 0);
    }
}
