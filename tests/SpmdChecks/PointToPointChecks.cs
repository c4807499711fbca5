using MPI;

namespace SpmdChecks;

/// <summary>Blocking point-to-point: every overload, raw and serialized types, on any number of ranks.</summary>
internal static class PointToPointChecks
{
    [Check]
    public static void RawValues(Intracommunicator c)
    {
        Peers.Ring(c, next =>
        {
            c.Send(c.Rank * 10, next, 1);
            c.Send(c.Rank + 0.5, next, 2);
            c.Send((long)c.Rank << 40, next, 3);
            c.Send(c.Rank % 2 == 0, next, 4);
            c.Send((char)('a' + c.Rank), next, 5);
            c.Send(new Particle(c.Rank, 1.5, -2.5), next, 6);
            c.Send(Phase.Busy, next, 7);
            c.Send(c.Rank + 0.25m, next, 8);
        }, previous =>
        {
            int p = previous;
            Expect.Equal(p * 10, c.Receive<int>(previous, 1));
            c.Receive(previous, 2, out double d);
            Expect.Equal(p + 0.5, d);
            c.Receive(previous, 3, out long l, out CompletedStatus status);
            Expect.Equal((long)p << 40, l);
            Expect.Equal(previous, status.Source);
            Expect.Equal(3, status.Tag);
            Expect.Equal(1, status.Count());
            Expect.Equal(p % 2 == 0, c.Receive<bool>(previous, 4));
            Expect.Equal((char)('a' + p), c.Receive<char>(previous, 5));
            Expect.Equal(new Particle(p, 1.5, -2.5).ToString(), c.Receive<Particle>(previous, 6).ToString());
            Expect.Equal(Phase.Busy, c.Receive<Phase>(previous, 7));
            Expect.Equal(p + 0.25m, c.Receive<decimal>(previous, 8));
        });
    }

    [Check]
    public static void RawArrays(Intracommunicator c)
    {
        int[] Expected(int rank) => Enumerable.Range(rank, 5 + rank).ToArray();
        Peers.Ring(c, next =>
        {
            c.Send(Expected(c.Rank), next, 1);
            c.Send(Expected(c.Rank), next, 2);
            c.Send(Expected(c.Rank), next, 3);
            c.Send(new[] { new Particle(c.Rank, 1, 2), new Particle(c.Rank + 1, 3, 4) }, next, 4);
        }, previous =>
        {
            var into = new int[20];
            c.Receive(previous, 1, ref into, out CompletedStatus status);
            Expect.Equal(5 + previous, status.Count());
            Expect.Sequence(Expected(previous), into.Take(status.Count()));

            int[] allocated = null!;
            c.Receive(previous, 2, ref allocated);
            Expect.Sequence(Expected(previous), allocated);

            Expect.Sequence(Expected(previous), c.Receive<int[]>(previous, 3));

            var particles = c.Receive<Particle[]>(previous, 4);
            Expect.Equal(2, particles.Length);
            Expect.Equal(previous + 1, particles[1].Id);
        });
    }

    [Check]
    public static void Spans(Intracommunicator c)
    {
        Peers.Ring(c, next =>
        {
            Span<double> values = stackalloc double[] { c.Rank, c.Rank * 2.0, c.Rank * 3.0 };
            c.Send((ReadOnlySpan<double>)values, next, 1);
        }, previous =>
        {
            Span<double> received = stackalloc double[8];
            var status = c.Receive(previous, 1, received);
            Expect.Equal(3, status.Count());
            Expect.Sequence([previous, previous * 2.0, previous * 3.0], received[..3].ToArray());
            Expect.Equal(3, status.Count(typeof(double)));
        });
    }

    [Check]
    public static void SerializedValues(Intracommunicator c)
    {
        Peers.Ring(c, next =>
        {
            c.Send($"héllo from {c.Rank} ✓", next, 1);
            c.Send(new Account($"owner{c.Rank}", 1.5m, -2m), next, 2);
            c.Send(new Measurement($"st{c.Rank}", [c.Rank, 2, 3], new() { ["gain"] = 0.5, ["offset"] = c.Rank }), next, 3);
            c.Send(new List<string> { "a", c.Rank.ToString(System.Globalization.CultureInfo.InvariantCulture) }, next, 4);
            c.Send(new Dictionary<string, int> { ["rank"] = c.Rank }, next, 5);
            c.Send((string?)null, next, 6);
            c.Send(new Labeled { Label = "L" + c.Rank, Flag = true, Value = -c.Rank }, next, 7);
            c.Send(new Circle($"c{c.Rank}", 2.5), next, 8);
        }, previous =>
        {
            Expect.Equal($"héllo from {previous} ✓", c.Receive<string>(previous, 1));
            Expect.Equal($"owner{previous}:1.5;-2", c.Receive<Account>(previous, 2).Describe());
            c.Receive(previous, 3, out Measurement measurement, out CompletedStatus status);
            Expect.Equal($"st{previous}|{previous},2,3|gain=0.5,offset={previous}", measurement.Describe());
            Expect.Equal(1, status.Count());
            Expect.Equal(null, status.Count(typeof(Measurement)));
            Expect.Sequence(["a", previous.ToString(System.Globalization.CultureInfo.InvariantCulture)], c.Receive<List<string>>(previous, 4));
            Expect.Equal(previous, c.Receive<Dictionary<string, int>>(previous, 5)["rank"]);
            Expect.Equal(null, c.Receive<string?>(previous, 6));
            var labeled = c.Receive<Labeled>(previous, 7);
            Expect.Equal("L" + previous, labeled.Label);
            Expect.True(labeled.Flag);
            Expect.Equal(-previous, labeled.Value);
            Expect.Equal($"C{previous}:2.5:not cached", c.Receive<Circle>(previous, 8).Describe());
        });
    }

