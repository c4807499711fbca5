using MPI;

namespace SpmdChecks;

/// <summary>Windows of each flavor: creation, local segments, shared segments across the node, freeing.</summary>
internal static class WindowCreationChecks
{
    [Check]
    public static void WindowsOfEachFlavorExposeTheirSegments(Intracommunicator c)
    {
        var memory = new double[c.Rank + 2];
        using (var created = Window<double>.Create(c, memory))
        {
            Expect.Equal(WindowFlavor.Create, created.Flavor);
            Expect.Equal(c.Rank + 2, created.Length);
            created.Local[0] = 42;
            Expect.Equal(42.0, memory[0]);
        }

        using var allocated = Window<long>.Allocate(c, 3 * (c.Rank + 1));
        Expect.Equal(WindowFlavor.Allocate, allocated.Flavor);
        Expect.Equal(3 * (c.Rank + 1), allocated.Length);
        Expect.True(allocated.Local.ToArray().All(value => value == 0));
        Expect.Throws<InvalidOperationException>(() => allocated.SharedSegment(0));

        using var empty = Window<int>.Allocate(c, 0);
        Expect.Equal(0, empty.Local.Length);
    }

    [Check]
    public static void SharedWindowSegmentsAreVisibleToEveryRankOfTheNode(Intracommunicator c)
    {
        using var node = c.SplitShared();
        // Every rank of a test run is on this machine.
        Expect.Equal(c.Size, node.Size);
        using var window = Window<int>.AllocateShared(node, node.Rank + 1);
        Expect.Equal(WindowFlavor.Shared, window.Flavor);
        Expect.Equal(WindowModel.Unified, window.Model);
        window.Local.Fill(node.Rank * 100);
        node.Barrier();
        for (int rank = 0; rank < node.Size; rank++)
        {
            var segment = window.SharedSegment(rank);
            Expect.Equal(rank + 1, segment.Length);
            Expect.True(segment.ToArray().All(value => value == rank * 100));
        }
        Expect.Throws<ArgumentOutOfRangeException>(() => window.SharedSegment(node.Size));
        node.Barrier();
    }

    [Check]
    public static void AWindowFreedTwiceIsRefused(Intracommunicator c)
    {
        var window = Window<byte>.Allocate(c, 8);
        window.Free();
        Expect.True(window.IsFreed);
        Expect.Throws<ObjectDisposedException>(window.Free);
        Expect.Throws<ObjectDisposedException>(() => _ = window.Local);
        window.Dispose();
    }
}
