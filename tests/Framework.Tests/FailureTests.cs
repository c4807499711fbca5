namespace Framework.Tests;

/// <summary>
/// Failures that must end the job promptly and say why: an exception on one rank of four, re-initialization after
/// finalize, a library that does not match the launcher, a library path that does not exist.
/// </summary>
[TestFixture]
public sealed class FailureTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [TestCase(Implementation.OpenMpi, "throw-in-run")]
    [TestCase(Implementation.Mpich, "throw-in-run")]
    [TestCase(Implementation.OpenMpi, "throw-unhandled")]
    [TestCase(Implementation.Mpich, "throw-unhandled")]
    public void ExceptionOnOneRankAbortsTheWholeJob(Implementation implementation, string mode)
    {
        var marker = $"marker-{Guid.NewGuid():N}";
        var run = MpiProcess.Launch(implementation, 4, "SpmdChecks", [mode, "2", marker], deadline: Deadline);

        Assert.That(run.TimedOut, Is.False, "the other ranks were left hanging: " + run.Describe());
        Assert.That(run.ExitCode, Is.Not.Zero, run.Describe());
        Assert.That(run.Stderr, Does.Contain("rank 2 of 4").And.Contain("deliberate failure on rank 2"), run.Describe());
        Assert.That(MpiProcess.SurvivorsAfterGrace(marker), Is.Empty, "processes of the job outlived it");
    }

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void ReinitializingAfterFinalizeThrows(Implementation implementation)
    {
        var run = MpiProcess.Singleton(implementation, "SpmdChecks", ["reinit"]);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain("first environment: initialized=True"));
        Assert.That(run.Stdout, Does.Contain("after dispose: finalized=True"));
        Assert.That(run.Stdout, Does.Contain("second environment: ObjectDisposedException"), run.Describe());
    }

    [TestCase(Implementation.OpenMpi, "libmpich.so.12", "Open MPI's mpiexec")]
    [TestCase(Implementation.Mpich, "libmpi.so.40", "MPICH's mpiexec (Hydra)")]
    public void LibraryOfTheOtherImplementationIsRefused(Implementation launcher, string library, string launcherName)
    {
        var marker = $"marker-{Guid.NewGuid():N}";
        var run = MpiProcess.Launch(launcher, 2, "SpmdChecks", ["info", marker],
            new Dictionary<string, string> { ["SPMD_MPI_LIBRARY"] = library }, Deadline);

        Assert.That(run.TimedOut, Is.False, run.Describe());
        Assert.That(run.ExitCode, Is.Not.Zero, run.Describe());
        Assert.That(run.Stderr, Does.Contain("MPI library mismatch").And.Contain(launcherName).And.Contain(library),
            run.Describe());
        Assert.That(run.Stdout, Does.Not.Contain("rank 0 of 1"), "ranks ran as singletons");
        Assert.That(MpiProcess.SurvivorsAfterGrace(marker), Is.Empty);
    }

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void EachLauncherGetsItsOwnLibraryByDefault(Implementation implementation)
    {
        var run = MpiProcess.Launch(implementation, 2, "SpmdChecks", ["info"], deadline: Deadline);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        var expected = $"{implementation} {MpiProcess.LibraryOf(implementation)}";
        Assert.That(run.Stdout, Does.Contain($"rank 0 of 2: {expected}").And.Contain($"rank 1 of 2: {expected}"));
    }

    [Test]
    public void MissingLibraryPathIsNamed()
    {
        var run = MpiProcess.Singleton(Implementation.Mpich, "SpmdChecks", ["info"],
            new Dictionary<string, string> { ["SPMD_MPI_LIBRARY"] = "/nonexistent/libmpi-missing.so" });

        Assert.That(run.ExitCode, Is.Not.Zero, run.Describe());
        Assert.That(run.Stderr, Does.Contain("SPMD_MPI_LIBRARY=/nonexistent/libmpi-missing.so")
            .And.Contain("could not be loaded"), run.Describe());
    }
}
