using MPI;

namespace SpmdChecks;

/// <summary>
/// Arrays and lists of primitive elements travel as raw blocks inside serialized values: they must arrive equal at
/// the edge sizes (empty, one element, beyond the one-message header), bare, nested and null, through point-to-point,
/// nonblocking and collective paths; a block of another element type is refused, not reinterpreted.
/// </summary>
internal static class ObjectBlockChecks
{
    // 0, 1, a few, and more than the 64 KiB that fit in the header message (so the payload travels separately).
    private static readonly int[] Sizes = [0, 1, 7, 20_000];

    private static List<double> Doubles(int count, int rank) => Enumerable.Range(0, count).Select(i => i * 0.5 + rank).ToList();

    [Check]
    public static void BareBlocksRoundTrip(Intracommunicator c)
    {
        Peers.Ring(c, next =>
        {
            foreach (int n in Sizes)
            {
                c.Send(Doubles(n, c.Rank), next, 1);
                c.Send(Enumerable.Range(c.Rank, n).ToList(), next, 2);
                c.Send(Enumerable.Range(0, n).Select(i => (byte)(i + c.Rank)).ToList(), next, 3);
                c.Send(Enumerable.Range(0, n).Select(i => (long)i << 33).ToList(), next, 4);
            }
            c.Send((List<double>?)null, next, 5);
        }, previous =>
        {
            foreach (int n in Sizes)
            {
                Expect.Sequence(Doubles(n, previous), c.Receive<List<double>>(previous, 1));
                Expect.Sequence(Enumerable.Range(previous, n), c.Receive<List<int>>(previous, 2));
                Expect.Sequence(Enumerable.Range(0, n).Select(i => (byte)(i + previous)), c.Receive<List<byte>>(previous, 3));
                Expect.Sequence(Enumerable.Range(0, n).Select(i => (long)i << 33), c.Receive<List<long>>(previous, 4));
            }
            Expect.Equal<List<double>?>(null, c.Receive<List<double>?>(previous, 5));
        });
    }

    [Check]
    public static void BlocksAreRawMemory(Intracommunicator c)
    {
        // Element by element, MessagePack spends 9 bytes on a double and 5 on most ints; a block spends 8 and 4.
        using var doubles = new MemoryStream();
        ObjectSerializer.Default.Serialize(doubles, new ArrayHolder("a", Doubles(1000, c.Rank).ToArray()));
        Expect.True(doubles.Length < 8000 + 64, $"1,000 doubles in an object took {doubles.Length} bytes");
        using var ints = new MemoryStream();
        ObjectSerializer.Default.Serialize(ints, Enumerable.Range(1_000_000, 1000).ToList());
        Expect.True(ints.Length < 4000 + 16, $"1,000 ints in a list took {ints.Length} bytes");
        ints.Position = 0;
        Expect.Sequence(Enumerable.Range(1_000_000, 1000), ObjectSerializer.Default.Deserialize<List<int>>(ints));
    }

    [Check]
    public static void NestedBlocksRoundTrip(Intracommunicator c)
    {
        Peers.Ring(c, next =>
        {
            foreach (int n in Sizes)
                c.Send(Holder.Of(n, c.Rank), next, n);
            c.Send(new Holder("nulls", null, null, null, null, null), next, 1);
            // Jagged: arrays of blocks, each its own block.
            c.Send(new List<double[]> { new double[] { 1, 2 }, Array.Empty<double>(), Doubles(10_000, c.Rank).ToArray() }, next, 2);
        }, previous =>
        {
            foreach (int n in Sizes)
            {
                var expected = Holder.Of(n, previous);
                var holder = c.Receive<Holder>(previous, n);
                Expect.Equal(expected.Name, holder.Name);
                Expect.Sequence(expected.Values!, holder.Values);
                Expect.Sequence(expected.Counts!, holder.Counts);
                Expect.Sequence(expected.Flags!, holder.Flags);
                Expect.Sequence(expected.Letters!, holder.Letters);
                Expect.Sequence(expected.Singles!, holder.Singles);
            }
            var nulls = c.Receive<Holder>(previous, 1);
            Expect.True(nulls.Values is null && nulls.Counts is null && nulls.Flags is null && nulls.Letters is null
                && nulls.Singles is null);
            var jagged = c.Receive<List<double[]>>(previous, 2);
            Expect.Equal(3, jagged.Count);
            Expect.Sequence(new double[] { 1, 2 }, jagged[0]);
            Expect.Equal(0, jagged[1].Length);
            Expect.Sequence(Doubles(10_000, previous), jagged[2]);
        });
    }

