using MPI;

namespace SpmdChecks;

internal static partial class Scenarios
{
    /// <summary>
    /// Under MPI initialized at <see cref="Threading.Single"/>, every rank tries to start a task farm, which needs
    /// Serialized, and prints the refusal (the same on every rank, before any message, so none is left waiting).
    /// </summary>
    public static void FarmAtThreadingSingle(Intracommunicator world)
    {
        try
        {
            using var farm = TaskFarm<int, int>.Start(world, x => x);
            Console.WriteLine($"rank {world.Rank}: the farm started at {MPI.Environment.Threading}");
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"rank {world.Rank} refused: {e.Message}");
        }
        world.Barrier();
    }
}
