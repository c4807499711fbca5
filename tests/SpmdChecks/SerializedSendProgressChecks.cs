using MPI;

namespace SpmdChecks;

/// <summary>
/// A send of a large serialized value finishes under MPI's progress rules, as a raw array's does: once the receiver
/// has posted its receive, the sender's Send (or the Wait of its ImmediateSend) returns while the receiver is busy
/// elsewhere (a collective, a raw receive), without waiting for the receiver to call the framework again.
/// </summary>
internal static class SerializedSendProgressChecks
{
    // Each beyond every eager limit, so a send that waited for the receiver's payload receive would block.
    private static string BigText() => new('x', 3_000_000);

    private static List<double> BigList() => Enumerable.Range(0, 400_000).Select(i => i * 0.5).ToList();

    private static double[][] Jagged() => Enumerable.Range(0, 4).Select(i => Enumerable.Repeat(i + 0.25, 200_000).ToArray()).ToArray();

    private static string Show(double[][] values) => string.Join(",", values.Select(row => $"{row.Length}:{row[^1]}"));

    private static string Show(List<double> values) => $"{values.Count}:{values[^1]}";

    private static string Show(string value) => $"{value.Length}:{value[^1]}";

    /// <summary>
    /// Rank 0 posts a receive from rank 1 and then joins <paramref name="collective"/>; rank 1 runs
    /// <paramref name="send"/> and then joins it too; the others only join it.
    /// </summary>
    private static void ReceiverBusy<T>(Intracommunicator c, T value, Action<T> send, Action collective,
        Func<T, string> show, string what)
    {
        if (c.Rank == 0)
        {
            var request = c.ImmediateReceive<T>(1, 7);
            collective();
            Expect.Equal(show(value), show((T)request.GetValue()!), what);
        }
        else
        {
            if (c.Rank == 1)
                send(value);
            collective();
        }
    }

    [Check(MinRanks = 2)]
    public static void BlockingSendOfSerializedValueNeedsNoReceiverCall(Intracommunicator c)
    {
        ReceiverBusy(c, BigText(), v => c.Send(v, 0, 7), c.Barrier, Show, "a string, then a barrier");
        ReceiverBusy(c, BigList(), v => c.Send(v, 0, 7),
            () => Expect.Equal(c.Size, c.Allreduce(1, Operation<int>.Add)), Show, "a list, then an allreduce");
        ReceiverBusy(c, Jagged(), v => c.Send(v, 0, 7), () =>
        {
            string word = c.Rank == 0 ? "root" : "";
            c.Broadcast(ref word, 0);
            Expect.Equal("root", word);
        }, Show, "a jagged array, then a broadcast");
        ReceiverBusy(c, BigText(), v => c.Send(v, 0, 7), () =>
        {
            string text = c.Rank == 0 ? "root" : "";
            c.Broadcast(ref text, 0);
        }, Show, "a string, then a serialized broadcast");

        // The receiver's next call is a blocking raw receive of a later message, then a barrier.
        ReceiverBusy(c, BigText(), v =>
        {
            c.Send(v, 0, 7);
            c.Send(42, 0, 8);
        }, () =>
        {
            if (c.Rank == 0)
                Expect.Equal(42, c.Receive<int>(1, 8));
            c.Barrier();
        }, Show, "a string, then a raw receive");

        // SendReceive: the exchange finishes although the peer waits for the payload only after a barrier.
        if (c.Rank == 0)
        {
            var big = c.ImmediateReceive<string>(1, 7);
            var small = c.ImmediateSend("small", 1, 8);
            c.Barrier();
            small.Wait();
            Expect.Equal(Show(BigText()), Show((string)big.GetValue()!), "SendReceive of a string");
        }
        else if (c.Rank == 1)
        {
            c.SendReceive(BigText(), 0, 7, 0, 8, out string reply);
            Expect.Equal("small", reply);
            c.Barrier();
        }
        else
        {
            c.Barrier();
        }

        // The sender disposes the communicator right after the send; the receiver takes the value after a barrier.
        var duplicate = (Intracommunicator)c.Clone();
        if (c.Rank == 0)
        {
            var request = duplicate.ImmediateReceive<string>(1, 7);
            c.Barrier();
            Expect.Equal(Show(BigText()), Show((string)request.GetValue()!), "a send on a communicator disposed next");
            duplicate.Dispose();
        }
        else
        {
            if (c.Rank == 1)
                duplicate.Send(BigText(), 0, 7);
            duplicate.Dispose();
            c.Barrier();
        }
    }

    [Check(MinRanks = 2)]
    public static void ImmediateSendOfSerializedValueCompletesWithoutReceiverCall(Intracommunicator c)
    {
        ReceiverBusy(c, BigText(), v =>
        {
            var request = c.ImmediateSend(v, 0, 7);
            Expect.Equal(1, request.Wait().Count());
            Expect.True(request.IsCompleted);
        }, c.Barrier, Show, "Wait, then a barrier");
        ReceiverBusy(c, BigList(), v =>
        {
            var request = c.ImmediateSend(v, 0, 7);
            while (request.Test() is null)
            {
            }
        }, () => c.Allreduce(1, Operation<int>.Add), Show, "Test until done, then an allreduce");
        ReceiverBusy(c, Jagged(), v =>
        {
            var list = new RequestList();
            list.Add(c.ImmediateSend(v, 0, 7));
            list.Add(c.ImmediateSend(v[0], 0, 9));
            Expect.Equal(2, list.WaitAll().Count);
        }, () =>
        {
            if (c.Rank == 0)
                Expect.Equal(200_000, c.Receive<double[]>(1, 9).Length);
            c.Barrier();
        }, Show, "WaitAll, then a barrier");
    }
}
