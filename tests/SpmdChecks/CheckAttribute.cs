namespace SpmdChecks;

/// <summary>Marks a static method taking an <see cref="MPI.Intracommunicator"/> as a check run on every rank.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CheckAttribute : Attribute
{
    /// <summary>The fewest ranks the check needs; with fewer it is not run (and no test case is generated).</summary>
    public int MinRanks { get; init; } = 1;

    /// <summary>
    /// Needs many gigabytes of memory: left out of the ordinary run, run alone by <c>heavy-checks</c> (2 ranks).
    /// </summary>
    public bool Heavy { get; init; }

    /// <summary>
    /// Calls MPI from several threads at once: needs <see cref="MPI.Threading.Multiple"/>, so it is left out of the
    /// ordinary run (at Serialized) and run by <c>threads</c>, which initializes MPI at Multiple.
    /// </summary>
    public bool Multithreaded { get; init; }
}

/// <summary>A failed expectation inside a check.</summary>
public sealed class CheckFailedException(string message) : Exception(message);
