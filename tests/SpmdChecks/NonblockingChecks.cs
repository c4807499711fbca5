using MPI;

namespace SpmdChecks;

internal static class NonblockingChecks
{
    [Check]
    public static void RawValuesAndArrays(Intracommunicator c)
    {
        int next = Peers.Next(c), previous = Peers.Previous(c);
        var value = c.ImmediateReceive<int>(previous, 1);
        var buffer = new long[4];
        var array = c.ImmediateReceive(previous, 2, buffer);
        var sends = new RequestList();
        sends.Add(c.ImmediateSend(c.Rank * 10, next, 1));
        sends.Add(c.ImmediateSend(new long[] { c.Rank, 1, 2, 3 }, next, 2));
        var status = value.Wait();
        Expect.Equal(previous * 10, (int)value.GetValue()!);
        Expect.Equal(previous, status.Source);
        Expect.Equal(1, status.Tag);
        Expect.True(ReferenceEquals(status, value.Wait()));
        Expect.True(ReferenceEquals(status, value.Test()));
        Expect.True(ReferenceEquals(buffer, array.GetValue()));
        Expect.Sequence([previous, 1L, 2L, 3L], buffer);
        Expect.Equal(4, array.Wait().Count());
        Expect.Equal(2, sends.WaitAll().Count);
        Expect.Equal(0, sends.Count);
    }

    [Check]
    public static void SerializedValues(Intracommunicator c)
    {
        int next = Peers.Next(c), previous = Peers.Previous(c);
        string? seen = null;
        var text = c.ImmediateReceive<string>(previous, 3, received => seen = received);
        var words = new string[3];
        var into = c.ImmediateReceive(previous, 4, words);
        var account = c.ImmediateReceive<Account>(Communicator.anySource, 5);
        var unsized = c.ImmediateReceive<int[]>(previous, 6);
        var sends = new[]
        {
            c.ImmediateSend($"from {c.Rank}", next, 3),
            c.ImmediateSend(new[] { "a", $"{c.Rank}" }, next, 4),
            c.ImmediateSend(new Account($"o{c.Rank}", 2m), next, 5),
            c.ImmediateSend(new[] { c.Rank, c.Rank }, next, 6),
        };
        var list = new RequestList();
        foreach (var request in new Request[] { text, into, account, unsized })
            list.Add(request);
        var completed = new List<Request>();
        while (list.Count > 0)
            completed.AddRange(list.WaitSome());
        Expect.Equal(4, completed.Count);
        Expect.Equal($"from {previous}", (string)text.GetValue()!);
        Expect.Equal($"from {previous}", seen);
        Expect.True(ReferenceEquals(words, into.GetValue()));
        Expect.Sequence(["a", $"{previous}", null], words);
        Expect.Equal($"o{previous}:2", ((Account)account.GetValue()!).Describe());
        Expect.Equal(previous, account.Wait().Source);
        Expect.Equal(5, account.Wait().Tag);
        Expect.Sequence([previous, previous], (int[])unsized.GetValue()!);
        foreach (var send in sends)
            send.Wait();
    }

    [Check]
    public static void CancelledReceives(Intracommunicator c)
    {
        foreach (var request in new ReceiveRequest[] { c.ImmediateReceive<int>(0, 99), c.ImmediateReceive<string>(0, 98) })
        {
            Expect.Equal(null, request.Test());
            request.Cancel();
            var status = request.Wait();
            Expect.True(status.Cancelled);
            Expect.True(ReferenceEquals(status, request.Wait()));
            Expect.Equal(null, request.GetValue());
        }
    }

    [Check]
    public static void MemoryAndAsync(Intracommunicator c)
    {
        int next = Peers.Next(c), previous = Peers.Previous(c);
        var incoming = new double[3];
        var receive = c.ImmediateReceive(previous, 7, incoming.AsMemory());
        var send = c.ImmediateSend<double>(new[] { c.Rank + 0.5, 1, 2 }.AsMemory(), next, 7);
        var status = receive.WaitAsync().GetAwaiter().GetResult();
        Expect.Equal(3, status.Count());
        Expect.Sequence([previous + 0.5, 1, 2], incoming);
        send.WaitAsync().GetAwaiter().GetResult();

        var never = c.ImmediateReceive<int>(0, 97);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Expect.Throws<OperationCanceledException>(() => never.WaitAsync(cancel.Token).GetAwaiter().GetResult());
        Expect.False(never.IsCompleted);
        never.Cancel();
        Expect.True(never.Wait().Cancelled);
    }

    [Check]
    public static void RequestListOperations(Intracommunicator c)
    {
        int next = Peers.Next(c), previous = Peers.Previous(c);
        Expect.Throws<InvalidOperationException>(() => new RequestList().WaitAny());
        var list = new RequestList();
        var receives = Enumerable.Range(0, 3).Select(i => c.ImmediateReceive<int>(previous, 20 + i)).ToList();
        foreach (var request in receives)
            list.Add(request);
        // Nobody sends before the barrier, so nothing can have completed yet.
        Expect.Equal(null, list.TestAll());
        c.Barrier();
        var sends = Enumerable.Range(0, 3).Select(i => c.ImmediateSend(i, next, 20 + i)).ToList();
        var first = list.WaitAny();
        Expect.True(receives.Contains(first));
        Expect.Equal(2, list.Count);
        while (list.TestAll() is null)
            Thread.Yield();
        Expect.Equal(0, list.Count);
        Expect.Sequence([0, 1, 2], receives.Select(r => (int)r.GetValue()!));
        foreach (var send in sends)
            send.Wait();
        Expect.Equal(null, new RequestList().TestAny());
        Expect.Equal(0, new RequestList().TestSome().Count);
    }

    /// <summary>
    /// A receive of unknown length is posted to MPI only by a later call of its rank; a rank that only polls (Test,
    /// WaitAsync, ImmediateProbe) must post it too, or a peer's large send to it waits for ever while the rank polls.
    /// </summary>
    [Check(MinRanks = 2)]
    public static void PollingPostsWaitingReceivesOfUnknownLength(Intracommunicator c)
    {
        if (c.Rank > 1)
        {
            c.Barrier();
            c.Barrier();
            c.Barrier();
            return;
        }
        int peer = 1 - c.Rank;
        var large = new double[1 << 17];   // 1 MiB: beyond both libraries' eager limits, so the send waits for its receive
        large[^1] = peer + 0.5;
        foreach (var poll in new Func<Request, bool>[]
        {
            send => send.Test() is not null,
            send =>
            {
                send.WaitAsync().GetAwaiter().GetResult();
                return true;
            },
        })
        {
            var receive = c.ImmediateReceive<double[]>(peer, 0);
            c.Barrier();   // the receive found no message when it started
            var send = c.ImmediateSend(large, peer, 0);
            while (!poll(send)) { }
            receive.Wait();
            Expect.Equal(c.Rank + 0.5, ((double[])receive.GetValue()!)[^1], "the array received");
        }

        if (c.Rank == 1)
        {
            var receive = c.ImmediateReceive<double[]>(0, 1);
            c.Barrier();
            while (c.ImmediateProbe(0, 2) is null) { }
            receive.Wait();
            Expect.Equal(1 << 17, ((double[])receive.GetValue()!).Length, "the array received");
            Expect.Equal(2, c.Receive<int>(0, 2), "the value sent after it");
        }
        else
        {
            c.Barrier();
            c.Send(large, 1, 1);
            c.Send(2, 1, 2);
        }
    }
}
