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

        c.Send(7, c.Rank, 4);
        Expect.Equal(7, c.Receive<int>(c.Rank, 4));
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
        Expect.Throws<ArgumentNullException>(() => c.Send(nothing, c.Rank, 0));
        Expect.Throws<ArgumentNullException>(() => c.Send<int[]>(value: null!, c.Rank, 0));
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Split(-1, 0));
    }
}
