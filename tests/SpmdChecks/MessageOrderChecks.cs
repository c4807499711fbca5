using MPI;

namespace SpmdChecks;

/// <summary>
/// Nonblocking receives keep MPI's guarantees: a receive posted earlier gets the earlier message (non-overtaking),
/// whichever kind of receive comes later, and a posted receive lets the peer's send finish (the exchange
/// ImmediateReceive, Send, Wait cannot deadlock).
/// </summary>
internal static class MessageOrderChecks
{
    private static readonly string Big = new('b', 100_000); // beyond the header: travels as header plus payload

    /// <summary>
    /// Rank 0 starts sending <paramref name="first"/> then <paramref name="second"/> to rank 1 with tag 5, and both
    /// are under way before rank 1 posts <paramref name="early"/> and then runs <paramref name="late"/>.
    /// </summary>
    private static void EarlyThenLate<T>(Intracommunicator c, T first, T second, Func<ReceiveRequest> early,
        Func<T> late, Func<T, string> show, string what)
    {
        if (c.Rank == 0)
        {
            var sends = new[] { c.ImmediateSend(first, 1, 5), c.ImmediateSend(second, 1, 5) };
            c.Barrier();
            foreach (var send in sends)
                send.Wait();
        }
        else if (c.Rank == 1)
        {
            c.Barrier();
            var earlyRequest = early();
            var lateValue = late();
            earlyRequest.Wait();
            Expect.Equal(show(first), show((T)earlyRequest.GetValue()!), $"{what}: the early receive");
            Expect.Equal(show(second), show(lateValue), $"{what}: the late receive");
        }
        else
        {
            c.Barrier();
        }
    }

    [Check(MinRanks = 2)]
    public static void EarlierImmediateReceiveGetsEarlierMessage(Intracommunicator c)
    {
        const int Any = Communicator.anySource, AnyTag = Communicator.anyTag;
        EarlyThenLate(c, "first", "second", () => c.ImmediateReceive<string>(0, 5), () => c.Receive<string>(0, 5),
            s => s, "strings");
        EarlyThenLate(c, Big, "second", () => c.ImmediateReceive<string>(0, 5), () => c.Receive<string>(0, 5),
            s => s, "a large string then a small one");
        EarlyThenLate(c, "first", Big + "2", () => c.ImmediateReceive<string>(0, 5), () => c.Receive<string>(0, 5),
            s => s, "a small string then a large one");
        EarlyThenLate(c, new Account("first", 1m), new Account("second", 2m),
            () => c.ImmediateReceive<Account>(0, 5), () => c.Receive<Account>(0, 5), a => a.Describe(), "objects");
        EarlyThenLate(c, new[] { "f", "1" }, new[] { "s", "2" }, () => c.ImmediateReceive<string[]>(0, 5),
            () => c.Receive<string[]>(0, 5), a => string.Join(",", a), "arrays of strings");
        EarlyThenLate(c, new List<int> { 1 }, new List<int> { 2 }, () => c.ImmediateReceive<List<int>>(0, 5),
            () => c.Receive<List<int>>(0, 5), a => string.Join(",", a), "lists");
        EarlyThenLate(c, new[] { 1.0, 1.5 }, new[] { 2.0 }, () => c.ImmediateReceive<double[]>(0, 5),
            () => c.Receive<double[]>(0, 5), a => string.Join(",", a), "raw arrays of unknown length");
        EarlyThenLate(c, "first", "second", () => c.ImmediateReceive<string>(Any, AnyTag),
            () => c.Receive<string>(0, 5), s => s, "any source and tag, then a specific receive");
        EarlyThenLate(c, "first", "second", () => c.ImmediateReceive<string>(0, 5),
            () => c.Receive<string>(Any, AnyTag), s => s, "a specific receive, then any source and tag");
        EarlyThenLate(c, new[] { 1.0 }, new[] { 2.0 }, () => c.ImmediateReceive<double[]>(0, 5),
            () => c.Receive<double[]>(Any, AnyTag), a => string.Join(",", a), "raw arrays, then any source and tag");
        EarlyThenLate(c, "first", "second", () => c.ImmediateReceive<string>(0, 5), () =>
        {
            var probed = c.Probe(Any, AnyTag);
            return c.Receive<string>(probed.Source, probed.Tag);
        }, s => s, "a probe after the early receive sees the later message");
        EarlyThenLate(c, "first", "second", () => c.ImmediateReceive<string>(0, 5), () =>
        {
            c.Receive(0, 5, out string value, out var status);
            Expect.Equal(0, status.Source);
            Expect.Equal(5, status.Tag);
            return value;
        }, s => s, "a receive with its status");
        EarlyThenLate(c, "first", "second", () => c.ImmediateReceive<string>(0, 5), () =>
        {
            var late = c.ImmediateReceive<string>(0, 5);
            var list = new RequestList();
            list.Add(late);
            while (list.TestAll() is null)
            {
            }
            return (string)late.GetValue()!;
        }, s => s, "two immediate receives completed through a request list, later one first");
        var words = new string[2];
        EarlyThenLate(c, new[] { "f", "1" }, new[] { "s", "2" }, () => c.ImmediateReceive(0, 5, words),
            () => c.Receive<string[]>(0, 5), a => string.Join(",", a), "into the caller's array");
    }

