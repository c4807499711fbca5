using MPI;

namespace SpmdChecks;

/// <summary>Windows a program misuses on one rank: the job must end with that rank's own error, or finish cleanly.</summary>
internal static class WindowScenarios
{
    /// <summary>
    /// <paramref name="how"/>: <c>using</c> (a rank throws inside a window's using block while the others wait in
    /// Barrier), <c>lock</c> (it throws inside a lock epoch), <c>node-array</c> (inside a node-shared array's using
    /// block), <c>forgotten</c> (every rank leaves a window and a node-shared array unfreed, in a lock epoch; MPICH
    /// used to abort in MPI_Finalize).
    /// </summary>
    public static void Misuse(Intracommunicator world, int rank, string how)
    {
        switch (how)
        {
            case "using":
                {
                    using var window = Window<int>.Allocate(world, 4);
                    FailOn(world, rank);
                    break;
                }
            case "lock":
                {
                    using var window = Window<int>.Allocate(world, 4);
                    // Each rank locks its own segment: no rank waits for another's lock.
                    window.Lock(world.Rank);
                    FailOn(world, rank);
                    window.Unlock(world.Rank);
                    break;
                }
            case "node-array":
                {
                    using var array = NodeSharedArray<int>.Create(world, 16);
                    FailOn(world, rank);
                    break;
                }
            case "forgotten":
                {
                    var window = Window<long>.Allocate(world, 4);
                    window.LockAll();
                    window.Put([1L], (world.Rank + 1) % world.Size, 0);
                    _ = NodeSharedArray<int>.Create(world, 16);
                    Console.WriteLine($"rank {world.Rank} leaves its window unfreed");
                    break;
                }
            default:
                throw new ArgumentException($"Unknown misuse '{how}'.", nameof(how));
        }
    }

    private static void FailOn(Intracommunicator world, int rank)
    {
        if (world.Rank == rank)
            throw new InvalidOperationException($"deliberate failure on rank {rank}");
        world.Barrier();
    }
}
