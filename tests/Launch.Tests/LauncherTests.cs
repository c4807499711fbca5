using System.Diagnostics;
using MPI.Launch;
using MPI.Logging;

namespace Launch.Tests;

/// <summary>Real jobs through the launcher on both implementations: every ending, the records it keeps, and what is left.</summary>
[TestFixture]
public sealed class LauncherTests : StoreFixture
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    internal static JobSpec Spec(MpiImplementation implementation, params string[] arguments) => new()
    {
        Program = Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll"),
        Arguments = ["logjob", .. arguments],
        Ranks = 4,
        Implementation = implementation,
        StartupDeadline = TimeSpan.FromSeconds(60),
    };

    private JobManifest RunToEnd(JobSpec spec)
    {
        using var job = ParallelJob.Start(spec, Store);
        var final = job.Wait(Deadline);
        Assert.That(final, Is.Not.Null, $"job {job.Id} did not end within {Deadline}");
        return final!;
    }

    // What mpiexec itself printed, for failure messages.
    private string MpiexecSaid(string jobId) =>
        string.Join('\n', Store.Logs(jobId).Read().Where(record => record.Rank is null).Select(record => record.Message));

    private static void AssertNothingLeft(string jobId) =>
        Assert.That(ProcessIdentity.WithEnvironment(JobContract.JobIdVariable, jobId), Is.Empty, "processes of the job outlived it");

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void CompletedJobKeepsEveryRankRecord(MpiImplementation implementation)
    {
        var job = RunToEnd(Spec(implementation, "5", "complete"));

        Assert.That(job.State, Is.EqualTo(JobState.Completed), job.Reason);
        Assert.That(job.ExitCode, Is.Zero);
        Assert.That(job.RankInfo.Select(rank => rank.Rank), Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(job.RankInfo.All(rank => rank.ProcessId > 0 && rank.Host == System.Environment.MachineName));
        Assert.That(job.RankInfo.All(rank => rank is { Finished: true, ExitCode: 0, Signal: null, Failure: null }), Is.True);
        var log = Store.Logs(job.Id);
        for (int rank = 0; rank < 4; rank++)
        {
            var records = log.Read(new LogQuery { Rank = rank });
            Assert.That(records.Count(r => r.Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(5), $"rank {rank}");
            Assert.That(records.Any(r => r.Message == $"plain output from rank {rank}" && (string?)r.Properties["Stream"] == "stdout"
                && r.Host == System.Environment.MachineName));
            Assert.That(records.All(r => r.Rank == rank));
        }
        var merged = log.Read();
        Assert.That(merged.Select(r => r.Timestamp), Is.Ordered);
        Assert.That(merged.Where(r => r.Template is not null).All(r => (string?)r.Properties[JobContract.JobIdProperty] == job.Id));
        AssertNothingLeft(job.Id);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void RankThatThrowsFailsTheJobAndNamesIt(MpiImplementation implementation)
    {
        var job = RunToEnd(Spec(implementation, "3", "throw", "2"));

        Assert.That(job.State, Is.EqualTo(JobState.Failed));
        Assert.That(job.Reason, Does.Contain("Rank 2").And.Contain("deliberate failure on rank 2"));
        // The abort's error code, from mpiexec's report.
        Assert.That(job.RankInfo[2], Has.Property(nameof(RankInfo.ExitCode)).EqualTo(1).And.Property(nameof(RankInfo.Failure)).EqualTo(job.Reason),
            MpiexecSaid(job.Id));
        var records = Store.Logs(job.Id).Read(new LogQuery { Rank = 2 });
        Assert.That(records.Count(r => r.Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(3));
        Assert.That(records.Any(r => r.Level == "Fatal" && r.Exception!.Contains("deliberate failure", StringComparison.Ordinal)));
        AssertNothingLeft(job.Id);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void KilledRankFailsTheJobAndKeepsItsRecords(MpiImplementation implementation)
    {
        var job = RunToEnd(Spec(implementation, "3", "kill", "2"));

        Assert.That(job.State, Is.EqualTo(JobState.Failed));
        if (implementation == MpiImplementation.OpenMpi)
        {
            var killed = job.RankInfo[2];
            Assert.That(job.Reason, Is.EqualTo($"{killed.Describe()} was killed by signal 9 (Killed)."));
            Assert.That(killed, Is.EqualTo(new RankInfo(2, System.Environment.MachineName, killed.ProcessId) { Signal = 9, Failure = job.Reason }));
            Assert.That(job.RankInfo.Where(rank => rank.Rank != 2).Select(rank => (rank.Failure, rank.EndedWithJob)),
                Is.All.EqualTo(("Ended without finishing when the job ended Failed.", true)));
        }
        else
        {
            // Hydra kills the other ranks with the same signal within milliseconds and then names one of them, not
            // always the first; the launcher names the rank that ended first (see ParallelJob.FirstToEnd).
            Assert.That(job.Reason, Does.Match(@"^Rank 2 \(pid \d+ on \S+\) (was killed by signal 9 \(Killed\)|ended without finishing(: Killed \(signal 9\))?)\.$"), job.Reason);
            Assert.That(job.RankInfo.Where(rank => rank.Rank != 2).Select(rank => rank.EndedWithJob), Has.All.True);
        }
        Assert.That(job.RankInfo.Any(rank => rank.Finished), Is.False);
        // The killed rank's record file grew ahead of its records; once the job ended it holds its records only.
        var recordFile = File.ReadAllBytes(Path.Combine(Store.JobDirectory(job.Id), JobContract.RecordFile(2)));
        Assert.That(recordFile, Is.Not.Empty.And.No.Member((byte)0));
        Assert.That(recordFile[^1], Is.EqualTo((byte)'\n'));
        var records = Store.Logs(job.Id).Read(new LogQuery { Rank = 2 });
        Assert.That(records.Count(r => r.Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(3));
        AssertNothingLeft(job.Id);
    }

    // Ranks that cannot see the job store (as on a node without the launcher's filesystem) ship their records
    // through mpiexec's output forwarding instead, and lose nothing either way.
    [TestCase(MpiImplementation.OpenMpi, "complete")]
    [TestCase(MpiImplementation.OpenMpi, "throw")]
    [TestCase(MpiImplementation.Mpich, "complete")]
    [TestCase(MpiImplementation.Mpich, "throw")]
    public void RanksWithoutTheLaunchersFilesystemShipRecordsThroughMpiexec(MpiImplementation implementation, string ending)
    {
        var direct = Spec(implementation, "3", ending, "2");
        var hidden = direct with
        {
            Program = "unshare",
            Arguments = ["--mount", "sh", Path.Combine(TestContext.CurrentContext.TestDirectory, "hide-directory.sh"), StoreRoot,
                "dotnet", direct.Program, .. direct.Arguments],
        };
        var job = RunToEnd(hidden);

        if (ending == "complete")
            Assert.That(job.State, Is.EqualTo(JobState.Completed), job.Reason);
        else
            Assert.That(job.Reason, Does.Contain("Rank 2").And.Contain("deliberate failure on rank 2"));
        Assert.That(Directory.EnumerateFiles(Store.JobDirectory(job.Id)).Select(Path.GetFileName),
            Has.None.Match(@"^rank-\d+\.clef$"), "a rank wrote to the job store directly");
        var log = Store.Logs(job.Id);
        for (int rank = 0; rank < 4; rank++)
        {
            var events = log.Read(new LogQuery { Rank = rank, Text = "Event " });
            Assert.That(events.Where(r => r.Template == "Event {Number} from rank {From}").Select(r => r.Properties["Number"]),
                Is.EqualTo(new object[] { 0L, 1L, 2L }), $"rank {rank}");
            Assert.That(events.All(r => r.Host == System.Environment.MachineName && (string?)r.Properties[JobContract.JobIdProperty] == job.Id));
        }
        if (ending == "throw")
            Assert.That(log.Read(new LogQuery { Rank = 2, MinimumLevel = "Fatal" }).Single().Exception, Does.Contain("deliberate failure"));
        Assert.That(job.RankInfo, Has.Count.EqualTo(4));
        AssertNothingLeft(job.Id);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void NonZeroExitCodeFailsTheJobAndIsKeptPerRank(MpiImplementation implementation)
    {
        var job = RunToEnd(Spec(implementation, "2", "exit", "2"));

        Assert.That(job.State, Is.EqualTo(JobState.Failed));
        Assert.That(job.ExitCode, Is.EqualTo(3));
        Assert.That(job.Reason, Is.EqualTo($"{job.RankInfo[2].Describe()} exited with code 3."));
        Assert.That(job.RankInfo[2].ExitCode, Is.EqualTo(3));
        // The others exit with 0, or have no code when mpiexec, on rank 2's, ended them (their work done) before they said theirs.
        Assert.That(job.RankInfo.Where(rank => rank.Rank != 2).Select(rank => rank.ExitCode ?? 0), Has.All.Zero);
        Assert.That(job.RankInfo.All(rank => rank.Finished), Is.True);
        Assert.That(Store.Logs(job.Id).Read(new LogQuery { Rank = 2, Text = "exited with code 3" }), Has.Count.EqualTo(1));
        AssertNothingLeft(job.Id);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void JobOverItsTimeLimitIsStopped(MpiImplementation implementation)
    {
        using var running = ParallelJob.Start(Spec(implementation, "2", "hang") with { TimeLimit = TimeSpan.FromSeconds(8) }, Store);
        // The limit counts from the start, and a loaded machine may take longer than that to start the ranks: the
        // records checked are those the job's log showed before its end, whenever that came.
        var before = Eventually.Produces(() => LastEvents(running.Id) is var seen && (seen.Count == 4 || running.Completion.IsCompleted) ? seen : null,
            "every rank's last event, or the job's end");
        var job = running.Wait(Deadline);

        Assert.That(job, Is.Not.Null, $"job {running.Id} did not end within {Deadline}");
        Assert.That(job!.State, Is.EqualTo(JobState.TimedOut), job.Reason);
        Assert.That(job.Reason, Does.Contain("time limit"));
        Assert.That(LastEvents(job.Id), Is.SupersetOf(before), "records logged before the job was stopped are gone");
        AssertEveryRankEndedWithTheJob(job);
        AssertNothingLeft(job.Id);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void ARankThatFinishedBeforeTheJobWasStoppedCompletedUnderEitherMpi(MpiImplementation implementation)
    {
        // Rank 2 finishes and waits in MPI_Finalize for ranks 0 and 1, which never get there; then the job is stopped.
        using var running = ParallelJob.Start(Spec(implementation, "1", "finish-early", "2") with { Ranks = 3 }, Store);
        Eventually.Holds(() => Store.Logs(running.Id).Read(new LogQuery { Rank = 2, Text = "Rank 2 finished" }).Count > 0, "rank 2 finished");
        running.Stop();
        var job = running.Wait(Deadline);

        Assert.That(job, Is.Not.Null, "the job did not end");
        Assert.That(job!.State, Is.EqualTo(JobState.Stopped), job.Reason);
        var finished = job.RankInfo.Single(rank => rank.Rank == 2);
        Assert.That((finished.Finished, finished.Failure, finished.EndedWithJob), Is.EqualTo((true, (string?)null, false)),
            "the rank that finished its work reads as failed or stopped");
        Assert.That(finished.Note, Does.Contain("MPI_Finalize"));
        Assert.That(job.RankInfo.Where(rank => rank.Rank != 2).Select(rank => rank.EndedWithJob), Is.All.True, "the ranks that never finished");
        AssertNothingLeft(job.Id);
    }

    // Ranks a stop or time limit ended were ended by the job's end, not failed (Hydra reports one of them as killed
    // by the SIGTERM the stop sent).
    private static void AssertEveryRankEndedWithTheJob(JobManifest job) =>
        Assert.That(job.RankInfo.Where(rank => !rank.EndedWithJob).Select(rank => $"rank {rank.Rank}: {rank.Failure}"), Is.Empty,
            "ranks the job's end ended read as failed");

    // The messages of the "Event 1" records (the last of a "hang" job's 2) in the job's log, one per rank that wrote it.
    private List<string> LastEvents(string jobId) =>
        [.. Store.Logs(jobId).Read(new LogQuery { Text = "Event 1 from rank" }).Where(r => r.Rank is not null).Select(r => r.Message)];

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void StoppedJobEndsStoppedWithNothingLeft(MpiImplementation implementation)
    {
        using var job = ParallelJob.Start(Spec(implementation, "2", "hang"), Store);
        Eventually.Holds(() => job.Manifest.State == JobState.Running, "the job running");
        job.Stop();
        var final = job.Wait(Deadline);

        Assert.That(final!.State, Is.EqualTo(JobState.Stopped));
        Assert.That(Store.TryGet(job.Id)!.State, Is.EqualTo(JobState.Stopped));
        AssertEveryRankEndedWithTheJob(final);
        AssertNothingLeft(job.Id);
    }

    [Test]
    public void DisposingTheLauncherOfARunningJobStopsIt()
    {
        string id;
        using (var job = ParallelJob.Start(Spec(MpiImplementation.Mpich, "2", "hang"), Store))
        {
            id = job.Id;
            Eventually.Holds(() => job.Manifest.State == JobState.Running, "the job running");
        }

        Assert.That(Store.TryGet(id)!.State, Is.EqualTo(JobState.Stopped));
        AssertNothingLeft(id);
    }

    // Runs the second process that works on the store; returns what it printed.
    private string JobStoreReader(params string[] arguments)
    {
        var result = Command.Run("dotnet", [Path.Combine(TestContext.CurrentContext.TestDirectory, "JobStoreReader.dll"), StoreRoot, .. arguments]);
        Assert.That(result.ExitCode, Is.Zero, result.Error);
        return result.Output;
    }

    [Test]
    public void AnotherProcessReadsTheStore()
    {
        var job = RunToEnd(Spec(MpiImplementation.Mpich, "4", "complete"));

        // 4 ranks × (4 events + started + finished + finalized + exited + plain line) = 36 records.
        Assert.That(JobStoreReader(), Does.Contain($"{job.Id} Completed ranks=4 records=36"));
    }

    [TestCase(MpiImplementation.Mpich, false)]
    [TestCase(MpiImplementation.OpenMpi, true)]
    public void AnotherProcessStopsTheJobThroughTheStore(MpiImplementation implementation, bool force)
    {
        using var job = ParallelJob.Start(Spec(implementation, "2", "hang"), Store);
        // Running means every rank started; their events come after that.
        Eventually.Holds(() => LastEvents(job.Id).Count == 4, "every rank's last event");
        Assert.That(JobStoreReader(force ? ["stop", job.Id, "force"] : ["stop", job.Id]), Does.Contain("stop requested"));
        var final = job.Wait(Deadline);

        Assert.That(final, Is.Not.Null, $"job {job.Id} did not end within {Deadline}");
        Assert.That(final!.State, Is.EqualTo(JobState.Stopped), final.Reason);
        Assert.That(Store.Logs(job.Id).Read(new LogQuery { Text = "Event 1 from rank 3" }), Has.Count.EqualTo(1));
        AssertNothingLeft(job.Id);
        Assert.That(JobStoreReader("stop", job.Id), Does.Contain("already ended"));
    }

    [Test]
    public void JobWhoseLauncherDiedIsNotLeftRunning()
    {
        using var gone = Process.Start("true")!;
        gone.WaitForExit();
        var id = "orphaned-job";
        Directory.CreateDirectory(Store.JobDirectory(id));
        Store.Save(new JobManifest
        {
            Id = id,
            Spec = Spec(MpiImplementation.Mpich, "1"),
            Command = ["mpiexec.mpich"],
            CommandLine = "mpiexec.mpich",
            State = JobState.Running,
            Created = DateTimeOffset.UtcNow,
            LauncherProcessId = gone.Id,
            LauncherStartTicks = 1,
        });

        var job = Store.TryGet(id)!;
        Assert.That(job.State, Is.EqualTo(JobState.Failed));
        Assert.That(job.Reason, Does.Contain($"launcher (process {gone.Id}) ended while the job was Running"));
    }

    [Test]
    public void LogQueriesFilterByRankLevelTextAndCount()
    {
        var job = RunToEnd(Spec(MpiImplementation.Mpich, "6", "complete"));
        var log = Store.Logs(job.Id);

        Assert.That(log.Read(new LogQuery { Rank = 1, Text = "event" }), Has.Count.EqualTo(6));
        Assert.That(log.Read(new LogQuery { Last = 3 }), Has.Count.EqualTo(3));
        Assert.That(log.Read(new LogQuery { MinimumLevel = "Warning" }).Where(r => r.Rank is not null), Is.Empty);
        Assert.That(log.Read(new LogQuery { From = DateTimeOffset.UtcNow.AddDays(1) }), Is.Empty);
        var followed = log.Follow(new LogQuery { Rank = 0 }).ToBlockingEnumerable().ToList();
        Assert.That(followed.Count(r => r.Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(6));
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void RanksThatNeverStartMissTheStartupDeadline(MpiImplementation implementation)
    {
        var spec = Spec(implementation) with { Arguments = ["stall-before-init"], StartupDeadline = TimeSpan.FromSeconds(5) };
        var job = RunToEnd(spec);

        Assert.That(job.State, Is.EqualTo(JobState.TimedOut));
        Assert.That(job.Reason, Does.Contain("Only 0 of 4 ranks started within the startup deadline"));
        AssertNothingLeft(job.Id);
    }

    [Test]
    public void ConcurrentJobsAndReadersKeepTheStoreWhole()
    {
        var jobs = Enumerable.Range(0, 3)
            .Select(_ => ParallelJob.Start(Spec(MpiImplementation.Mpich, "20", "complete") with { Ranks = 1 }, Store))
            .ToList();
        int reads = 0;
        // Each reader reads at least once, however late it gets to run.
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            do
            {
                foreach (var listed in Store.List())
                    _ = Store.Logs(listed.Id).Read().Count;
                Interlocked.Increment(ref reads);
            }
            while (jobs.Any(job => !job.Completion.IsCompleted));
        })).ToArray();
        foreach (var job in jobs)
        {
            Assert.That(job.Wait(Deadline)?.State, Is.EqualTo(JobState.Completed));
            job.Dispose();
        }
        Assert.That(Task.WaitAll(readers, Deadline), Is.True);

        Assert.That(reads, Is.Positive);
        Assert.That(Store.List().Select(job => job.State), Is.EqualTo(Enumerable.Repeat(JobState.Completed, 3)));
        Assert.That(Store.List().Select(job => Store.Logs(job.Id).Read().Count(r => r.Message.StartsWith("Event ", StringComparison.Ordinal))),
            Is.EqualTo(new[] { 20, 20, 20 }));
    }
}
