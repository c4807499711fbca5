namespace Tests.Support;

/// <summary>Waiting in tests for something that happens on its own time, with a deadline instead of a guess.</summary>
public static class Eventually
{
    /// <summary>How long anything a test waits for may take before the test fails.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test, saying <paramref name="what"/>, when it does not in time.</summary>
    public static void Holds(Func<bool> condition, string what, TimeSpan? within = null) =>
        Produces(() => condition() ? (object)true : null, what, within);

    /// <summary>Waits until <paramref name="produce"/> gives a value and returns it; fails the test when it does not in time.</summary>
    public static T Produces<T>(Func<T?> produce, string what, TimeSpan? within = null) where T : class
    {
        var deadline = DateTime.UtcNow + (within ?? Deadline);
        using var never = new ManualResetEventSlim();
        while (true)
        {
            if (produce() is { } value)
                return value;
            if (DateTime.UtcNow > deadline)
            {
                NUnit.Framework.Assert.Fail($"{what} did not happen within {within ?? Deadline}");
                return null!;
            }
            never.Wait(Poll);
        }
    }
}