    [Check]
    public static void ArrayAndListBlocksAreInterchangeable(Intracommunicator c)
    {
        // The same member as double[] on one side and List<double> on the other: the blocks are alike.
        c.Send(new ArrayHolder("a", [1.5, 2.5]), c.Rank, 1);
        Expect.Sequence(new[] { 1.5, 2.5 }, c.Receive<ListHolder>(c.Rank, 1).Values);
        c.Send(new ListHolder("b", [3.5]), c.Rank, 2);
        Expect.Sequence(new[] { 3.5 }, c.Receive<ArrayHolder>(c.Rank, 2).Values);
    }

    [Check]
    public static void BlockOfAnotherElementTypeIsRefused(Intracommunicator c)
    {
        // long and double are both 8 bytes: without the element type in the block, this would reinterpret the bits.
        c.Send(new List<double> { 1.0, 2.0 }, c.Rank, 1);
        var error = Expect.Throws<MessageTypeMismatchException>(() => c.Receive<List<long>>(c.Rank, 1));
        Expect.True(error.Message.Contains("Double", StringComparison.Ordinal), error.Message);
        c.Send(new ArrayHolder("x", [1.0]), c.Rank, 2);
        Expect.Throws<MessageTypeMismatchException>(() => c.Receive<IntHolder>(c.Rank, 2));
        // The communicator still works.
        c.Send(new List<int> { 4 }, c.Rank, 3);
        Expect.Sequence(new[] { 4 }, c.Receive<List<int>>(c.Rank, 3));
    }

    [Check]
    public static void NonblockingBlocks(Intracommunicator c)
    {
        // Receives first: a nonblocking send to this rank itself completes only once its receive is posted.
        int next = Peers.Next(c), previous = Peers.Previous(c);
        var large = c.ImmediateReceive<Holder>(previous, 1);
        var small = c.ImmediateReceive<List<double>>(previous, 2);
        var sends = new[]
        {
            c.ImmediateSend(Holder.Of(20_000, c.Rank), next, 1),
            c.ImmediateSend(Doubles(1, c.Rank), next, 2),
        };
        small.Wait();
        large.Wait();
        foreach (var send in sends)
            send.Wait();
        Expect.Sequence(Holder.Of(20_000, previous).Values!, ((Holder)large.GetValue()!).Values);
        Expect.Sequence(Doubles(1, previous), (List<double>)small.GetValue()!);
    }

    [Check]
    public static void CollectiveBlocks(Intracommunicator c)
    {
        foreach (int n in Sizes)
        {
            var broadcast = c.Rank == 0 ? Doubles(n, 0) : null;
            c.Broadcast(ref broadcast, 0);
            Expect.Sequence(Doubles(n, 0), broadcast);

            var sum = c.Allreduce(Doubles(n, c.Rank), (x, y) => x.Zip(y, (a, b) => a + b).ToList());
            var expected = Enumerable.Range(0, n)
                .Select(i => Enumerable.Range(0, c.Size).Sum(rank => i * 0.5 + rank)).ToList();
            Expect.Sequence(expected, sum);

            var gathered = c.Allgather(Holder.Of(n, c.Rank));
            for (int rank = 0; rank < c.Size; rank++)
                Expect.Sequence(Holder.Of(n, rank).Counts!, gathered[rank].Counts);
        }
    }

    /// <summary>
    /// What README promises of a value received as object: MessagePack's view without the type (a record or a
    /// dictionary of plain members arrives as a dictionary), and a value holding a block of unmanaged elements is
    /// refused naming what was sent.
    /// </summary>
    [Check]
    public static void ValuesReceivedAsObject(Intracommunicator c)
    {
        c.Send(new Station("north", 3), c.Rank, 1);
        var station = c.Receive<object>(c.Rank, 1) as Dictionary<object, object>;
        Expect.True(station is not null, "a record arrives as a dictionary");
        Expect.Equal<object>("north", station!["Name"]);
        Expect.Equal(3L, Convert.ToInt64(station["Elevation"], System.Globalization.CultureInfo.InvariantCulture));
        c.Send(new Dictionary<string, int> { ["a"] = 1 }, c.Rank, 2);
        Expect.Equal(1, (c.Receive<object>(c.Rank, 2) as Dictionary<object, object>)?.Count);

        c.Send(new List<double> { 1.5, 2.5 }, c.Rank, 3);
        var list = Expect.Throws<MessageTypeMismatchException>(() => c.Receive<object>(c.Rank, 3));
        Expect.True(list.Message.Contains("List`1[System.Double]", StringComparison.Ordinal), list.Message);
        c.Send(new ListHolder("r", [1.5]), c.Rank, 4);
        Expect.Throws<MessageTypeMismatchException>(() => c.Receive<object>(c.Rank, 4));
    }

