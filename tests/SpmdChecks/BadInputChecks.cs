using MPI;

namespace SpmdChecks;

/// <summary>Bad arguments give a specific exception on the caller and leave the communicator usable.</summary>
internal static class BadInputChecks
{
    [Check]
    public static void DestinationOutOfRange(Intracommunicator c)
    {
        var error = Expect.Throws<ArgumentOutOfRangeException>(() => c.Send(1, c.Size, 0));
        Expect.True(error.Message.Contains($"Destination rank {c.Size} is out of range", StringComparison.Ordinal));
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Send("x", -7, 0));
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Receive<int>(c.Size + 3, 0));
        Expect.Throws<ArgumentOutOfRangeException>(() => c.SendReceive(1, c.Size, 0, out int _));
    }

    [Check]
    public static void NegativeTag(Intracommunicator c)
    {
        var error = Expect.Throws<ArgumentOutOfRangeException>(() => c.Send(1, c.Rank, -5));
        Expect.Equal("tag", error.ParamName);
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Send(new[] { 1 }, c.Rank, -1));
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Receive<string>(c.Rank, -3));
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Send(1, c.Rank, MPI.Environment.MaxTag + 1));
    }

    [Check]
    public static void ReceiveBufferTooSmall(Intracommunicator c)
    {
        c.Send(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, c.Rank, 1);
        var small = new int[5];
        var error = Expect.Throws<MessageTruncatedException>(() => c.Receive(c.Rank, 1, ref small));
        Expect.True(error.Message.Contains("truncat", StringComparison.OrdinalIgnoreCase));

        c.Send(new[] { 1.0, 2.0 }, c.Rank, 2);
        Expect.Throws<MessageTruncatedException>(() => c.Receive(c.Rank, 2, new double[1].AsSpan()));

        c.Send(new[] { 1, 2 }, c.Rank, 3);
        Expect.Throws<MessageTruncatedException>(() => c.Receive<int>(c.Rank, 3));

        // The error names the sender, the tag and the room the receive had, and nothing of MPI's internals.
        void Names(MessageTruncatedException e, int tag, string room)
        {
            Expect.True(e.Message.Contains($"from rank {c.Rank} with tag {tag} is longer than the receive buffer ({room})",
                StringComparison.Ordinal), e.Message);
            Expect.False(e.Message.Contains("error stack", StringComparison.Ordinal), e.Message);
            Expect.True(e.ErrorCode != 0, "the MPI error code is kept");
        }
        Names(error, 1, "5 values of 4 bytes each");
        c.Send("hello", c.Rank, 5);
        Names(Expect.Throws<MessageTruncatedException>(() => c.Receive<int>(c.Rank, 5)), 5, "one value of 4 bytes");
        c.Send(new[] { 1L, 2L }, c.Rank, 6);
        Names(Expect.Throws<MessageTruncatedException>(() => c.ImmediateReceive<long>(c.Rank, 6).Wait()), 6,
            "one value of 8 bytes");
        c.Send(new[] { 1.0, 2.0, 3.0 }, c.Rank, 7);
        Names(Expect.Throws<MessageTruncatedException>(() => c.ImmediateReceive(c.Rank, 7, new double[2]).Wait()), 7,
            "2 values of 8 bytes each");
        c.Send(new[] { 1, 2 }, c.Rank, 8);
        Names(Expect.Throws<MessageTruncatedException>(() => c.SendReceive(1, c.Rank, 9, c.Rank, 8, out int _)), 8,
            "one value of 4 bytes");
        Expect.Equal(1, c.Receive<int>(c.Rank, 9), "the value SendReceive sent");
        // A receive with wildcards names the message it matched.
        c.Send(new[] { 1, 2, 3 }, c.Rank, 10);
        Names(Expect.Throws<MessageTruncatedException>(() =>
            c.Receive(Communicator.anySource, Communicator.anyTag, new int[1].AsSpan())), 10, "one value of 4 bytes");
        c.Send(new[] { 1, 2, 3 }, c.Rank, 11);
        Names(Expect.Throws<MessageTruncatedException>(() =>
            c.ImmediateReceive(Communicator.anySource, Communicator.anyTag, new int[2]).Wait()), 11,
            "2 values of 4 bytes each");

        // The communicator still works afterwards.
        c.Send(5, c.Rank, 4);
        Expect.Equal(5, c.Receive<int>(c.Rank, 4));
    }

    [Check]
    public static void SerializedAsIncompatibleType(Intracommunicator c)
    {
        c.Send("just text", c.Rank, 1);
        var error = Expect.Throws<MessageTypeMismatchException>(() => c.Receive<Account>(c.Rank, 1));
        Expect.True(error.Message.Contains("System.String", StringComparison.Ordinal));
        Expect.True(error.Message.Contains("SpmdChecks.Account", StringComparison.Ordinal));

        c.Send(new Dictionary<string, int> { ["a"] = 1 }, c.Rank, 2);
        Expect.Throws<MessageTypeMismatchException>(() => c.Receive<List<double>>(c.Rank, 2));

        // Raw values received through the serialized path.
        c.Send(new[] { 1, 2, 3 }, c.Rank, 3);
        var raw = Expect.Throws<MessageTypeMismatchException>(() => c.Receive<string>(c.Rank, 3));
        Expect.True(raw.Message.Contains($"rank {c.Rank} with tag 3", StringComparison.Ordinal));
        // Longer than any header: blocking and nonblocking alike, naming the message a wildcard matched. Not on Open MPI
        // 4.1: a receive truncating a message beyond its eager limit corrupts the process there (a C program's
        // MPI_Recv as well: "Read -1, expected 80000, errno = 14", then a segmentation fault).
        foreach (Func<string> receive in MPI.Environment.AbiKind == MPI.Native.MpiAbiKind.OpenMpi ? [] : new Func<string>[]
        {
            () => c.Receive<string>(Communicator.anySource, Communicator.anyTag),
            () =>
            {
                var request = c.ImmediateReceive<string>(Communicator.anySource, 3);
                request.Wait();
                return (string)request.GetValue()!;
            },
        })
        {
            c.Send(new int[20_000], c.Rank, 3);
            var longer = Expect.Throws<MessageTypeMismatchException>(() => receive());
            Expect.True(longer.Message.Contains($"rank {c.Rank} with tag 3 (more than 65536 bytes) is not a serialized",
                StringComparison.Ordinal), longer.Message);
        }

        // A record received as a record type of other members: MessagePack would skip every key it does not know
        // and return defaults, so a key no member of the receiving type has is refused.
        c.Send(new Station("north", 3), c.Rank, 5);
        var other = Expect.Throws<MessageTypeMismatchException>(() => c.Receive<Reading>(c.Rank, 5));
        Expect.True(other.Message.Contains("member 'Name'", StringComparison.Ordinal) &&
            other.Message.Contains("BadInputChecks+Station", StringComparison.Ordinal), other.Message);
        c.Send(new Reading(1.5, "K", 9), c.Rank, 5);
        var extra = Expect.Throws<MessageTypeMismatchException>(() => c.Receive<Sample>(c.Rank, 5));
        Expect.True(extra.Message.Contains("member 'Count'", StringComparison.Ordinal), extra.Message);
        // A type whose members include every member sent is read structurally, as MessagePack does.
        c.Send(new Sample(2.5, "C"), c.Rank, 5);
        Expect.Equal(new Reading(2.5, "C", 0), c.Receive<Reading>(c.Rank, 5));
        // The type checked is the sender's type argument: a derived value sent as its base type reads as the base type;
        // sent as itself and received as its base, its own member would be lost, so it is refused.
        c.Send<Shape>(new Circle { X = 1.5, Radius = 2 }, c.Rank, 5);
        var shape = c.Receive<Shape>(c.Rank, 5);
        Expect.Equal(typeof(Shape), shape.GetType());
        Expect.Equal(1.5, shape.X);
        c.Send(new Circle { X = 1.5, Radius = 2 }, c.Rank, 5);
        var sliced = Expect.Throws<MessageTypeMismatchException>(() => c.Receive<Shape>(c.Rank, 5));
        Expect.True(sliced.Message.Contains("member 'Radius'", StringComparison.Ordinal), sliced.Message);

        c.Send(7, c.Rank, 4);
        Expect.Equal(7, c.Receive<int>(c.Rank, 4));
    }

    private sealed record Station(string Name, int Elevation);

    private sealed record Reading(double Value, string Unit, int Count);

    private sealed record Sample(double Value, string Unit);

    public class Shape
    {
        public double X { get; set; }
    }

    public sealed class Circle : Shape
    {
        public double Radius { get; set; }
    }

    /// <summary>
    /// Values sent as objects (a short string, a string long enough to travel as its characters, a list whose frame
    /// has a payload, a record) received as raw values, by every kind of raw receive: each fails naming the serialized
    /// value, and rank 0's payload sends still complete (before, rank 0 then hung in finalize).
    /// </summary>
    [Check(MinRanks = 2)]
    public static void SerializedValuesReceivedAsRawValuesAreRefused(Intracommunicator c)
    {
        object[] values =
        [
            "hello", new string('x', 100_000), Enumerable.Range(0, 20_000).Select(i => $"item {i}").ToList(),
            new Account("a", 1m),
        ];
        var receives = new (string What, Action<int> Receive)[]
        {
            ("Receive<byte[]>", tag => c.Receive<byte[]>(0, tag)),
            ("Receive<int[]>", tag => c.Receive<int[]>(0, tag)),
            ("ImmediateReceive<byte[]>", tag => c.ImmediateReceive<byte[]>(Communicator.anySource, tag).Wait()),
            ("Receive into a Span<byte>", tag => c.Receive(0, tag, new byte[1 << 17].AsSpan())),
            ("Receive into the caller's byte[] with its status", tag =>
            {
                var buffer = new byte[1 << 17];
                c.Receive(0, tag, ref buffer, out _);
            }),
            ("ImmediateReceive into the caller's byte[]", tag => c.ImmediateReceive(0, tag, new byte[1 << 17]).Wait()),
            ("ImmediateReceive into Memory<byte>", tag => c.ImmediateReceive(0, tag, new byte[1 << 17].AsMemory()).Wait()),
        };
        if (c.Rank == 0)
        {
            int tag = 0;
            foreach (var _ in receives)
            {
                foreach (var value in values)
                    c.Send(value, 1, tag++);
            }
            c.Send(new byte[] { 1, 2, 3 }, 1, tag);
        }
        else if (c.Rank == 1)
        {
            int tag = 0;
            foreach (var (what, receive) in receives)
            {
                foreach (var value in values)
                {
                    var error = Expect.Throws<MessageTypeMismatchException>(() => receive(tag), $"{what} of a {value.GetType().Name}");
                    Expect.True(error.Message.Contains($"rank 0 with tag {tag} holds a serialized", StringComparison.Ordinal),
                        $"{what} of a {value.GetType().Name}: {error.Message}");
                    tag++;
                }
            }
            var notWhole = Expect.Throws<MessageTypeMismatchException>(() => c.Receive<int[]>(0, tag));
            Expect.True(notWhole.Message.Contains("3 bytes, not a whole number of System.Int32", StringComparison.Ordinal),
                notWhole.Message);
        }
        c.Barrier();
        // The communicator still works afterwards, in both directions.
        if (c.Rank == 0)
            Expect.Equal("after", c.Receive<string>(1, 99));
        else if (c.Rank == 1)
            c.Send("after", 0, 99);
    }

    [Check]
    public static void UnserializableValuesAreRefusedWithoutCrashing(Intracommunicator c)
    {
        // Each of these once recursed until the stack overflowed, which killed the process.
        var loop = new Link();
        loop.Next = loop;
        var cycle = Expect.Throws<Exception>(() => c.Send(loop, c.Rank, 1));
        Expect.True(cycle.GetBaseException().Message.Contains("refers to itself", StringComparison.Ordinal), cycle.GetBaseException().Message);
        var code = Expect.Throws<Exception>(() => c.Send(new Holder { Value = new Func<int, int>(x => x + 1) }, c.Rank, 2));
        Expect.True(code.GetBaseException().Message.Contains("is a delegate", StringComparison.Ordinal), code.GetBaseException().Message);
        var pointer = Expect.Throws<Exception>(() => c.Send(new Holder { Value = (IntPtr)5 }, c.Rank, 3));
        Expect.True(pointer.GetBaseException().Message.Contains("native pointer", StringComparison.Ordinal), pointer.GetBaseException().Message);

        // Deep but finite data still travels, and the communicator still works.
        var chain = new Link();
        for (int i = 0; i < 500; i++)
            chain = new Link { Next = chain };
        c.Send(chain, c.Rank, 4);
        int length = 0;
        for (var link = c.Receive<Link>(c.Rank, 4); link is not null; link = link.Next)
            length++;
        Expect.Equal(501, length);
    }

    private sealed class Link
    {
        public Link? Next { get; set; }
    }

    private sealed class Holder
    {
        public object? Value { get; set; }
    }

    [Check]
    public static void NullArguments(Intracommunicator c)
    {
        int[] nothing = null!;
        // Each names the caller's parameter, not one inside the framework.
        Expect.Equal("values", Expect.Throws<ArgumentNullException>(() => c.Send(nothing, c.Rank, 0)).ParamName);
        Expect.Equal("value", Expect.Throws<ArgumentNullException>(() => c.Send<int[]>(value: null!, c.Rank, 0)).ParamName);
        Expect.Equal("values", Expect.Throws<ArgumentNullException>(() => c.ImmediateSend(nothing, c.Rank, 0)).ParamName);
        Expect.Equal("value", Expect.Throws<ArgumentNullException>(() => c.ImmediateSend<int[]>(value: null!, c.Rank, 0)).ParamName);
        Expect.Equal("inValues", Expect.Throws<ArgumentNullException>(() => c.SendReceive(nothing, c.Rank, 0, ref nothing)).ParamName);
        // Every rank passes null, so every rank throws before the collective starts.
        foreach (var collective in new Action[]
        {
            () => c.Allreduce(nothing, Operation<int>.Add), () => c.Reduce(nothing, Operation<int>.Add, 0),
            () => c.Scan(nothing, Operation<int>.Add), () => c.ExclusiveScan(nothing, Operation<int>.Add),
            () => c.Alltoall(nothing),
        })
        {
            Expect.Equal("values", Expect.Throws<ArgumentNullException>(collective).ParamName);
        }
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Split(-1, 0));
    }
}
