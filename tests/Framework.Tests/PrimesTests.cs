namespace Framework.Tests;

/// <summary>jobs/Primes, a real program on the task farm: its prime counts against known values, on both MPIs.</summary>
[TestFixture]
public sealed class PrimesTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    // π(10^7) = 664,579 over 3 ranks in ranges of 10^6 (the last one short); π(1000) = 168 in ranges of 7 (many
    // tiny tasks, automatic chunks); π(1) = 0.
    [TestCase(Implementation.OpenMpi, 3, "10000000", "1000000", "pi(10000000) = 664579 ")]
    [TestCase(Implementation.Mpich, 3, "10000000", "1000000", "pi(10000000) = 664579 ")]
    [TestCase(Implementation.OpenMpi, 2, "1000", "7", "pi(1000) = 168 ")]
    [TestCase(Implementation.Mpich, 2, "1000", "7", "pi(1000) = 168 ")]
    [TestCase(Implementation.Mpich, 1, "1", "10", "pi(1) = 0 ")]
    public void CountsThePrimesUpToTheLimit(Implementation implementation, int ranks, string limit, string rangeSize,
        string expected)
    {
        var run = MpiProcess.Launch(implementation, ranks, "Primes", [limit, rangeSize], deadline: Deadline);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain(expected), run.Describe());
        Assert.That(run.Stdout, Does.Contain("Counted the primes of").And.Contain($"on {ranks} ranks"), run.Describe());
    }
}
