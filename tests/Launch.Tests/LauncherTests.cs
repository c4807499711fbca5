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
        var log = Store.Logs(job.Id);
        for (int rank = 0; rank < 4; rank++)
        {
            var records = log.Read(new LogQuery { Rank = rank });
            Assert.That(records.Count(r => r.Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(5), $"rank {rank}");
            Assert.That(records.Any(r => r.Message == $"plain output from rank {rank}" && (string?)r.Properties["Stream"] == "stdout"));
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
            Assert.That(job.Reason, Does.Contain("Rank 2").And.Contain("signal 9"), job.Reason);
        }
        else
        {
            // Hydra names none of the ranks and kills the others within milliseconds; the launcher names the first
            // rank it saw end, which is rank 2 almost always but not always (see ParallelJob.FirstToEnd).
            Assert.That(job.Reason, Does.Match(@"^Rank [0-3] \(pid \d+ on \S+\) ended without finishing: Killed \(signal 9\)\.$"), job.Reason);
        }
        var records = Store.Logs(job.Id).Read(new LogQuery { Rank = 2 });
        Assert.That(records.Count(r => r.Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(3));
        AssertNothingLeft(job.Id);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void JobOverItsTimeLimitIsStopped(MpiImplementation implementation)
    {
        var job = RunToEnd(Spec(implementation, "2", "hang") with { TimeLimit = TimeSpan.FromSeconds(8) });

        Assert.That(job.State, Is.EqualTo(JobState.TimedOut));
        Assert.That(job.Reason, Does.Contain("time limit"));
        Assert.That(Store.Logs(job.Id).Read(new LogQuery { Text = "Event 1 from rank 3" }), Has.Count.EqualTo(1));
        AssertNothingLeft(job.Id);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void StoppedJobEndsStoppedWithNothingLeft(MpiImplementation implementation)
    {
        using var job = ParallelJob.Start(Spec(implementation, "2", "hang"), Store);
        var watch = Stopwatch.StartNew();
        while (job.Manifest.State != JobState.Running && watch.Elapsed < Deadline)
            Thread.Sleep(50);
        Assert.That(job.Manifest.State, Is.EqualTo(JobState.Running));
        job.Stop();
        var final = job.Wait(Deadline);

        Assert.That(final!.State, Is.EqualTo(JobState.Stopped));
        Assert.That(Store.TryGet(job.Id)!.State, Is.EqualTo(JobState.Stopped));
        AssertNothingLeft(job.Id);
    }

    [Test]
    public void AnotherProcessReadsTheStore()
    {
        var job = RunToEnd(Spec(MpiImplementation.Mpich, "4", "complete"));
        var reader = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        reader.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "JobStoreReader.dll"));
        reader.ArgumentList.Add(StoreRoot);
        using var process = Process.Start(reader)!;
        var output = process.StandardOutput.ReadToEnd();
        Assert.That(process.WaitForExit(60_000), Is.True);

        // 4 ranks × (4 events + started + finished + plain line) = 28 records.
        Assert.That(output, Does.Contain($"{job.Id} Completed ranks=4 records=28"), process.StandardError.ReadToEnd());
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
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (jobs.Any(job => !job.Completion.IsCompleted))
            {
                foreach (var listed in Store.List())
                    _ = Store.Logs(listed.Id).Read().Count;
                Interlocked.Increment(ref reads);
            }
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
