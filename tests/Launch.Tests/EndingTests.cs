using MPI.Launch;
using MPI.Logging;

namespace Launch.Tests;

/// <summary>
/// How jobs end when a rank does something other than finish: the rank that failed first is named every time, a
/// process a rank left behind does not keep the job running, a rank stuck in MPI_Finalize after the work was done
/// does not either, and a rank that leaves mid-job fails the job with its code.
/// </summary>
[TestFixture]
public sealed class EndingTests : StoreFixture
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    // How many times each failure is repeated: SPMD_TEST_REPEAT, 3 unless told (the note on issue 12 gives 20).
    private static int Repeat => int.TryParse(System.Environment.GetEnvironmentVariable("SPMD_TEST_REPEAT"), out int n) && n > 0 ? n : 3;

    private JobManifest RunToEnd(JobSpec spec)
    {
        using var job = ParallelJob.Start(spec, Store);
        var final = job.Wait(Deadline);
        Assert.That(final, Is.Not.Null, $"job {job.Id} did not end within {Deadline}");
        return final!;
    }

    private static void AssertNothingLeft(string jobId) =>
        Assert.That(ProcessIdentity.WithEnvironment(JobContract.JobIdVariable, jobId), Is.Empty, "processes of the job outlived it");

    // What the job's manifest and the launcher's own records say, for a failed assertion to show.
    private string Story(JobManifest job) => string.Join("\n",
        [$"{job.Id}: {job.State}, exit code {job.ExitCode}, reason: {job.Reason ?? "none"}",
            .. job.RankInfo.Select(rank => $"  {rank}"),
            .. Store.Logs(job.Id).Read().Where(record => record.Rank is null).Select(record => $"  launcher {record.Level}: {record.Message}")]);

    private List<LogRecord> LauncherWarnings(string jobId) =>
        [.. Store.Logs(jobId).Read().Where(record => record.Rank is null && record.Level == "Warning" && (string?)record.Properties["Stream"] == "launcher")];

    // Rank 1 of 2 fails while rank 0 waits in Barrier; mpiexec then ends rank 0 (Hydra with the same signal).
    [TestCase(MpiImplementation.OpenMpi, "kill")]
    [TestCase(MpiImplementation.OpenMpi, "abort")]
    [TestCase(MpiImplementation.OpenMpi, "segv")]
    [TestCase(MpiImplementation.OpenMpi, "exit-now")]
    [TestCase(MpiImplementation.Mpich, "kill")]
    [TestCase(MpiImplementation.Mpich, "abort")]
    [TestCase(MpiImplementation.Mpich, "segv")]
    [TestCase(MpiImplementation.Mpich, "exit-now")]
    public void TheRankThatFailedFirstIsNamedEveryTime(MpiImplementation implementation, string how)
    {
        var reasons = new List<string>();
        for (int run = 0; run < Repeat; run++)
        {
            var job = RunToEnd(LauncherTests.Spec(implementation, "1", how, "1") with { Ranks = 2 });
            Assert.That(job.State, Is.EqualTo(JobState.Failed), job.Reason);
            reasons.Add(job.Reason!);
            Assert.That(job.RankInfo[1].Failure, Is.EqualTo(job.Reason));
            Assert.That(job.RankInfo[0], Has.Property(nameof(RankInfo.EndedWithJob)).True, job.RankInfo[0].Failure);
            AssertNothingLeft(job.Id);
        }
        Assert.That(reasons, Has.All.StartWith("Rank 1 "), string.Join("\n", reasons));
        if (how == "exit-now")
            Assert.That(reasons, Has.All.Contain("exited with code 4 without finalizing MPI"));
    }

    // Ctrl-C in mpiexec's terminal, or SIGINT to mpiexec: Hydra then exits with 0, and the job had been called Completed.
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void InterruptedMpiexecFailsTheJob(MpiImplementation implementation)
    {
        using var job = ParallelJob.Start(LauncherTests.Spec(implementation, "1", "hang") with { Ranks = 2 }, Store);
        Eventually.Holds(() => Store.Logs(job.Id).Read(new LogQuery { Text = "Event 0 from rank" }).Count(record => record.Rank is not null) == 2,
            "both ranks logging");
        var mpiexec = ProcessIdentity.WithEnvironment(JobContract.JobIdVariable, job.Id)
            .Single(pid => File.ReadAllText($"/proc/{pid}/comm").Trim().StartsWith("mpiexec", StringComparison.Ordinal));

        Assert.That(Command.Run("kill", ["-INT", mpiexec.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExitCode, Is.Zero);
        var final = job.Wait(Deadline);

        Assert.That(final, Is.Not.Null, $"job {job.Id} did not end within {Deadline}");
        Assert.That(final!.State, Is.EqualTo(JobState.Failed), final.Reason);
        AssertNothingLeft(job.Id);
    }

    [TestCase(MpiImplementation.OpenMpi, "helper")]
    [TestCase(MpiImplementation.OpenMpi, "detached")]
    [TestCase(MpiImplementation.Mpich, "helper")]
    [TestCase(MpiImplementation.Mpich, "detached")]
    public void AProcessARankLeftBehindDoesNotKeepTheJobRunning(MpiImplementation implementation, string how)
    {
        var job = RunToEnd(LauncherTests.Spec(implementation, "1", how, "0") with { Ranks = 2, TimeLimit = TimeSpan.FromSeconds(60) });

        Assert.That(job.State, Is.EqualTo(JobState.Completed), job.Reason);
        Assert.That(job.RankInfo.All(rank => rank is { Finished: true, Failure: null }), Is.True);
        Assert.That(LauncherWarnings(job.Id).Select(record => record.Message),
            Has.Some.Match(@"^Process \d+ \(sleep 300\), started by the job, .*: ended by the launcher\.$"));
        AssertNothingLeft(job.Id);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void RanksStuckInFinalizeAfterTheWorkIsDoneAreEndedAndTheJobCompletes(MpiImplementation implementation)
    {
        var job = RunToEnd(LauncherTests.Spec(implementation, "1", "finalize-hang", "1") with
        {
            Ranks = 2,
            FinalizeGrace = TimeSpan.FromSeconds(3),
            TimeLimit = TimeSpan.FromSeconds(60),
        });

        var story = Story(job);
        Assert.That(job.State, Is.EqualTo(JobState.Completed), story);
        Assert.That(job.ExitCode, Is.Zero, story);
        Assert.That(job.RankInfo.All(rank => rank is { Finished: true, Failure: null }), Is.True, story);
        Assert.That(job.RankInfo[1].Note, Does.Contain("Still in MPI_Finalize"), story);
        var warnings = LauncherWarnings(job.Id).Where(record => record.Message.Contains("MPI_Finalize", StringComparison.Ordinal)).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1), story);
        Assert.That(warnings[0].Message, Does.Contain($"Rank 1 (pid {job.RankInfo[1].ProcessId} on").And.Contain("ended by the launcher"), story);
        AssertNothingLeft(job.Id);
    }

    // An mpiexec that does not end once every rank has (Open MPI's can miss ranks killed at once and wait for them for
    // good): here a real one, stopped (SIGSTOP) while its ranks work. Under either MPI the ranks then hang in
    // MPI_Finalize, which needs mpiexec, and are ended; then mpiexec is.
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void AnMpiexecThatDoesNotEndAfterItsRanksIsEndedAndTheJobCompletes(MpiImplementation implementation)
    {
        var release = Path.Combine(StoreRoot, "release");
        using var job = ParallelJob.Start(LauncherTests.Spec(implementation, "1", "after-file") with
        {
            Ranks = 2,
            FinalizeGrace = TimeSpan.FromSeconds(3),
            TimeLimit = TimeSpan.FromSeconds(60),
            Environment = new Dictionary<string, string> { ["SPMD_RELEASE_FILE"] = release },
        }, Store);
        Eventually.Holds(() => Store.Logs(job.Id).Read(new LogQuery { Text = "Event 0 from rank" }).Count(record => record.Rank is not null) == 2,
            "both ranks logging");
        var mpiexec = ProcessIdentity.WithEnvironment(JobContract.JobIdVariable, job.Id)
            .Single(pid => File.ReadAllText($"/proc/{pid}/comm").Trim().StartsWith("mpiexec", StringComparison.Ordinal));
        Assert.That(Command.Run("kill", ["-STOP", mpiexec.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExitCode, Is.Zero);
        File.WriteAllText(release, "");

        var final = job.Wait(Deadline);

        Assert.That(final, Is.Not.Null, $"job {job.Id} did not end within {Deadline}");
        var story = Story(final!);
        Assert.That(final!.State, Is.EqualTo(JobState.Completed), story);
        Assert.That(final.ExitCode, Is.Zero, story);
        Assert.That(final.RankInfo.All(rank => rank is { Finished: true, Failure: null }), Is.True, story);
        Assert.That(LauncherWarnings(job.Id).Select(record => record.Message),
            Has.One.Match(@"^mpiexec\.\w+ still ran 00:00:08 after every rank had ended: ended by the launcher\.$"), story);
        AssertNothingLeft(job.Id);
    }

    // mpiexec that fails before any rank starts: the reason quotes its explanation (or the program's).
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void AFailureBeforeAnyRankStartsQuotesTheCause(MpiImplementation implementation)
    {
        var bogus = Path.Combine(StoreRoot, "bogus.dll");
        Directory.CreateDirectory(StoreRoot);
        File.WriteAllText(bogus, "not an assembly");
        var job = RunToEnd(LauncherTests.Spec(implementation) with { Program = bogus, Arguments = [], Ranks = 1 });

        Assert.That(job.State, Is.EqualTo(JobState.Failed));
        // What dotnet said about the file that is no application.
        Assert.That(job.Reason, Does.Match(@"^mpiexec\.\w+ exited with code \d+ before any rank started: A fatal error was encountered\."), job.Reason);
    }

    [Test]
    public void OpenMpiAsRootWithoutPermissionSaysWhyAndHowToAllowIt()
    {
        if (System.Environment.UserName != "root")
            Assert.Ignore("Open MPI refuses only root.");
        string[] variables = ["OMPI_ALLOW_RUN_AS_ROOT", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"];
        var saved = variables.ToDictionary(name => name, System.Environment.GetEnvironmentVariable);
        try
        {
            foreach (var name in variables)
                System.Environment.SetEnvironmentVariable(name, null);
            var refused = RunToEnd(LauncherTests.Spec(MpiImplementation.OpenMpi, "1") with { Ranks = 2 });
            Assert.That(refused.State, Is.EqualTo(JobState.Failed));
            Assert.That(refused.Reason, Does.StartWith("mpiexec.openmpi exited with code 1 before any rank started: mpiexec.openmpi has detected an attempt to run as root.")
                .And.Contain("OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1").And.Contain("-AllowRunAsRoot"), refused.Reason);

            var allowed = RunToEnd(LauncherTests.Spec(MpiImplementation.OpenMpi, "1") with { Ranks = 2, AllowRunAsRoot = true });
            Assert.That(allowed.State, Is.EqualTo(JobState.Completed), allowed.Reason);
            Assert.That(allowed.CommandLine, Does.Contain("--allow-run-as-root"));
        }
        finally
        {
            foreach (var (name, value) in saved)
                System.Environment.SetEnvironmentVariable(name, value);
        }
    }
}