    /// <summary>
    /// Strings take a direct route through the serializer; it must write MessagePack's own format, so a string is read
    /// back as an object and an object holding one as a string, null stays null, and another type is refused.
    /// </summary>
    [Check]
    public static void StringsTravelInMessagePacksFormat(Intracommunicator c)
    {
        Peers.Ring(c, next =>
        {
            c.Send($"from {c.Rank}", next, 1);
            c.Send<object>($"object from {c.Rank}", next, 2);
            c.Send((string?)null, next, 3);
            c.Send(new string('é', 40_000), next, 4);
            c.Send<object>(42, next, 5);
            c.Send(new List<string?> { "a", null, "ü" }, next, 6);
        }, previous =>
        {
            Expect.Equal<object>($"from {previous}", c.Receive<object>(previous, 1));
            Expect.Equal($"object from {previous}", c.Receive<string>(previous, 2));
            Expect.Equal<string?>(null, c.Receive<string?>(previous, 3));
            Expect.Equal(new string('é', 40_000), c.Receive<string>(previous, 4));
            Expect.Throws<MessageTypeMismatchException>(() => c.Receive<string>(previous, 5));
            Expect.Sequence(new List<string?> { "a", null, "ü" }, c.Receive<List<string?>>(previous, 6));
        });
    }

    /// <summary>
    /// Strings too long for the header message travel as their UTF-16 characters, straight into the received string: every
    /// character arrives as it was, an unpaired surrogate included (UTF-8 could not carry it), through blocking,
    /// nonblocking, any-source and combined sends and receives, read back as object, in order with the short strings
    /// around them; a receiver asking for another type is refused and the next message still arrives.
    /// </summary>
    [Check(MinRanks = 2)]
    public static void LongStringsTravelAsTheirCharacters(Intracommunicator c)
    {
        static string Text(int length, int rank) =>
            string.Create(length, rank, (chars, r) =>
            {
                for (int i = 0; i < chars.Length; i++)
                    chars[i] = (char)('a' + (i + r) % 26);
                chars[^1] = '\uD800'; // unpaired: UTF-8 has no encoding for it
                if (chars.Length > 2)
                    chars[chars.Length / 2] = '\u20AC';
            });
        const int Threshold = 65_536 - 64; // SerializedMessages.TextThreshold
        int[] lengths = [40_000, Threshold - 1, Threshold, 70_000, 1 << 20];
        Peers.Ring(c, next =>
        {
            foreach (int n in lengths)
            {
                c.Send(Text(n, c.Rank), next, 1);
                c.Send("short after", next, 1);
            }
            c.Send<object>(Text(70_000, c.Rank), next, 2);
            c.ImmediateSend(Text(80_000, c.Rank), next, 3).Wait();
            c.Send(Text(70_000, c.Rank), next, 4);
            c.Send(Text(90_000, c.Rank), next, 5);
        }, previous =>
        {
            foreach (int n in lengths)
            {
                var text = c.Receive<string>(previous, 1);
                // The shorter one travels as UTF-8, which turns the unpaired surrogate into U+FFFD.
                Expect.Equal(n >= Threshold ? Text(n, previous) : Text(n, previous)[..^1] + '\uFFFD', text);
                Expect.Equal("short after", c.Receive<string>(previous, 1));
            }
            Expect.Equal<object>(Text(70_000, previous), c.Receive<object>(Communicator.anySource, 2));
            var request = c.ImmediateReceive<string>(previous, 3);
            request.Wait();
            Expect.Equal(Text(80_000, previous), (string)request.GetValue()!);
            Expect.Throws<MessageTypeMismatchException>(() => c.Receive<List<int>>(previous, 4));
            Expect.Equal(Text(90_000, previous), c.Receive<string>(previous, 5));
        });
        // Both directions at once: each rank's send completes while it receives the other's.
        if (c.Rank < 2)
        {
            int other = 1 - c.Rank;
            c.SendReceive(Text(100_000, c.Rank), other, 6, other, 6, out string received);
            Expect.Equal(Text(100_000, other), received);
        }
        c.Barrier();
    }

