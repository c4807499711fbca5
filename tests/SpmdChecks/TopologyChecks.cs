using MPI;

namespace SpmdChecks;

internal static class TopologyChecks
{
    [Check]
    public static void ComputeDimensions(Intracommunicator c)
    {
        var dims = new int[2];
        CartesianCommunicator.ComputeDimensions(12, 2, ref dims);
        Expect.Sequence([4, 3], dims);
        dims = [0, 2, 0];
        CartesianCommunicator.ComputeDimensions(12, 3, ref dims);
        Expect.Equal(2, dims[1]);
        Expect.Equal(12, dims.Aggregate(1, (a, b) => a * b));
        var bad = new[] { 5, 0 };
        Expect.Throws<ArgumentException>(() => CartesianCommunicator.ComputeDimensions(12, 2, ref bad));
    }

    [Check(MinRanks = 4)]
    public static void CartesianGrid(Intracommunicator c)
    {
        // A 2 × 2 torus on the first four ranks (periodic in dimension 0 only); others are left out.
        using var grid = new CartesianCommunicator(c, 2, [2, 2], [true, false], reorder: false);
        if (c.Rank >= 4)
        {
            Expect.False(grid.IsMember);
            Expect.Throws<ObjectDisposedException>(() => _ = grid.Coordinates);
            return;
        }
        Expect.True(grid.IsMember);
        Expect.Sequence([2, 2], grid.Dimensions);
        Expect.Sequence([true, false], grid.Periodic);
        var coords = grid.Coordinates;
        Expect.Sequence([c.Rank / 2, c.Rank % 2], coords);
        coords[0] = 99;
        Expect.Sequence([c.Rank / 2, c.Rank % 2], grid.Coordinates);
        Expect.Equal(c.Rank, grid.GetCartesianRank([c.Rank / 2, c.Rank % 2]));
        Expect.Sequence([1, 0], grid.GetCartesianCoordinates(2));
        Expect.Equal(3, grid.GetCartesianRank([-1, 1]));

        grid.Shift(0, 1, out int source, out int dest);
        Expect.Equal((c.Rank + 2) % 4, source);
        Expect.Equal((c.Rank + 2) % 4, dest);
        grid.Shift(1, 1, out source, out dest);
        Expect.Equal(c.Rank % 2 == 0 ? Intercommunicator.Null : c.Rank - 1, source);
        Expect.Equal(c.Rank % 2 == 1 ? Intercommunicator.Null : c.Rank + 1, dest);

        // MPI.NET's neighbour rule: ±1 per dimension, wrapping only along periodic dimensions longer than 2.
        Expect.Sequence(new[] { (c.Rank + 2) % 4, c.Rank ^ 1 }.Order(), grid.Neighbors.Order());
        // Each link once (MPI.NET): dimension 0 wraps, so each of its 2 lines has the direct and the wrap-around link.
        Expect.Equal(2 * 2 + 2 * 1, grid.NumEdges);

        using var rows = grid.Subgrid([0, 1]);
        Expect.Sequence([2], rows.Dimensions);
        Expect.Equal(c.Rank % 2, rows.Rank);
        Expect.Equal(4 * (c.Rank / 2) + 1, rows.Allreduce(c.Rank, Operation<int>.Add));

        var attribute = MPI.Attribute.Create<int>(AttributeDuplication.Shallow);
        grid.Attributes[attribute] = 7;
        using var copy = (CartesianCommunicator)grid.Clone();
        Expect.Sequence([2, 2], copy.Dimensions);
        Expect.Equal(7, (int)copy.Attributes[attribute]!);
        Expect.Equal(c.Rank, CartesianCommunicator.Map(c, [2, 2], [false, false]));
    }

    [Check(MinRanks = 3)]
    public static void LineEdges(Intracommunicator c)
    {
        // A line of 3 has 2 links; wrapping around adds the third.
        using var open = new CartesianCommunicator(c, 1, [3], [false], reorder: false);
        using var ring = new CartesianCommunicator(c, 1, [3], [true], reorder: false);
        if (c.Rank >= 3)
            return;
        Expect.Equal(2, open.NumEdges);
        Expect.Equal(3, ring.NumEdges);
        Expect.Equal(2, ring.Neighbors.Length);
        Expect.Equal(CartesianCommunicator.Map(c, [3], [true]), CartesianCommunicator.Map(c, 1, [3], [true]));
    }

    [Check]
    public static void BadShapes(Intracommunicator c)
    {
        Expect.Throws<ArgumentException>(() => _ = new CartesianCommunicator(c, 2, [c.Size + 1, 1], [false, false], false));
        Expect.Throws<ArgumentException>(() => _ = new CartesianCommunicator(c, 2, [1, 1], [false], false));
        Expect.Throws<ArgumentException>(() => _ = new CartesianCommunicator(c, 1, [0], [false], false));
        Expect.Throws<ArgumentException>(() => _ = new GraphCommunicator(c, [[1]], false));
        Expect.Throws<ArgumentException>(() => _ = new GraphCommunicator(c, Enumerable.Repeat(Array.Empty<int>(), c.Size + 1).ToArray(), false));
        c.Barrier();
    }

    [Check(MinRanks = 4)]
    public static void Graph(Intracommunicator c)
    {
        // A star on four nodes: 0 is linked to 1, 2 and 3.
        int[][] edges = [[1, 2, 3], [0], [0], [0]];
        using var star = new GraphCommunicator(c, edges, reorder: false);
        if (c.Rank >= 4)
        {
            Expect.False(star.IsMember);
            return;
        }
        Expect.Equal(6, star.NumEdges);
        Expect.Equal(4, star.Edges.Length);
        Expect.Sequence([1, 2, 3], star.Edges[0]);
        Expect.Sequence(edges[c.Rank], star.Neighbors);
        Expect.Sequence([0], star.NeighborsOf(3));
        Expect.Equal(4, star.Allgather(star.Rank).Length);
        using var copy = (GraphCommunicator)star.Clone();
        Expect.Equal(6, copy.NumEdges);
    }
}
