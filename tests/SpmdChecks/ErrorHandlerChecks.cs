using MPI;
using MPI.Native;

namespace SpmdChecks;

/// <summary>
/// Every way of making a communicator gives one whose errors are exceptions. Each is made from communicators whose
/// handler is MPI_ERRORS_ARE_FATAL (MPI's default, which new communicators inherit), so only the framework's own
/// MPI_ERRORS_RETURN on the new one keeps the probe from aborting the job. The probe is a send MPI itself rejects (to
/// a rank far beyond any group, past the framework's argument checks), on the communicator and on the framework's
/// private duplicate of it: it must come back as an <see cref="MpiArgumentException"/> of class MPI_ERR_RANK.
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

    /// <summary>Gives <paramref name="comm"/> MPI's default handler back: what it makes inherits a fatal handler.</summary>
    private static T Fatal<T>(T comm) where T : Communicator
    {
        Mpi.Check(Mpi.Comm_set_errhandler(comm.Handle, Mpi.Abi.ErrorsAreFatal));
        return comm;
    }

    [Check]
    public static void PredefinedDuplicatedSplitAndCreated(Intracommunicator c)
    {
        ErrorsAreExceptions(Communicator.world, "world");
        ErrorsAreExceptions(Communicator.self, "self");
        using var fatal = Fatal((Intracommunicator)c.Clone());
        using (var clone = (Intracommunicator)fatal.Clone())
            ErrorsAreExceptions(clone, "Clone");
        using (var split = fatal.Split(c.Rank % 2, c.Rank))
            ErrorsAreExceptions(split, "Split");
        using (var baseSplit = ((Communicator)fatal).Split(0, 0))
            ErrorsAreExceptions(baseSplit, "Communicator.Split");
        using var group = fatal.Group;
        using var firstHalf = group.IncludeOnly(Enumerable.Range(0, (c.Size + 1) / 2).ToArray());
        using (var created = fatal.Create(firstHalf))
            ErrorsAreExceptions(created, "Create");
        // An intracommunicator adopted from a raw handle (a native duplicate inherits the fatal handler).
        long raw = 0;
        Mpi.Check(Mpi.Comm_dup(fatal.Handle, &raw));
        using var adopted = Communicator.Adopt(Mpi.ReadHandle(&raw));
        ErrorsAreExceptions(adopted, "Communicator.Adopt");
    }

    [Check]
    public static void Topologies(Intracommunicator c)
    {
        using var fatal = Fatal((Intracommunicator)c.Clone());
        var dims = new int[2];
        CartesianCommunicator.ComputeDimensions(c.Size, 2, ref dims);
        using (var grid = new CartesianCommunicator(fatal, 2, dims, [true, false], reorder: false))
        {
            ErrorsAreExceptions(grid, "CartesianCommunicator");
            Fatal(grid);
            using (var copy = (CartesianCommunicator)grid.Clone())
                ErrorsAreExceptions(copy, "CartesianCommunicator.Clone");
            using var rows = grid.Subgrid([0, 1]);
            ErrorsAreExceptions(rows, "Subgrid");
        }
        // A ring (a self-loop on one rank: MPI_Graph_create is given at least one edge).
        var ring = Enumerable.Range(0, c.Size).Select(rank => new[] { (rank + 1) % c.Size }).ToArray();
        using var graph = new GraphCommunicator(fatal, ring, reorder: false);
        ErrorsAreExceptions(graph, "GraphCommunicator");
        Fatal(graph);
        using var graphCopy = (GraphCommunicator)graph.Clone();
        ErrorsAreExceptions(graphCopy, "GraphCommunicator.Clone");
    }

    [Check(MinRanks = 2)]
    public static void IntercommunicatorsAndMerge(Intracommunicator c)
    {
        using var fatal = Fatal((Intracommunicator)c.Clone());
        int group = c.Rank % 2;
        using var local = Fatal(fatal.Split(group, c.Rank));
        using var inter = new Intercommunicator(local, 0, fatal, group == 0 ? 1 : 0, 79);
        ErrorsAreExceptions(inter, "Intercommunicator");
        Fatal(inter);
        using (var copy = (Intercommunicator)inter.Clone())
            ErrorsAreExceptions(copy, "Intercommunicator.Clone");
        using (var merged = inter.Merge(upper: group == 1))
            ErrorsAreExceptions(merged, "Merge");
    }
}