    [Check(MinRanks = 2)]
    public static void ImmediateReceivesCompleteInPostingOrderThroughWaitAll(Intracommunicator c)
    {
        if (c.Rank == 0)
        {
            var sends = Enumerable.Range(0, 4).Select(i => c.ImmediateSend(i % 2 == 0 ? $"m{i}" : Big + i, 1, 6)).ToList();
            c.Barrier();
            foreach (var send in sends)
                send.Wait();
        }
        else if (c.Rank == 1)
        {
            c.Barrier();
            var list = new RequestList();
            var requests = Enumerable.Range(0, 3).Select(_ => c.ImmediateReceive<string>(0, 6)).ToList();
            foreach (var request in requests)
                list.Add(request);
            var last = c.Receive<string>(0, 6);
            Expect.Equal(3, list.WaitAll().Count);
            Expect.Sequence(["m0", Big + 1, "m2"], requests.Select(r => (string)r.GetValue()!));
            Expect.Equal(Big + 3, last);
        }
        else
        {
            c.Barrier();
        }
    }

    [Check(MinRanks = 2)]
    public static void EarlierImmediateReceiveGetsEarlierMessageOnIntercommunicator(Intracommunicator world)
    {
        int group = world.Rank % 2;
        using var local = world.Split(group, world.Rank);
        using var inter = new Intercommunicator(local, 0, world, group == 0 ? 1 : 0, 78);
        // World rank 0 is rank 0 of group 0, world rank 1 rank 0 of group 1.
        if (world.Rank == 0)
        {
            var sends = new[] { inter.ImmediateSend(Big, 0, 5), inter.ImmediateSend("second", 0, 5) };
            world.Barrier();
            foreach (var send in sends)
                send.Wait();
        }
        else if (world.Rank == 1)
        {
            world.Barrier();
            var early = inter.ImmediateReceive<string>(0, 5);
            var late = inter.Receive<string>(Communicator.anySource, 5);
            Expect.Equal(Big, (string)early.GetValue()!);
            Expect.Equal("second", late);
        }
        else
        {
            world.Barrier();
        }
    }

    /// <summary>
    /// Rank 1 starts a receive of a byte[] of unknown length (it waits for a matched probe), then, once both ranks are
    /// past a barrier, runs <paramref name="late"/> while rank 0 sends a byte[] and then <paramref name="second"/>
    /// with tag 5: the late receive, whatever kind, must wait for the byte[] receive to match first. With
    /// <paramref name="lateFirst"/> the late receive is started before the barrier too, so both messages arrive
    /// while both receives wait.
    /// </summary>
    private static void BehindProbed<T>(Intracommunicator c, T second, Func<Func<T>> late, Func<T, string> show,
        string what, bool lateFirst = false)
    {
        byte[] first = [1, 2, 3];
        if (c.Rank == 0)
        {
            c.Barrier();
            c.Send(first, 1, 5);
            c.Send(second, 1, 5);
        }
        else if (c.Rank == 1)
        {
            var early = c.ImmediateReceive<byte[]>(0, 5);
            Func<T> finish = lateFirst ? late() : null!;
            c.Barrier();
            finish ??= late();
            var lateValue = finish();
            Expect.Equal("1,2,3", string.Join(",", (byte[])early.GetValue()!), $"{what}: the byte[] receive");
            Expect.Equal(show(second), show(lateValue), $"{what}: the later receive");
        }
        else
        {
            c.Barrier();
        }
    }

    /// <summary>A blocking receive, started when called.</summary>
    private static Func<Func<T>> Now<T>(Func<T> receive) => () => () => receive();

