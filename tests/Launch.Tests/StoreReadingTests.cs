using System.Diagnostics;
using MPI.Launch;

namespace Launch.Tests;

/// <summary>
/// Reading the store is a pure read: it runs no scheduler command and writes no manifest. Reconciling with what is
/// outside the store is a step of its own, which asks the scheduler once for all batch jobs. Environment failures
/// are exceptions of their own, not bad arguments.
/// </summary>
[TestFixture]
public sealed class StoreReadingTests : StoreFixture
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private JobManifest Record(string id, JobState state, BatchSubmission? batch = null, int? launcher = null, string? host = null)
    {
        Directory.CreateDirectory(Store.JobDirectory(id));
        var manifest = new JobManifest
        {
            Id = id,
            Spec = LauncherTests.Spec(MpiImplementation.Mpich, "1", "complete"),
            Command = ["mpiexec.mpich"],
            CommandLine = "mpiexec.mpich",
            State = state,
            Created = DateTimeOffset.UtcNow,
            Ended = state is JobState.Completed ? DateTimeOffset.UtcNow : null,
            LauncherProcessId = launcher ?? System.Environment.ProcessId,
            LauncherStartTicks = launcher is null ? ProcessIdentity.StartTicks(System.Environment.ProcessId) : 1,
            LauncherHost = host ?? System.Environment.MachineName,
            Batch = batch,
        };
        Store.Save(manifest);
        return manifest;
    }

    private static BatchSubmission Slurm(string batchId) => new(BatchJobs.Slurm, batchId, new BatchOptions());

    private static int DeadProcess()
    {
        using var gone = Process.Start("true")!;
        gone.WaitForExit();
        return gone.Id;
    }

    // A finished job, a queued and a running batch job, and a job whose launcher on this machine is gone.
    private void RecordMixedJobs()
    {
        Record("finished", JobState.Completed);
        Record("queued", JobState.Queued, Slurm("4242"));
        Record("running-batch", JobState.Running, Slurm("4243"), host: "node7");
        Record("orphaned", JobState.Running, launcher: DeadProcess());
    }

    [Test]
    public void ReadingRunsNoSchedulerCommandAndWritesNoManifest()
    {
        RecordMixedJobs();
        var before = FileSnapshot.Of(StoreRoot, "manifest.json");
        using var scheduler = new RecordedCommands("squeue", "sacct", "scancel", "sbatch");

        var listed = Store.List();
        foreach (var id in Store.Ids())
        {
            Assert.That(Store.TryGet(id), Is.Not.Null);
            _ = Store.Logs(id).Read();
        }

        Assert.That(scheduler.Calls, Is.Empty);
        Assert.That(FileSnapshot.Of(StoreRoot, "manifest.json").ChangedSince(before), Is.Empty);
        Assert.That(listed.Select(job => (job.Id, job.State)), Is.EquivalentTo(new[]
        {
            ("finished", JobState.Completed), ("queued", JobState.Queued), ("running-batch", JobState.Running), ("orphaned", JobState.Failed),
        }), "a job whose launcher is gone reads as Failed");
        Assert.That(listed.Single(job => job.Id == "orphaned").Reason, Does.Contain("ended while the job was Running"));
    }

    [Test]
    public void ReconcilingAsksTheSchedulerOnceForAllBatchJobsAndRecordsTheOrphan()
    {
        RecordMixedJobs();
        var before = FileSnapshot.Of(StoreRoot, "manifest.json");
        using var scheduler = new RecordedCommands("squeue", "sacct");

        var reconciled = Store.Reconcile(Store.Ids());

        // The recorded squeue knows no job (it fails), so sacct is asked, once, for both.
        Assert.That(scheduler.Calls, Is.EqualTo(new[]
        {
            "squeue -h -j 4242,4243 -o %i|%T",
            "sacct -n -X -P -j 4242,4243 -o JobID,State,ExitCode",
        }).Or.EqualTo(new[]
        {
            "squeue -h -j 4243,4242 -o %i|%T",
            "sacct -n -X -P -j 4243,4242 -o JobID,State,ExitCode",
        }));
        Assert.That(reconciled.Select(job => job.Id), Is.EquivalentTo(new[] { "finished", "queued", "running-batch", "orphaned" }));
        // Only the orphan's record changed: the scheduler said nothing of the batch jobs.
        Assert.That(FileSnapshot.Of(StoreRoot, "manifest.json").ChangedSince(before), Is.EqualTo(new[] { Path.Combine(Store.JobDirectory("orphaned"), "manifest.json") }));
        Assert.That(File.ReadAllText(Path.Combine(Store.JobDirectory("orphaned"), "manifest.json")), Does.Contain("\"State\": \"Failed\""));
    }

    [Test]
    public void WatcherSaysWhichJobAnotherProcessChanged()
    {
        Record("running", JobState.Running, host: "elsewhere");
        using var watcher = new JobStoreWatcher(Store);
        using var changed = new ManualResetEventSlim();
        string? seen = null;
        watcher.JobChanged += id =>
        {
            seen = id;
            changed.Set();
        };
        var manifest = Path.Combine(Store.JobDirectory("running"), "manifest.json");
        var replacement = Path.Combine(StoreRoot, "replacement.json");
        File.WriteAllText(replacement, File.ReadAllText(manifest).Replace("\"Running\"", "\"Completed\"", StringComparison.Ordinal));

        Assert.That(Command.Run("mv", [replacement, manifest]).ExitCode, Is.Zero);

        Assert.That(changed.Wait(Deadline), Is.True, "no event for the replaced manifest");
        Assert.That(seen, Is.EqualTo("running"));
        Assert.That(Store.TryGet("running")!.State, Is.EqualTo(JobState.Completed));
    }

    // A follower goes by the store (it may be in another process): the job's end is there once the launcher has
    // written it, and the launcher's Completion follows only after that, once every ManifestChanged handler has
    // returned. Holding the handler of the final record until the follower has ended makes the follower see the end
    // before Completion every time, as it may in any run.
    [Test]
    public void FollowingARunningJobEndsWithItsEndAndEveryRecord()
    {
        using var followerEnded = new ManualResetEventSlim();
        using var job = ParallelJob.Start(LauncherTests.Spec(MpiImplementation.Mpich, "5", "complete"), Store);
        job.ManifestChanged += (_, written) =>
        {
            if (written.IsFinished)
                followerEnded.Wait(Deadline);
        };

        var followed = Store.Logs(job.Id).Follow().ToBlockingEnumerable().ToList();
        followerEnded.Set();

        Assert.That(Store.TryGet(job.Id)!.IsFinished, Is.True, "the follower ended before the job's end was recorded");
        var final = job.Wait(Deadline);
        Assert.That(final, Is.Not.Null, "the job did not end");
        Assert.That(final!.State, Is.EqualTo(JobState.Completed), final.Reason);
        Assert.That(followed.Count(record => record.Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(5 * 4));
    }

    [TestCase("")]
    [TestCase("{\"Id\":\"x\"}")]
    [TestCase("{\"Id\": \"trunc")]
    public void AnUnreadableManifestReadsAsAFailedJobAndHidesNoOther(string content)
    {
        Record("good", JobState.Completed);
        Directory.CreateDirectory(Store.JobDirectory("bad"));
        File.WriteAllText(Path.Combine(Store.JobDirectory("bad"), "manifest.json"), content);

        var jobs = Store.List();

        Assert.That(jobs.Select(job => job.Id), Is.EquivalentTo(new[] { "good", "bad" }));
        var bad = Store.TryGet("bad")!;
        Assert.That(bad.State, Is.EqualTo(JobState.Failed));
        Assert.That(bad.Reason, Does.Contain("cannot be read").And.Contain("manifest.json"));
        Store.Remove("bad");
        Assert.That(Store.List().Select(job => job.Id), Is.EqualTo(new[] { "good" }));
    }

    // detached-hang: once mpiexec has ended, the launcher still has a process a rank left to end and name, in a log
    // file it has not opened yet.
    [TestCase(MpiImplementation.OpenMpi, "hang")]
    [TestCase(MpiImplementation.Mpich, "hang")]
    [TestCase(MpiImplementation.OpenMpi, "detached-hang")]
    [TestCase(MpiImplementation.Mpich, "detached-hang")]
    public void RemovingARunningJobsDirectoryFailsTheJobAndLeavesNothing(MpiImplementation implementation, string ending)
    {
        using var job = ParallelJob.Start(LauncherTests.Spec(implementation, "2", ending, "0"), Store);
        Eventually.Holds(() => job.Manifest.State == JobState.Running, "the job running");

        JobDirectory.Remove(Store.JobDirectory(job.Id));
        var final = job.Wait(Deadline);

        // This process (the launcher's) is still here to say so; the ranks were ended.
        Assert.That(final, Is.Not.Null, "the job did not end");
        Assert.That(final!.State, Is.EqualTo(JobState.Failed));
        Assert.That(final.Reason, Does.Contain("could not be read"));
        Eventually.Holds(() => !ProcessIdentity.WithEnvironment(MPI.Logging.JobContract.JobIdVariable, job.Id).Any(),
            "the job's processes ending");
    }

    // rm -rf of a job directory while its log is read, as a job's follower reads it on every change in the directory
    // (the removal's own included): the readers give what they could read and throw nothing, and Follow ends. A
    // follower that threw stopped following, and its job never ended for its waiters. Rounds, for the race to be hit.
    [Test]
    public void ReadingTheLogOfAJobWhoseDirectoryIsBeingRemovedThrowsNothing()
    {
        const string Line = "{\"@t\":\"2026-12-02T12:00:00.0000000Z\",\"@mt\":\"Event\",\"Rank\":0}\n";
        for (int round = 0; round < 100; round++)
        {
            var id = $"removed-{round}";
            Record(id, JobState.Running);
            var directory = Store.JobDirectory(id);
            var attempt = Path.Combine(directory, "attempts", $"{id}.1");
            Directory.CreateDirectory(attempt);
            for (int rank = 0; rank < 32; rank++)
            {
                File.WriteAllText(Path.Combine(directory, MPI.Logging.JobContract.RecordFile(rank)), Line);
                File.WriteAllText(Path.Combine(attempt, MPI.Logging.JobContract.RecordFile(rank)), Line);
            }
            var log = Store.Logs(id);
            var cursor = log.Cursor();
            var following = Task.Run(async () => await log.Follow().CountAsync());
            var removal = Task.Run(() => Directory.Delete(directory, recursive: true));
            while (!removal.IsCompleted)
            {
                Assert.That(() => cursor.Next(null), Throws.Nothing, "following the log");
                Assert.That(() => log.Read(), Throws.Nothing, "reading the log");
            }
            removal.GetAwaiter().GetResult();
            Assert.That(following.Wait(Deadline), Is.True, "Follow did not end with the job's removal");
            Assert.That(following.Result, Is.InRange(0, 64), "records followed");
            Assert.That(cursor.Next(null), Is.Empty, "following the removed log");
            Assert.That(log.Read(), Is.Empty, "reading the removed log");
        }
    }

    // With no inotify instance left to the user, a job still runs, is followed (JobLog.Follow) and ends, and nothing of
    // it is left: the launcher reads the ranks' records on its tick, the follower every SafetyNet. The launcher used to
    // throw with mpiexec already running, leaving the job unsupervised.
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void WithEveryInotifyInstanceTakenAJobRunsIsFollowedAndEnds(MpiImplementation implementation)
    {
        var spec = LauncherTests.Spec(implementation, "2", "complete") with { Ranks = 2 };
        JobManifest? final;
        int followed;
        using (var exhaustion = new InotifyExhaustion())
        {
            Assert.That(() => new FileSystemWatcher(StoreRoot) { EnableRaisingEvents = true }, Throws.InstanceOf<IOException>(),
                $"a watcher made with {exhaustion.Taken} inotify instances taken");
            using var job = ParallelJob.Start(spec, Store);
            var following = Task.Run(async () => await Store.Logs(job.Id).Follow().CountAsync(record => record.Message.StartsWith("Event ", StringComparison.Ordinal)));
            final = job.Wait(Deadline);
            Assert.That(following.Wait(Deadline), Is.True, "Follow did not end with the job");
            followed = following.Result;
        }

        Assert.That(final, Is.Not.Null, "the job did not end");
        Assert.That(final!.State, Is.EqualTo(JobState.Completed), final.Reason);
        Assert.That(followed, Is.EqualTo(4), "events followed");
        Assert.That(Leftovers.Of(final.Id), Is.Empty);
    }

    [Test]
    public void StoreUnderAFileIsUnwritableNotABadArgument()
    {
        var file = Path.Combine(Path.GetTempPath(), $"not-a-directory-{Guid.NewGuid():N}");
        File.WriteAllText(file, "");
        try
        {
            var error = Assert.Throws<JobStoreUnwritableException>(() => _ = new JobStore(Path.Combine(file, "jobs")))!;
            Assert.That(error, Is.Not.InstanceOf<ArgumentException>());
            Assert.That(error.PermissionDenied, Is.False);
            Assert.That(error.Root, Is.EqualTo(Path.Combine(file, "jobs")));
        }
        finally
        {
            File.Delete(file);
        }
    }

    // The tests run as root, whom permission bits do not stop; an immutable directory stops everyone.
    [Test]
    public void ImmutableStoreIsUnwritableForLackOfPermission()
    {
        var directory = Directory.CreateTempSubdirectory("immutable-store-").FullName;
        Assert.That(Command.Run("chattr", ["+i", directory]).ExitCode, Is.Zero, "chattr +i");
        try
        {
            var error = Assert.Throws<JobStoreUnwritableException>(() => _ = new JobStore(directory))!;
            Assert.That(error.PermissionDenied, Is.True, error.Message);
            Assert.That(error.Message, Does.Contain($"The job store {directory} cannot be written"));
        }
        finally
        {
            Command.Run("chattr", ["-i", directory]);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void SubmittingWithoutSlurmIsAnEnvironmentFailureAndLeavesNothing()
    {
        var path = System.Environment.GetEnvironmentVariable("PATH");
        try
        {
            System.Environment.SetEnvironmentVariable("PATH", "/nonexistent");
            var error = Assert.Throws<SchedulerNotFoundException>(() => BatchJobs.Submit(LauncherTests.Spec(MpiImplementation.Mpich, "1", "complete"), new BatchOptions(), Store))!;
            Assert.That(error.Command, Is.EqualTo("sbatch"));
            Assert.That(error.Message, Does.Contain("sbatch is not on PATH"));
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("PATH", path);
        }
        Assert.That(Store.Ids(), Is.Empty);
    }
}
