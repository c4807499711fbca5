namespace SpmdChecks;

/// <summary>Marks a static method taking an <see cref="MPI.Intracommunicator"/> as a check run on every rank.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CheckAttribute : Attribute
{
    /// <summary>The fewest ranks the check needs; with fewer it is not run (and no test case is generated).</summary>
    public int MinRanks { get; init; } = 1;
}

/// <summary>A failed expectation inside a check.</summary>
public sealed class CheckFailedException(string message) : Exception(message);
