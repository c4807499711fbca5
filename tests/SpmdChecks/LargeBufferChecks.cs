using MPI;

namespace SpmdChecks;

/// <summary>
/// Messages of 1 to 4 MiB sent, received and broadcast straight from pooled huge-page buffers
/// (<see cref="LargeBufferPool"/>): blocking and nonblocking point to point around the ring (a rank alone sends to
/// itself), Broadcast from the first and the last rank, and an Allreduce into a pooled buffer. Sizes are not all
/// powers of two, so a message ends inside a huge page.
/// </summary>
internal static class LargeBufferChecks
{
    private static readonly int[] Sizes = [1 << 20, (3 << 20) + 4096 + 12, 4 << 20];

    // A pattern that differs per sender, per size and per position, so a misplaced or stale byte is caught.
    private static byte Pattern(int sender, int size, int index) => (byte)(index * 31 + sender * 7 + size / 4097);

    private static void Fill(Span<byte> bytes, int sender)
    {
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = Pattern(sender, bytes.Length, i);
    }

    private static void ExpectPattern(ReadOnlySpan<byte> bytes, int sender, string what)
    {
        for (int i = 0; i < bytes.Length; i++)
            if (bytes[i] != Pattern(sender, bytes.Length, i))
                throw new InvalidOperationException(
                    $"{what}: byte {i} of {bytes.Length} from rank {sender} is {bytes[i]}, not {Pattern(sender, bytes.Length, i)}.");
    }

    [Check]
    public static void PointToPointFromPooledBuffersAroundTheRing(Intracommunicator c)
    {
        int next = Peers.Next(c), previous = Peers.Previous(c);
        foreach (int size in Sizes)
        {
            using var outgoing = LargeBufferPool.Shared.Rent<byte>(size);
            using var incoming = LargeBufferPool.Shared.Rent<byte>(size);
            Fill(outgoing.GetSpan(), c.Rank);
            // The receive is posted first, so a rank alone (its own next) does not wait for itself.
            var receive = c.ImmediateReceive(previous, 5, incoming.Memory);
            c.Send<byte>(outgoing.GetSpan(), next, 5);
            receive.Wait();
            ExpectPattern(incoming.GetSpan(), previous, $"Send/ImmediateReceive of {size} bytes");

            incoming.GetSpan().Clear();
            var send = c.ImmediateSend<byte>(outgoing.Memory, next, 6);
            var status = c.Receive(previous, 6, incoming.GetSpan());
            send.Wait();
            Expect.Equal(size, status.Count());
            ExpectPattern(incoming.GetSpan(), previous, $"ImmediateSend/Receive of {size} bytes");
        }
    }

    [Check]
    public static void BroadcastFromPooledBuffers(Intracommunicator c)
    {
        foreach (int root in new[] { 0, c.Size - 1 }.Distinct())
        {
            foreach (int size in Sizes)
            {
                using var buffer = LargeBufferPool.Shared.Rent<byte>(size);
                if (c.Rank == root)
                    Fill(buffer.GetSpan(), root);
                else
                    buffer.GetSpan().Fill(0xEE);
                c.Broadcast(buffer.GetSpan(), root);
                ExpectPattern(buffer.GetSpan(), root, $"Broadcast of {size} bytes from rank {root}");
            }
        }
    }

    [Check]
    public static void AllreduceIntoPooledBuffers(Intracommunicator c)
    {
        const int Count = (4 << 20) / sizeof(double);
        using var values = LargeBufferPool.Shared.Rent<double>(Count);
        using var sums = LargeBufferPool.Shared.Rent<double>(Count);
        var span = values.GetSpan();
        for (int i = 0; i < Count; i++)
            span[i] = i + c.Rank;
        c.Allreduce<double>(values.GetSpan(), sums.GetSpan(), Operation<double>.Add);
        double ranks = c.Size, rankSum = c.Size * (c.Size - 1) / 2.0;
        foreach (int i in new[] { 0, 1, Count / 2, Count - 1 })
            Expect.Equal(i * ranks + rankSum, sums.GetSpan()[i]);
    }
}
