using MPI;

namespace SpmdChecks;

internal static class ThreadingScenarios
{
    /// <summary>
    /// Every rank requires <paramref name="required"/> of what MPI granted and prints either "GRANTED level" or
    /// "REFUSED" with the exception's properties and message (one line), then the job ends normally.
    /// </summary>
    public static void RequireThreading(Intracommunicator world, Threading required)
    {
        try
        {
            MPI.Environment.RequireThreading(required);
            Console.WriteLine($"rank {world.Rank}: GRANTED {MPI.Environment.Threading}");
        }
        catch (ThreadingNotProvidedException e)
        {
            Console.WriteLine($"rank {world.Rank}: REFUSED required={e.Required} provided={e.Provided} " +
                $"library={e.Library}: {e.Message.ReplaceLineEndings(" ")}");
        }
        world.Barrier();
    }
}
