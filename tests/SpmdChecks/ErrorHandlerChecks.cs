using MPI;
using MPI.Native;

namespace SpmdChecks;

/// <summary>
/// Every way of making a communicator gives one whose errors are exceptions. The probe is a send MPI itself rejects
/// (to a rank far beyond any group, past the framework's own argument checks), made on the communicator and on the
/// framework's private duplicate of it: with MPI_ERRORS_RETURN set it comes back as an exception; a communicator
/// that missed the error handler would abort the whole job instead.
/// </summary>
internal static unsafe class ErrorHandlerChecks
{
    private const int FarRank = 1 << 20;

    /// <summary>Throws unless a bad call on <paramref name="comm"/> (skipped when this rank is not in it) throws.</summary>
    public static void ErrorsAreExceptions(Communicator? comm, string how)
    {
        if (comm is null || comm.Handle == 0)
            return;
        foreach (var (handle, which) in new[] { (comm.Handle, how), (comm.ShadowHandle, $"{how} (private duplicate)") })
        {
            var error = Expect.Throws<MpiArgumentException>(
                () => Mpi.Check(Mpi.Send(null, 0, Mpi.Abi.Datatypes.Byte, FarRank, 0, handle)), which);
            Expect.Equal(Mpi.Abi.Errors.Rank, error.ErrorClass, which);
        }
    }

    [Check]
    public static void PredefinedDuplicatedSplitAndCreated(Intracommunicator c)
    {
        ErrorsAreExceptions(Communicator.world, "world");
        ErrorsAreExceptions(Communicator.self, "self");
        using (var clone = (Intracommunicator)c.Clone())
            ErrorsAreExceptions(clone, "Clone");
        using (var split = c.Split(c.Rank % 2, c.Rank))
            ErrorsAreExceptions(split, "Split");
        using (var baseSplit = ((Communicator)c).Split(0, 0))
            ErrorsAreExceptions(baseSplit, "Communicator.Split");
        using var group = c.Group;
        using var firstHalf = group.IncludeOnly(Enumerable.Range(0, (c.Size + 1) / 2).ToArray());
        using (var created = c.Create(firstHalf))
            ErrorsAreExceptions(created, "Create");
    }

    [Check]
    public static void Topologies(Intracommunicator c)
    {
        var dims = new int[2];
        CartesianCommunicator.ComputeDimensions(c.Size, 2, ref dims);
        using (var grid = new CartesianCommunicator(c, 2, dims, [true, false], reorder: false))
        {
            ErrorsAreExceptions(grid, "CartesianCommunicator");
            using (var copy = (CartesianCommunicator)grid.Clone())
                ErrorsAreExceptions(copy, "CartesianCommunicator.Clone");
            using var rows = grid.Subgrid([0, 1]);
            ErrorsAreExceptions(rows, "Subgrid");
        }
        var ring = Enumerable.Range(0, c.Size).Select(rank => c.Size == 1 ? [] : new[] { (rank + 1) % c.Size }).ToArray();
        using var graph = new GraphCommunicator(c, ring, reorder: false);
        ErrorsAreExceptions(graph, "GraphCommunicator");
        using var graphCopy = (GraphCommunicator)graph.Clone();
        ErrorsAreExceptions(graphCopy, "GraphCommunicator.Clone");
    }

    [Check(MinRanks = 2)]
    public static void IntercommunicatorsAndMerge(Intracommunicator c)
    {
        int group = c.Rank % 2;
        using var local = c.Split(group, c.Rank);
        using var inter = new Intercommunicator(local, 0, c, group == 0 ? 1 : 0, 79);
        ErrorsAreExceptions(inter, "Intercommunicator");
        using (var copy = (Intercommunicator)inter.Clone())
            ErrorsAreExceptions(copy, "Intercommunicator.Clone");
        using (var merged = inter.Merge(upper: group == 1))
            ErrorsAreExceptions(merged, "Merge");
    }
}