    /// <summary>
    /// A large value's frame buffer is pooled; it must not go back to the pool (and be written with the next value)
    /// while its payload is still in flight. Rank 1 takes the first value's header, then holds off (no MPI call) so the
    /// payload stays unreceived while rank 0 serializes and sends a second value of the same size.
    /// </summary>
    [Check(MinRanks = 2)]
    public static void PooledFrameBuffersAreKeptWhileTheirPayloadIsInFlight(Intracommunicator c)
    {
        const int N = 20_000; // 160 KB: beyond the header message, so the payload travels on its own
        if (c.Rank == 0)
        {
            c.Send(Doubles(N, 1), 1, 1);
            c.Send(Doubles(N, 2), 1, 2);
            var request = c.ImmediateSend(new ArrayHolder("third", Doubles(N, 3).ToArray()), 1, 3);
            c.Send(Doubles(N, 4), 1, 4);
            request.Wait();
        }
        else if (c.Rank == 1)
        {
            var first = c.ImmediateReceive<List<double>>(0, 1);
            // The second header is there once rank 0 has serialized the second value; probing with MPI_Iprobe, which
            // unlike the framework's blocking calls does not move the first receive on to its payload.
            AwaitHeader(c, 2);
            first.Wait();
            Expect.Sequence(Doubles(N, 1), (List<double>)first.GetValue()!);
            Expect.Sequence(Doubles(N, 2), c.Receive<List<double>>(0, 2));
            AwaitHeader(c, 4);
            Expect.Sequence(Doubles(N, 3), c.Receive<ArrayHolder>(0, 3).Values);
            Expect.Sequence(Doubles(N, 4), c.Receive<List<double>>(0, 4));
        }
        c.Barrier();
    }

    private static void AwaitHeader(Intracommunicator c, int tag)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (c.ImmediateProbe(0, tag) is null)
        {
            if (DateTime.UtcNow > deadline)
                throw new CheckFailedException($"rank 0's message with tag {tag} did not arrive within 60 s");
            Thread.Yield();
        }
    }

    /// <summary>Serialized collectives reuse pooled frame storage from call to call: each call's values stay its own.</summary>
    [Check]
    public static void RepeatedLargeCollectivesKeepTheirValues(Intracommunicator c)
    {
        const int N = 20_000;
        for (int round = 0; round < 4; round++)
        {
            var broadcast = c.Rank == 0 ? Doubles(N, round) : null;
            c.Broadcast(ref broadcast, 0);
            Expect.Sequence(Doubles(N, round), broadcast!);
            var gathered = c.Allgather(Doubles(N, c.Rank + round));
            for (int rank = 0; rank < c.Size; rank++)
                Expect.Sequence(Doubles(N, rank + round), gathered[rank]);
            var scattered = c.Scatter(c.Rank == 0 ? Enumerable.Range(0, c.Size).Select(r => Doubles(N, r * 10 + round)).ToArray() : null, 0);
            Expect.Sequence(Doubles(N, c.Rank * 10 + round), scattered);
            var exchanged = c.Alltoall(Enumerable.Range(0, c.Size).Select(r => Doubles(N, c.Rank * 100 + r + round)).ToArray());
            for (int rank = 0; rank < c.Size; rank++)
                Expect.Sequence(Doubles(N, rank * 100 + c.Rank + round), exchanged[rank]);
        }
    }
}

/// <summary>A record holding blocks of several element types.</summary>
internal sealed record Holder(string Name, double[]? Values, List<int>? Counts, bool[]? Flags, List<char>? Letters,
    float[]? Singles)
{
    public static Holder Of(int n, int rank) => new(
        $"holder {n}",
        Enumerable.Range(0, n).Select(i => i * 0.25 - rank).ToArray(),
        Enumerable.Range(rank, n).ToList(),
        Enumerable.Range(0, n).Select(i => i % 3 == 0).ToArray(),
        Enumerable.Range(0, n).Select(i => (char)('a' + i % 26)).ToList(),
        Enumerable.Range(0, n).Select(i => i / 3f).ToArray());
}

internal sealed record ArrayHolder(string Name, double[] Values);

internal sealed record ListHolder(string Name, List<double> Values);

internal sealed record Station(string Name, int Elevation);

internal sealed record IntHolder(string Name, int[] Values);
