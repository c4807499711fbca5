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
