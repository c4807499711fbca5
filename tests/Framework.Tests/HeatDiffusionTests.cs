namespace Framework.Tests;

/// <summary>
/// jobs/HeatDiffusion, Jacobi iteration on a DistributedArray with ghost exchange: its plate, gathered from the ranks,
/// must be bit-identical to the serial run of the same grid on both MPIs (a missed, stale or misplaced ghost cell
/// shows as a difference). The grid sizes are odd so that blocks are uneven.
/// </summary>
[TestFixture]
public sealed class HeatDiffusionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [TestCase(Implementation.OpenMpi, 1)]
    [TestCase(Implementation.Mpich, 1)]
    [TestCase(Implementation.OpenMpi, 2)]
    [TestCase(Implementation.Mpich, 2)]
    [TestCase(Implementation.OpenMpi, 4)]
    [TestCase(Implementation.Mpich, 4)]
    public void MatchesTheSerialRunExactly(Implementation implementation, int ranks)
    {
        var run = MpiProcess.Launch(implementation, ranks, "HeatDiffusion", ["101", "60"], deadline: Deadline);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain($"101 x 101 plate, 60 Jacobi iterations on {ranks} ranks"), run.Describe());
        Assert.That(run.Stdout, Does.Contain("max |parallel - serial| = 0 over 10201 cells (identical)"), run.Describe());
        Assert.That(run.Stdout, Does.Match(@"checksum = [0-9.E+-]+; last change \(2-norm\) = [1-9]"), run.Describe());
    }

    // Each bad command line is refused by name, before any plate is allocated.
    [TestCase(new[] { "2", "5" }, "3 to 46,340 cells a side")]
    [TestCase(new[] { "46341", "1" }, "3 to 46,340 cells a side")]
    [TestCase(new[] { "-5" }, "3 to 46,340 cells a side")]
    [TestCase(new[] { "16", "-1" }, "0 or more iterations")]
    [TestCase(new[] { "sixteen" }, "The size must be a whole number, not 'sixteen'")]
    [TestCase(new[] { "16", "5", "extra" }, "unexpected 'extra'")]
    public void RefusesABadCommandLine(string[] arguments, string said)
    {
        var run = MpiProcess.Launch(Implementation.Mpich, 1, "HeatDiffusion", arguments, deadline: Deadline);

        Assert.That(run.ExitCode, Is.Not.Zero, run.Describe());
        Assert.That(run.Output, Does.Contain(said), run.Describe());
    }
}