    /// <summary>A nonblocking receive, started when called and waited for by the function it returns.</summary>
    private static Func<Func<T>> Started<T>(Func<ReceiveRequest> start) => () =>
    {
        var request = start();
        return () => (T)request.GetValue()!;
    };

    [Check(MinRanks = 2)]
    public static void ReceivesStartedBehindAProbedReceiveWaitTheirTurn(Intracommunicator c)
    {
        const int Any = Communicator.anySource, AnyTag = Communicator.anyTag;
        string S(string s) => s.Length > 20 ? $"{s.Length} chars" : s;
        string Join<T>(IEnumerable<T> values) => string.Join(",", values);
        foreach (bool lateFirst in new[] { false, true })
        {
            string when = lateFirst ? " (started before the messages)" : "";
            BehindProbed(c, "second", Started<string>(() => c.ImmediateReceive<string>(0, 5)), S,
                "ImmediateReceive<string>" + when, lateFirst);
            BehindProbed(c, Big, Started<string>(() => c.ImmediateReceive<string>(Any, AnyTag)), S,
                "ImmediateReceive<string> of a large string, any source and tag" + when, lateFirst);
            BehindProbed(c, 42, Started<int>(() => c.ImmediateReceive<int>(0, 5)), i => $"{i}",
                "ImmediateReceive<int>" + when, lateFirst);
            var into = new int[2];
            BehindProbed(c, new[] { 7, 8 }, Started<int[]>(() => c.ImmediateReceive(0, 5, into)), Join,
                "ImmediateReceive into the caller's int[]" + when, lateFirst);
            var memory = new int[4];
            BehindProbed(c, new[] { 9 }, () =>
            {
                var request = c.ImmediateReceive(0, 5, memory.AsMemory());
                return () =>
                {
                    Expect.Equal(1, request.Wait().Count(), "elements into Memory<int>");
                    return memory[..1];
                };
            }, Join, "ImmediateReceive into Memory<int>" + when, lateFirst);
            BehindProbed(c, new[] { 1.5 }, Started<double[]>(() => c.ImmediateReceive<double[]>(0, 5)), Join,
                "ImmediateReceive<double[]>" + when, lateFirst);
        }
        BehindProbed(c, "second", Now(() => c.Receive<string>(0, 5)), S, "Receive<string>");
        BehindProbed(c, Big, Now(() => c.Receive<string>(0, 5)), S, "Receive<string> of a large string");
        BehindProbed(c, "second", Now(() => c.Receive<string>(Any, AnyTag)), S, "Receive<string>, any source and tag");
        BehindProbed(c, 42, Now(() => c.Receive<int>(0, 5)), i => $"{i}", "Receive<int>");
        BehindProbed(c, 43, Now(() =>
        {
            c.Receive(Any, 5, out int value, out var status);
            Expect.Equal(0, status.Source, "the status's source");
            return value;
        }), i => $"{i}", "Receive<int> with its status");
        BehindProbed(c, new[] { 7, 8 }, Now(() =>
        {
            var values = new int[2];
            c.Receive(0, 5, ref values);
            return values;
        }), Join, "Receive into the caller's int[]");
        BehindProbed(c, new[] { 5, 6 }, Now(() =>
        {
            var values = new int[2];
            c.Receive(0, 5, values.AsSpan());
            return values;
        }), Join, "Receive into a Span<int>");
        BehindProbed(c, new[] { 2.5 }, Now(() => c.Receive<double[]>(0, 5)), Join, "Receive<double[]>");
    }

    [Check(MinRanks = 2)]
    public static void SendReceiveBehindAProbedReceiveWaitsItsTurn(Intracommunicator c)
    {
        if (c.Rank == 0)
        {
            c.Barrier();
            c.Send(new byte[] { 1 }, 1, 5);
            c.Send(2, 1, 5);
            c.Send(new[] { 3, 4 }, 1, 5);
            Expect.Equal(10, c.Receive<int>(1, 9), "the value rank 1 sent");
            Expect.Equal("11,12", string.Join(",", c.Receive<int[]>(1, 9)), "the array rank 1 sent");
        }
        else if (c.Rank == 1)
        {
            var early = c.ImmediateReceive<byte[]>(0, 5);
            c.Barrier();
            c.SendReceive(10, 0, 9, 0, 5, out int value);
            int[] values = new int[2];
            c.SendReceive(new[] { 11, 12 }, 0, 9, 0, 5, ref values);
            Expect.Equal("1", string.Join(",", (byte[])early.GetValue()!), "the byte[] receive");
            Expect.Equal(2, value, "SendReceive of an int");
            Expect.Equal("3,4", string.Join(",", values), "SendReceive into the caller's int[]");
        }
        else
        {
            c.Barrier();
        }
    }