    [Check]
    public static void SerializedArrays(Intracommunicator c)
    {
        Peers.Ring(c, next =>
        {
            c.Send(new[] { "x", $"r{c.Rank}", "" }, next, 1);
            c.Send(new[] { new Account("a", 1m), new Account("b") }, next, 2);
        }, previous =>
        {
            var strings = new string[1];
            c.Receive(previous, 1, ref strings, out CompletedStatus status);
            Expect.Sequence(["x", $"r{previous}", ""], strings);
            Expect.Equal(3, status.Count());
            Expect.Sequence(["a:1", "b:"], c.Receive<Account[]>(previous, 2).Select(a => a.Describe()));
        });
    }

    [Check]
    public static void ZeroLengthMessages(Intracommunicator c)
    {
        Peers.Ring(c, next =>
        {
            c.Send(Array.Empty<int>(), next, 1);
            c.Send(ReadOnlySpan<double>.Empty, next, 2);
            c.Send("", next, 3);
            c.Send(Array.Empty<string>(), next, 4);
            c.Send(new List<int>(), next, 5);
            c.Send(Array.Empty<int>(), next, 6);
        }, previous =>
        {
            var ints = new int[3];
            c.Receive(previous, 1, ref ints, out CompletedStatus status);
            Expect.Equal(0, status.Count());
            Expect.Equal(0, c.Receive(previous, 2, Span<double>.Empty).Count());
            Expect.Equal("", c.Receive<string>(previous, 3));
            Expect.Equal(0, c.Receive<string[]>(previous, 4).Length);
            Expect.Equal(0, c.Receive<List<int>>(previous, 5).Count);
            Expect.Equal(0, c.Receive<int[]>(previous, 6).Length);
        });
    }

    [Check(MinRanks = 2)]
    public static void LargeMessages(Intracommunicator c)
    {
        const int Doubles = 4 << 20;
        Peers.Ring(c, next =>
        {
            var values = new double[Doubles];
            values[^1] = c.Rank;
            c.Send(values, next, 1);
            c.Send(new Blob { Name = $"blob{c.Rank}", Data = Filled(11_000_000, c.Rank) }, next, 2);
        }, previous =>
        {
            var values = new double[Doubles];
            c.Receive(previous, 1, ref values);
            Expect.Equal((double)previous, values[^1]);
            var blob = c.Receive<Blob>(previous, 2);
            Expect.Equal($"blob{previous}", blob.Name);
            Expect.Equal(11_000_000, blob.Data.Length);
            Expect.True(blob.Data.AsSpan().SequenceEqual(Filled(11_000_000, previous)));
        });
    }

    [Check]
    public static void SendToSelf(Intracommunicator c)
    {
        c.Send(c.Rank, c.Rank, 1);
        c.Send($"self {c.Rank}", c.Rank, 2);
        c.Send(new[] { 1, 2, 3 }, c.Rank, 3);
        Expect.Equal(c.Rank, c.Receive<int>(c.Rank, 1));
        Expect.Equal($"self {c.Rank}", c.Receive<string>(c.Rank, 2));
        Expect.Sequence([1, 2, 3], c.Receive<int[]>(c.Rank, 3));
    }

    [Check]
    public static void AnySourceAnyTag(Intracommunicator c)
    {
        // Every rank sends a raw and a serialized message to rank 0, tagged with its own rank.
        c.Send(c.Rank * 100, 0, 10 + c.Rank);
        c.Send($"from {c.Rank}", 0, 1000 + c.Rank);
        if (c.Rank != 0)
            return;
        var rawSources = new HashSet<int>();
        var serializedSources = new HashSet<int>();
        for (int i = 0; i < 2 * c.Size; i++)
        {
            var probe = c.Probe(Communicator.anySource, Communicator.anyTag);
            if (probe.Tag < 1000)
            {
                c.Receive(Communicator.anySource, probe.Tag, out int value, out CompletedStatus status);
                Expect.Equal(status.Tag - 10, status.Source);
                Expect.Equal(status.Source * 100, value);
                rawSources.Add(status.Source);
            }
            else
            {
                // Any source, but the probed tag: another rank's message may have arrived since the probe.
                c.Receive(Communicator.anySource, probe.Tag, out string text, out CompletedStatus status);
                // The serialized path must report the real sender and tag, not a wildcard.
                Expect.Equal(status.Tag - 1000, status.Source);
                Expect.Equal($"from {status.Source}", text);
                serializedSources.Add(status.Source);
            }
        }
        Expect.Equal(c.Size, rawSources.Count);
        Expect.Equal(c.Size, serializedSources.Count);
    }

