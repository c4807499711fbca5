using MPI;

namespace SpmdChecks;

/// <summary>A value whose serialized form is beyond 2 GiB: two arrays of 1.1 GB.</summary>
internal sealed class TwoBlobs
{
    public byte[] First { get; set; } = [];
    public byte[] Second { get; set; } = [];

    public static TwoBlobs Make(int seed) => new() { First = Blob(1_100_000_000, seed), Second = Blob(1_100_000_000, seed + 1) };

    public static byte[] Blob(int length, int seed)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(length);
        bytes.AsSpan().Fill((byte)seed);
        bytes[0] = (byte)(seed + 100);
        bytes[^1] = (byte)(seed + 200);
        return bytes;
    }

    public static string Describe(byte[] bytes) =>
        $"{bytes.Length}:{bytes[0]}:{bytes[bytes.Length / 2]}:{bytes[^1]}";
}

/// <summary>
/// Serialized payloads beyond 2 GiB, point to point and through collectives. About 10 GB of memory for two ranks:
/// these run only in their own mpiexec run (heavy-checks), one implementation at a time.
/// </summary>
internal static class LargeMessageChecks
{
    private static void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    [Check(MinRanks = 2, Heavy = true)]
    public static void SerializedValueBeyond2GiBPointToPoint(Intracommunicator c)
    {
        if (c.Rank == 0)
        {
            c.Send(TwoBlobs.Make(1), 1, 3);
        }
        else if (c.Rank == 1)
        {
            var received = c.Receive<TwoBlobs>(0, 3);
            Expect.Equal("1100000000:101:1:201", TwoBlobs.Describe(received.First));
            Expect.Equal("1100000000:102:2:202", TwoBlobs.Describe(received.Second));
        }
        Collect();
    }

    [Check(MinRanks = 2, Heavy = true)]
    public static void SerializedValuesBeyond2GiBGathered(Intracommunicator c)
    {
        // Each rank's value is 1.1 GB; together they are beyond what one array or one MPI count of bytes holds.
        var mine = c.Rank < 2 ? new TwoBlobs { First = TwoBlobs.Blob(1_100_000_000, 10 + c.Rank) } : new TwoBlobs();
        var all = c.Gather(mine, 0);
        mine = null!;
        if (c.Rank == 0)
        {
            Expect.Equal(c.Size, all!.Length);
            for (int rank = 0; rank < 2; rank++)
                Expect.Equal($"1100000000:{110 + rank}:{10 + rank}:{(210 + rank) % 256}", TwoBlobs.Describe(all![rank].First));
        }
        all = null!;
        Collect();
    }

    [Check(MinRanks = 2, Heavy = true)]
    public static void SerializedValueBeyond2GiBBroadcast(Intracommunicator c)
    {
        var value = c.Rank == 0 ? TwoBlobs.Make(20) : null;
        c.Broadcast(ref value, 0);
        Expect.Equal("1100000000:120:20:220", TwoBlobs.Describe(value!.First));
        Expect.Equal("1100000000:121:21:221", TwoBlobs.Describe(value.Second));
        value = null;
        Collect();
    }
}