    /// <summary>
    /// Three receives, each able to take the next one's messages: a byte[] of unknown length with tag 5, a string with
    /// any tag, an int with tag 7. The int receive must wait for the string receive, which waits for the byte[] one,
    /// although it could not take the byte[] itself.
    /// </summary>
    [Check(MinRanks = 2)]
    public static void ATurnIsKeptAlongAChainOfWaitingReceives(Intracommunicator c)
    {
        if (c.Rank == 0)
        {
            c.Barrier();
            c.Send(new byte[] { 1 }, 1, 5);
            c.Send("middle", 1, 7);
            c.Send(3, 1, 7);
        }
        else if (c.Rank == 1)
        {
            var first = c.ImmediateReceive<byte[]>(0, 5);
            var middle = c.ImmediateReceive<string>(0, Communicator.anyTag);
            var last = c.ImmediateReceive<int>(0, 7);
            c.Barrier();
            Expect.Equal(3, (int)last.GetValue()!, "the int receive");
            Expect.Equal("middle", (string)middle.GetValue()!, "the string receive");
            Expect.Equal(1, ((byte[])first.GetValue()!)[0], "the byte[] receive");
        }
        else
        {
            c.Barrier();
        }
    }

    [Check(MinRanks = 2)]
    public static void AReceiveCancelledWhileWaitingItsTurnTakesNoMessage(Intracommunicator c)
    {
        if (c.Rank == 0)
        {
            c.Barrier();
            c.Send(new byte[] { 1 }, 1, 5);
            c.Send(2, 1, 5);
            c.Send("three", 1, 5);
        }
        else if (c.Rank == 1)
        {
            var early = c.ImmediateReceive<byte[]>(0, 5);
            var cancelledInt = c.ImmediateReceive<int>(0, 5);
            var cancelledString = c.ImmediateReceive<string>(0, 5);
            cancelledInt.Cancel();
            cancelledString.Cancel();
            c.Barrier();
            Expect.True(cancelledInt.Wait().Cancelled, "the int receive reports its cancellation");
            Expect.True(cancelledString.Wait().Cancelled, "the string receive reports its cancellation");
            Expect.Equal(null, cancelledInt.GetValue(), "a cancelled receive's value");
            Expect.Equal(1, ((byte[])early.GetValue()!)[0], "the byte[] receive");
            Expect.Equal(2, c.Receive<int>(0, 5), "the int, received after the cancellation");
            Expect.Equal("three", c.Receive<string>(0, 5), "the string, received after the cancellation");
        }
        else
        {
            c.Barrier();
        }
    }

    /// <summary>Each rank posts a receive from its left neighbour, sends to the right one, then waits.</summary>
    private static void PostThenSend<T>(Intracommunicator c, Func<int, T> make, Func<T, string> show, int tag)
    {
        int next = Peers.Next(c), previous = Peers.Previous(c);
        var request = c.ImmediateReceive<T>(previous, tag);
        c.Send(make(c.Rank), next, tag);
        request.Wait();
        Expect.Equal(show(make(previous)), show((T)request.GetValue()!));
    }

    [Check]
    public static void PostedReceiveLetsLargeSendsFinish(Intracommunicator c)
    {
        PostThenSend(c, rank => { var a = new double[4_000_000]; a[^1] = rank; return a; },
            a => $"{a.Length}:{a[^1]}", 9);
        PostThenSend(c, rank => new string('x', 20_000_000) + rank, s => $"{s.Length}:{s[^1]}", 9);
        PostThenSend(c, rank => Enumerable.Repeat(0.5, 2_000_000).Append(rank).ToList(),
            l => $"{l.Count}:{l[^1]}", 9);
        // Two pending receives of different kinds, completed in the reverse order.
        int next = Peers.Next(c), previous = Peers.Previous(c);
        var raw = c.ImmediateReceive<double[]>(previous, 10);
        var text = c.ImmediateReceive<string>(previous, 11);
        c.Send(new string('y', 5_000_000), next, 11);
        c.Send(new double[3_000_000], next, 10);
        Expect.Equal(5_000_000, ((string)text.GetValue()!).Length);
        Expect.Equal(3_000_000, ((double[])raw.GetValue()!).Length);
    }
}
