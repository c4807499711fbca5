using MPI;

namespace SpmdChecks;

internal static class BufferChecks
{
    [Check]
    public static void NativeBuffersAreAlignedZeroedAndUsable(Intracommunicator c)
    {
        using var buffer = new NativeBuffer<long>(1000);
        Expect.Equal(1000, buffer.GetSpan().Length);
        Expect.True(buffer.GetSpan().ToArray().All(value => value == 0));
        Expect.True(buffer.IsPageAligned);

        int next = Peers.Next(c), previous = Peers.Previous(c);
        using var outgoing = new NativeBuffer<long>(3);
        outgoing.GetSpan().Fill(c.Rank);
        var receive = c.ImmediateReceive(previous, 1, buffer.Memory[..3]);
        c.ImmediateSend<long>(outgoing.Memory, next, 1).Wait();
        receive.Wait();
        Expect.Sequence([previous, previous, previous], buffer.GetSpan()[..3].ToArray());
        c.Allreduce(buffer.GetSpan()[..3], Operation<long>.Add);
        Expect.Equal((long)c.Size * (c.Size - 1) / 2, buffer.GetSpan()[0]);

        var disposed = new NativeBuffer<int>(4);
        ((IDisposable)disposed).Dispose();
        Expect.Throws<ObjectDisposedException>(() => disposed.GetSpan());
    }
}
