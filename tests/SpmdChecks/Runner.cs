using MPI;

namespace SpmdChecks;

internal static class Runner
{
    /// <summary>
    /// Runs each check on every rank, separated by barriers. A failure is printed, then the job is aborted: a
    /// rank that gave up on a check could leave its peers waiting for a message forever.
    /// </summary>
    public static void RunChecks(Intracommunicator world, string[] prefixes, bool heavy = false) =>
        RunChecks(world, prefixes, heavy ? Catalog.Heavy : Catalog.All);

    public static void RunChecks(Intracommunicator world, string[] prefixes, IReadOnlyList<Catalog.Check> catalog)
    {
        var checks = catalog.Where(check =>
            world.Size >= check.MinRanks &&
            (prefixes.Length == 0 || prefixes.Any(prefix => check.Name.StartsWith(prefix, StringComparison.Ordinal))));
        foreach (var check in checks)
        {
            string? failure = null;
            try
            {
                check.Run(world);
            }
#pragma warning disable CA1031 // Every failure is reported, whatever its type.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = Describe(e);
            }
            Console.WriteLine(Catalog.ResultLine(check.Name, world.Rank, failure));
            if (failure is not null)
                MPI.Environment.Abort(3);
            world.Barrier();
        }
    }

    // The whole chain on one line: a wrapper's message alone rarely says what went wrong.
    private static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (Exception? current = e; current is not null; current = current.InnerException)
            parts.Add($"{current.GetType().Name}: {current.Message}".ReplaceLineEndings(" "));
        return string.Join(" <- ", parts);
    }
}
