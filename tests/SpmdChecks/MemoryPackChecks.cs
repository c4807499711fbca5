using MemoryPack;
using MPI;

namespace SpmdChecks;

/// <summary>
/// [MemoryPackable] types travel through MemoryPack's source-generated serializer on the JIT too (the route a Native
/// AOT program takes), point to point and through the collectives; a member MemoryPack ignores arrives unset, which
/// MessagePack's contract-less resolver would have sent.
/// </summary>
internal static partial class MemoryPackChecks
{
    [MemoryPackable]
    internal sealed partial record Sample(int Rank, string Text, List<double> Values, int[] Raw)
    {
        [MemoryPackIgnore]
        public int Ignored { get; set; }
    }

    private static Sample Of(int rank) =>
        new(rank, $"rank {rank}", [rank, rank + 0.5], [rank, -rank]) { Ignored = 7 };

    // A value from this rank itself may be the very object (a broadcast's root keeps its own), so only one that
    // crossed between ranks must have lost the member MemoryPack ignores.
    private static void ExpectSample(int rank, Sample received, int self)
    {
        Expect.Equal(rank, received.Rank);
        Expect.Equal($"rank {rank}", received.Text);
        Expect.Sequence([rank, rank + 0.5], received.Values);
        Expect.Sequence([rank, -rank], received.Raw);
        if (rank != self)
            Expect.Equal(0, received.Ignored);
    }

    [Check]
    public static void RingAndCollectives(Intracommunicator c)
    {
        int right = (c.Rank + 1) % c.Size, left = (c.Rank + c.Size - 1) % c.Size;
        c.SendReceive(Of(c.Rank), right, 5, left, 5, out Sample fromLeft);
        ExpectSample(left, fromLeft, c.Rank);

        var request = c.ImmediateReceive<Sample>(left, 6);
        c.Send(Of(c.Rank), right, 6);
        ExpectSample(left, (Sample)request.GetValue()!, c.Rank);

        var broadcast = c.Rank == 0 ? Of(0) : null;
        c.Broadcast(ref broadcast, 0);
        ExpectSample(0, broadcast!, c.Rank);
        var all = c.Allgather(Of(c.Rank));
        for (int rank = 0; rank < c.Size; rank++)
            ExpectSample(rank, all[rank], c.Rank);
    }
}
