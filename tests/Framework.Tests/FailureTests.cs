using System.Text.RegularExpressions;

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

    // Disposing a window or node-shared array is collective: disposed while an exception propagates, it aborts the job
    // with that exception (the rank's own error, not a hang, nor an error about the epoch the exception left open).
    [TestCase(Implementation.OpenMpi, "using", "a window's using block")]
    [TestCase(Implementation.Mpich, "using", "a window's using block")]
    [TestCase(Implementation.OpenMpi, "lock", "a window's using block")]
    [TestCase(Implementation.Mpich, "lock", "a window's using block")]
    [TestCase(Implementation.OpenMpi, "node-array", "a node-shared array's using block")]
    [TestCase(Implementation.Mpich, "node-array", "a node-shared array's using block")]
    public void ExceptionInsideAWindowsScopeAbortsTheJobWithIt(Implementation implementation, string how, string scope)
    {
        var run = MpiProcess.Launch(implementation, 3, "SpmdChecks", ["window-fault", "1", how], deadline: Deadline);

        Assert.That(run.TimedOut, Is.False, "the other ranks were left hanging: " + run.Describe());
        Assert.That(run.ExitCode, Is.Not.Zero, run.Describe());
        Assert.That(run.Stderr, Does.Contain($"[rank 1 of 3 on {System.Environment.MachineName}] exception left {scope}")
            .And.Contain("deliberate failure on rank 1"), run.Describe());
        Assert.That(run.Stderr, Does.Not.Contain("RmaSynchronizationException"), run.Describe());
    }

    // Windows left unfreed (one in a lock epoch with an operation pending, one inside a node-shared array) are freed
    // before MPI_Finalize, in creation order on every rank: MPICH aborted in finalize over them.
    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void WindowsLeftUnfreedDoNotBreakFinalize(Implementation implementation)
    {
        var run = MpiProcess.Launch(implementation, 2, "SpmdChecks", ["window-fault", "0", "forgotten"], deadline: Deadline);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain("rank 0 leaves its window unfreed").And.Contain("rank 1 leaves its window unfreed"),
            run.Describe());
    }

    // Payloads of serialized values no receive takes (their headers received as raw values into too small a buffer,
    // where MPICH hands over no byte that would show a header) are dropped at finalize by their receiver, which says
    // so: their sender does not wait in finalize for ever. Open MPI 4.1 truncating a message beyond its eager limit
    // corrupts the process unless single-copy is off (README, "Truncation").
    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void PayloadsNoReceiveTakesAreDroppedAtFinalize(Implementation implementation)
    {
        var run = MpiProcess.Launch(implementation, 3, "SpmdChecks", ["unreceived-payloads"],
            new Dictionary<string, string> { ["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none" }, Deadline);

        Assert.That(run.TimedOut, Is.False, "the job hung: " + run.Describe());
        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain("rank 1 truncated the value on world").And.Contain("rank 1 truncated the value on pair"),
            run.Describe());
        for (int rank = 0; rank < 3; rank++)
            Assert.That(run.Stdout, Does.Contain($"rank {rank} reached the end"), run.Describe());
        var dropped = Regex.Matches(run.Stderr, @"\[rank 1 of 3 on [^\]]+\] dropped (\d+) bytes of the payload of a serialized value from rank 0 at finalize");
        Assert.That(dropped, Has.Count.EqualTo(2), run.Describe());
        // Rank 0's value to itself on the world; the one on its own communicator went with its disposal.
        Assert.That(Regex.Matches(run.Stderr, @"\[rank 0 of 3 on [^\]]+\] dropped \d+ bytes of the payload of a serialized value from rank 0 at finalize"),
            Has.Count.EqualTo(1), run.Describe());
        // Each payload is the frame beyond the header message: 160,000 bytes of doubles and a few of framing, less 64 KiB.
        Assert.That(dropped.Select(match => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)),
            Has.All.InRange(160_000 - (64 << 10), 160_200 - (64 << 10)), run.Describe());
    }

    // The same on a communicator disposed before finalize: the payload can no longer be taken and its sender waits in
    // finalize for ever (README says so), saying why after 10 s.
    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void APayloadOnADisposedCommunicatorKeepsItsSenderWaitingAndSaysSo(Implementation implementation)
    {
        var run = MpiProcess.Launch(implementation, 2, "SpmdChecks", ["payload-on-a-disposed-communicator"],
            new Dictionary<string, string> { ["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none" }, TimeSpan.FromSeconds(25));

        Assert.That(run.TimedOut, Is.True, run.Describe());
        Assert.That(run.Stdout, Does.Contain("rank 1 truncated the value"), run.Describe());
        Assert.That(run.Stderr, Does.Match(@"\[rank 0 of 2 on [^\]]+\] has waited 1\d s at finalize for 1 payload message\(s\) of serialized values it sent to be received"),
            run.Describe());
    }

    // A rank that leaves without disposing the environment (Environment.Exit, a return from Main) or whose exception
    // is caught outside the environment's using block, while the others wait for it in Barrier.
    [TestCase(Implementation.OpenMpi, "exit", 3, "exited with code 3 without finalizing MPI")]
    [TestCase(Implementation.Mpich, "exit", 3, "exited with code 3 without finalizing MPI")]
    [TestCase(Implementation.OpenMpi, "return", 3, "exited with code 3 without finalizing MPI")]
    [TestCase(Implementation.Mpich, "return", 3, "exited with code 3 without finalizing MPI")]
    [TestCase(Implementation.OpenMpi, "exit", 256, "exited with code 256 without finalizing MPI")]
    [TestCase(Implementation.Mpich, "exit", 256, "exited with code 256 without finalizing MPI")]
    [TestCase(Implementation.OpenMpi, "throw-caught", 1, "exception left MPI.Environment's scope")]
    [TestCase(Implementation.Mpich, "throw-caught", 1, "exception left MPI.Environment's scope")]
    public void RankLeavingMidJobAbortsTheJobWithItsCode(Implementation implementation, string how, int code, string said)
    {
        var marker = $"marker-{Guid.NewGuid():N}";
        var run = MpiProcess.Launch(implementation, 4, "SpmdChecks", ["leave", "1", how, $"{code}", marker], deadline: Deadline);

        Assert.That(run.TimedOut, Is.False, "the job hung: " + run.Describe());
        // An exit status keeps 8 bits: a code whose low byte is 0 aborts with 1, so the job still fails.
        Assert.That(run.ExitCode, Is.EqualTo((code & 0xFF) != 0 ? code : 1), run.Describe());
        Assert.That(run.Stderr, Does.Contain($"[rank 1 of 4 on {System.Environment.MachineName}] {said}"), run.Describe());
        if (how == "throw-caught")
            Assert.That(run.Stderr, Does.Contain("boom on rank 1"), run.Describe());
        Assert.That(MpiProcess.SurvivorsAfterGrace(marker), Is.Empty, "processes of the job outlived it");
    }

    // An exception handled before the environment is disposed (in the catch block), or thrown before it was created,
    // does not propagate out of its scope: the job finishes normally.
    [TestCase(Implementation.OpenMpi, "dispose-in-catch")]
    [TestCase(Implementation.Mpich, "dispose-in-catch")]
    [TestCase(Implementation.OpenMpi, "using-in-catch")]
    [TestCase(Implementation.Mpich, "using-in-catch")]
    public void AnExceptionHandledAroundTheEnvironmentDoesNotAbortTheJob(Implementation implementation, string how)
    {
        var run = MpiProcess.Launch(implementation, 2, "SpmdChecks", ["leave", "1", how, "0"], deadline: Deadline);

        Assert.That(run.TimedOut, Is.False, "the job hung: " + run.Describe());
        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain("rank 0 done").And.Contain("rank 1 done"), run.Describe());
    }

    // Exit code 0 mid-job is taken as that rank's end: it waits in MPI_Finalize for the others, and says so when that
    // takes long, so a job whose other ranks wait for it does not hang silently.
    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void RankExitingWithZeroMidJobWaitsForTheOthersAndSaysSo(Implementation implementation)
    {
        var run = MpiProcess.Launch(implementation, 3, "SpmdChecks", ["leave-early", "1"], deadline: Deadline);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain("rank 0 finished").And.Contain("rank 2 finished"), run.Describe());
        Assert.That(run.Stderr, Does.Contain("[rank 1 of 3 on").And.Contain("exited with code 0 without disposing MPI.Environment and has waited 10 s in MPI_Finalize"),
            run.Describe());
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
