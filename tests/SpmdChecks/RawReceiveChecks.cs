using MPI;

namespace SpmdChecks;

/// <summary>
/// The allocation-free paths of blocking raw receives behave as the general ones: receives that return no status
/// (asked of MPI with MPI_STATUS_IGNORE) and statuses handed out again while MPI reports the same one. Rank 0 sends,
/// rank 1 receives; other ranks only take part in the barriers.
/// </summary>
internal static class RawReceiveChecks
{
    /// <summary>
    /// Repeated receives of one envelope give equal statuses; any difference (size, tag, datatype, source) gives the
    /// new one, and a status kept from earlier still describes its own message.
    /// </summary>
    [Check(MinRanks = 2)]
    public static void StatusesOfRepeatedAndChangingEnvelopes(Intracommunicator c)
    {
        var eight = new byte[8];
        if (c.Rank == 0)
        {
            for (int i = 0; i < 3; i++)
                c.Send<byte>(eight.AsSpan(), 1, 1);
            c.Send(7L, 1, 1);          // the same 8 bytes and envelope, another datatype
            c.Send<byte>(eight.AsSpan(0, 4), 1, 1);
            c.Send<byte>(eight.AsSpan(), 1, 2);
            c.Send(11, 1, 3);
            c.Send(12, 1, 3);
        }
        else if (c.Rank == 1)
        {
            var buffer = new byte[8];
            var first = c.Receive(0, 1, buffer.AsSpan());
            var second = c.Receive(0, 1, buffer.AsSpan());
            var third = c.Receive(0, 1, buffer.AsSpan());
            foreach (var status in new[] { first, second, third })
            {
                Expect.Equal(0, status.Source);
                Expect.Equal(1, status.Tag);
                Expect.Equal(8, status.Count());
            }
            var longs = new long[1];
            var asLong = c.Receive(0, 1, longs.AsSpan());
            Expect.Equal(1, asLong.Count(), "8 bytes received as one long");
            Expect.Equal(7L, longs[0]);
            var shorter = c.Receive(0, Communicator.anyTag, buffer.AsSpan());
            Expect.Equal(4, shorter.Count(), "a shorter message on the same envelope");
            var otherTag = c.Receive(0, Communicator.anyTag, buffer.AsSpan());
            Expect.Equal(2, otherTag.Tag);
            Expect.Equal(8, otherTag.Count());
            c.Receive(0, 3, out int value, out CompletedStatus valueStatus);
            Expect.Equal(11, value);
            c.Receive(0, Communicator.anyTag, out value, out CompletedStatus again);
            Expect.Equal(12, value);
            Expect.Equal((0, 3, 1), (again.Source, again.Tag, again.Count()));
            // The earlier statuses did not change with the later messages.
            Expect.Equal((0, 1, 8), (first.Source, first.Tag, first.Count()));
            Expect.Equal((0, 1, 4), (shorter.Source, shorter.Tag, shorter.Count()));
            Expect.Equal((0, 3, 1), (valueStatus.Source, valueStatus.Tag, valueStatus.Count()));
            Expect.False(first.Cancelled);
        }
        // With a third rank, two senders on one envelope: each status names its own sender.
        if (c.Size >= 3)
        {
            if (c.Rank is 0 or 2)
                c.Send(c.Rank, 1, 4);
            else if (c.Rank == 1)
            {
                var sources = new List<int>();
                for (int i = 0; i < 2; i++)
                {
                    var status = c.Receive(Communicator.anySource, 4, new int[1].AsSpan());
                    sources.Add(status.Source);
                }
                sources.Sort();
                Expect.Sequence([0, 2], sources);
            }
        }
        c.Barrier();
    }

    /// <summary>
    /// Receives that return no status still come after receives posted earlier from the same source and tag, even
    /// when those wait for this process to match them (a raw array of unknown length, a serialized value).
    /// </summary>
    [Check(MinRanks = 2)]
    public static void StatusFreeReceivesKeepPostingOrder(Intracommunicator c)
    {
        if (c.Rank == 0)
        {
            var sends = new[]
            {
                c.ImmediateSend(new[] { 1, 2, 3 }, 1, 5), c.ImmediateSend(42, 1, 5),
                c.ImmediateSend("first", 1, 6), c.ImmediateSend(new[] { 43 }, 1, 6),
                c.ImmediateSend(new[] { 4, 5 }, 1, 7), c.ImmediateSend(44, 1, 7),
            };
            c.Barrier();
            foreach (var send in sends)
                send.Wait();
        }
        else if (c.Rank == 1)
        {
            c.Barrier();
            var unsized = c.ImmediateReceive<int[]>(0, 5);
            Expect.Equal(42, c.Receive<int>(0, 5), "a value behind a raw array of unknown length");
            unsized.Wait();
            Expect.Sequence([1, 2, 3], (int[])unsized.GetValue()!);

            var serialized = c.ImmediateReceive<string>(0, 6);
            var into = new int[1];
            c.Receive(0, 6, ref into);
            Expect.Equal(43, into[0], "an array received in place behind a serialized value");
            serialized.Wait();
            Expect.Equal("first", (string)serialized.GetValue()!);

            var anyTag = c.ImmediateReceive<int[]>(0, Communicator.anyTag);
            c.Receive(Communicator.anySource, 7, out int value);
            Expect.Equal(44, value, "any source behind any tag");
            anyTag.Wait();
            Expect.Sequence([4, 5], (int[])anyTag.GetValue()!);
        }
        else
        {
            c.Barrier();
        }
    }

    /// <summary>Receives that return no status refuse bad ranks and tags, and report truncation from a peer.</summary>
    [Check(MinRanks = 2)]
    public static void StatusFreeReceivesRefuseBadInput(Intracommunicator c)
    {
        var error = Expect.Throws<ArgumentOutOfRangeException>(() => c.Receive<int>(c.Size, 0));
        Expect.True(error.Message.Contains($"Source rank {c.Size} is out of range", StringComparison.Ordinal));
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Receive(-7, 0, out long _));
        int[] array = new int[1];
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Receive(0, MPI.Environment.MaxTag + 1, ref array));
        Expect.Throws<ArgumentOutOfRangeException>(() => c.Receive<double>(0, -5));
        if (c.Rank == 0)
        {
            c.Send(new[] { 1, 2 }, 1, 8);
            c.Send(new[] { 3, 4, 5 }, 1, 8);
            c.Send(6, 1, 8);
        }
        else if (c.Rank == 1)
        {
            Expect.Throws<MessageTruncatedException>(() => c.Receive<int>(0, 8));
            var small = new int[2];
            Expect.Throws<MessageTruncatedException>(() => c.Receive(0, 8, ref small));
            Expect.Equal(6, c.Receive<int>(0, 8), "the communicator works after truncation");
        }
        c.Barrier();
    }
}