    [Check]
    public static void ProbeThenReceive(Intracommunicator c)
    {
        Expect.Equal(null, c.ImmediateProbe(Communicator.anySource, 999));
        Peers.Ring(c, next => c.Send(new long[] { 7, 8, 9, c.Rank }, next, 42), previous =>
        {
            var status = c.Probe(Communicator.anySource, Communicator.anyTag);
            Expect.Equal(previous, status.Source);
            Expect.Equal(42, status.Tag);
            Expect.Equal(4, status.Count(typeof(long)));
            Expect.Equal(32, status.Count(typeof(byte)));
            Expect.False(status.Cancelled);
            var values = new long[status.Count(typeof(long))!.Value];
            c.Receive(status.Source, status.Tag, ref values);
            Expect.Sequence([7L, 8, 9, previous], values);
        });
        c.Barrier();
        c.Send("pending", c.Rank, 5);
        Status? found = null;
        while (found is null)
            found = c.ImmediateProbe(c.Rank, 5);
        Expect.Equal(c.Rank, found.Source);
        Expect.Equal("pending", c.Receive<string>(c.Rank, 5));
    }

    [Check]
    public static void SendReceiveOverloads(Intracommunicator c)
    {
        int next = Peers.Next(c), previous = Peers.Previous(c);
        // Everyone sends to the next rank and receives from the previous one in a single call.
        c.SendReceive(c.Rank, next, 1, previous, 1, out int fromPrevious);
        Expect.Equal(previous, fromPrevious);
        c.SendReceive($"s{c.Rank}", next, 2, previous, 2, out string text, out CompletedStatus status);
        Expect.Equal($"s{previous}", text);
        Expect.Equal(previous, status.Source);

        var outInts = new int[2];
        c.SendReceive(new[] { c.Rank, -c.Rank }, next, 3, previous, 3, ref outInts, out status);
        Expect.Sequence([previous, -previous], outInts);
        Expect.Equal(2, status.Count());

        string[] outStrings = null!;
        c.SendReceive(new[] { "a", $"{c.Rank}" }, next, 4, Communicator.anySource, 4, ref outStrings);
        Expect.Sequence(["a", $"{previous}"], outStrings);

        int[] allocated = null!;
        c.SendReceive(new[] { c.Rank }, next, 5, previous, 5, ref allocated);
        Expect.Sequence([previous], allocated);

        // The same-partner forms, exchanged with ourselves (every size) ...
        c.SendReceive(c.Rank + 0.5, c.Rank, 6, out double self);
        Expect.Equal(c.Rank + 0.5, self);
        var selfStrings = new string[1];
        c.SendReceive(new[] { "me" }, c.Rank, 7, ref selfStrings);
        Expect.Sequence(["me"], selfStrings);
        var selfLarge = new double[1 << 20];
        c.SendReceive(new double[1 << 20], c.Rank, 8, ref selfLarge);
        Expect.Equal(1 << 20, selfLarge.Length);
    }

    [Check]
    public static void SendReceiveWithSelfReceivingAnotherMessage(Intracommunicator c)
    {
        // Each exchange receives an earlier message, so what it sends stays unreceived until later: the call must
        // not wait for that (MPICH in a one-process world waited in MPI_Sendrecv forever).
        c.Send(1, c.Rank, 1);
        c.SendReceive(2, c.Rank, 2, c.Rank, 1, out int first);
        Expect.Equal(1, first, "a value");
        var two = new int[1];
        c.SendReceive(new[] { 3, 4 }, c.Rank, 3, c.Rank, 2, ref two);
        Expect.Sequence([2], two, "into the caller's array");
        int[] allocated = null!;
        c.SendReceive(new[] { 5 }, c.Rank, 4, c.Rank, 3, ref allocated);
        Expect.Sequence([3, 4], allocated, "into a new array");
        c.Send("four", c.Rank, 6);
        c.SendReceive("five", c.Rank, 7, c.Rank, 6, out string four);
        Expect.Equal("four", four, "a serialized value");
        Expect.Sequence([5], c.Receive<int[]>(c.Rank, 4), "the array sent last but one");
        Expect.Equal("five", c.Receive<string>(c.Rank, 7), "the string sent last");
    }

    private static byte[] Filled(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
