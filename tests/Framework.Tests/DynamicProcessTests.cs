namespace Framework.Tests;

/// <summary>
/// Spawning processes at run time: Open MPI starts the children and connects them to their parent; Debian's MPICH
/// (ch4:ucx) cannot, and the program gets a NotSupportedException that says so instead of a hang.
/// </summary>
[TestFixture]
public sealed class DynamicProcessTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Test]
    public void OpenMpiSpawnsChildrenThatReachTheirParent()
    {
        var run = MpiProcess.Launch(Implementation.OpenMpi, 1, "SpmdChecks", ["spawn"], deadline: Deadline);

        Assert.That(run.TimedOut, Is.False, run.Describe());
        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain("SPAWNED child 0 of 2 (parent group of 1)"), run.Describe());
        Assert.That(run.Stdout, Does.Contain("SPAWNED child 1 of 2 (parent group of 1)"), run.Describe());
        // The children checked their parent intercommunicator the same way before reporting.
        Assert.That(run.Stdout, Does.Contain("MERGED 3 rank 0, errors are exceptions"), run.Describe());
    }

    [Test]
    public void MpichRefusesToSpawnWithAClearError()
    {
        var run = MpiProcess.Launch(Implementation.Mpich, 1, "SpmdChecks", ["spawn"], deadline: Deadline);

        Assert.That(run.TimedOut, Is.False, run.Describe());
        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain("SPAWN-UNSUPPORTED Spawning processes failed with libmpich.so.12"),
            run.Describe());
        Assert.That(run.Stdout, Does.Contain("cannot start processes at run time"), run.Describe());
    }
}
