using MPI;

namespace SpmdChecks;

/// <summary>Failures the tests provoke on purpose, to see that the job ends promptly and says why.</summary>
internal static class Scenarios
{
    public static void FailOnOneRank(Intracommunicator world, int failingRank)
    {
        if (world.Rank == failingRank)
            throw new InvalidOperationException($"deliberate failure on rank {failingRank}");
        // Everyone else waits for a message the failing rank will never send.
        world.Receive<int>(failingRank, 0);
    }

    public static void Reinitialize(string[] args)
    {
        using (new MPI.Environment(ref args))
            Console.WriteLine($"first environment: initialized={MPI.Environment.Initialized}");
        Console.WriteLine($"after dispose: finalized={MPI.Environment.Finalized}");
        try
        {
            using var again = new MPI.Environment(ref args);
            Console.WriteLine("second environment: created (wrong)");
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"second environment: {e.GetType().Name}: {e.Message}");
        }
    }
}
