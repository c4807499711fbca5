using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Serialization;
using MPI.Launch;
using PSJobState = System.Management.Automation.JobState;

namespace PowerShell.Tests;

/// <summary>
/// Get-ParallelJob and Get-Job answer from memory: over a store of jobs of other sessions (finished, queued and
/// running batch jobs, a job whose launcher died) they run no scheduler command and write no manifest. Jobs change
/// state on events: another process writing the record, the launcher of this session ending. Wait-ParallelJob is
/// what asks the scheduler, once for all its batch jobs. A store that cannot be written is an environment error.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class StoreReadingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
    private static string Program => Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll");
    private string _root = "";

    // Each test has a store of its own, made the session's through SPMD_JOB_STORE.
    [SetUp]
    public void UseOwnStore()
    {
        _root = Path.Combine(JobStoreSetUp.Root, $"store-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
        System.Environment.SetEnvironmentVariable(JobStore.LocationVariable, _root);
    }

    [TearDown]
    public void UseSharedStore()
    {
        System.Environment.SetEnvironmentVariable(JobStore.LocationVariable, JobStoreSetUp.Root);
        Directory.Delete(_root, recursive: true);
    }

    // A record as another session's launcher or submission would have written it (the store's format).
    private string Record(string id, MPI.Launch.JobState state, string? batchId = null, string host = "elsewhere", int launcher = 1)
    {
        var directory = Path.Combine(_root, id);
        Directory.CreateDirectory(directory);
        var manifest = new JobManifest
        {
            Id = id,
            Name = id,
            Spec = new JobSpec { Program = Program, Arguments = ["logjob", "1", "complete"], Ranks = 2 },
            Command = ["mpiexec.mpich"],
            CommandLine = "mpiexec.mpich -n 2",
            State = state,
            Created = DateTimeOffset.UtcNow,
            Started = DateTimeOffset.UtcNow,
            Ended = state is MPI.Launch.JobState.Completed ? DateTimeOffset.UtcNow : null,
            ExitCode = state is MPI.Launch.JobState.Completed ? 0 : null,
            LauncherProcessId = launcher,
            LauncherStartTicks = 1,
            LauncherHost = host,
            Batch = batchId is null ? null : new BatchSubmission(BatchJobs.Slurm, batchId, new BatchOptions()),
        };
        File.WriteAllText(Path.Combine(directory, "manifest.json"), JsonSerializer.Serialize(manifest, Json));
        return Path.Combine(directory, "manifest.json");
    }

    private void RecordMixedJobs()
    {
        Record("finished", MPI.Launch.JobState.Completed);
        Record("queued", MPI.Launch.JobState.Queued, batchId: "4242");
        Record("running-batch", MPI.Launch.JobState.Running, batchId: "4243");
        // Its launcher ran on this machine and is gone (no process has id 1's start time of 1 tick).
        Record("orphaned", MPI.Launch.JobState.Running, host: System.Environment.MachineName);
    }

    [Test]
    public void GetParallelJobAndGetJobRunNoSchedulerCommandAndWriteNoManifest()
    {
        RecordMixedJobs();
        var before = FileSnapshot.Of(_root, "manifest.json");
        using var scheduler = new RecordedCommands("squeue", "sacct", "scancel", "sbatch");
        using var session = new PowerShellSession();

        var jobs = session.RunClean("Get-ParallelJob").Select(item => (PowerShellParallelJobView)item).ToList();
        session.RunClean("Get-ParallelJob | Out-Default; Get-Job | Out-Default");
        Assert.That(session.RunClean("Get-Job -Name queued").Single().BaseObject, Is.SameAs(jobs.Single(job => job.JobId == "queued").Job));
        session.RunClean("Get-ParallelJob -JobId running-batch, finished; Get-ParallelJob -State Queued; Get-Job -State Blocked");
        session.RunClean("[System.Management.Automation.CommandCompletion]::CompleteInput('Get-ParallelJob -JobId q', 24, $null)");
        // The built-in Wait-Job waits on the jobs' own events, giving any follower time to call what it should not.
        session.RunClean("Get-Job -Name running-batch | Wait-Job -Timeout 3");

        Assert.That(scheduler.Calls, Is.Empty, "reading the store ran the scheduler");
        Assert.That(FileSnapshot.Of(_root, "manifest.json").ChangedSince(before), Is.Empty, "reading the store wrote a manifest");
        Assert.That(jobs.Select(job => (job.JobId, job.State, job.Job.JobStateInfo.State)), Is.EquivalentTo(new[]
        {
            ("finished", "Completed", PSJobState.Completed),
            ("queued", "Queued", PSJobState.Blocked),
            ("running-batch", "Running", PSJobState.Running),
            ("orphaned", "Failed", PSJobState.Failed),
        }));
        Assert.That(jobs.Single(job => job.JobId == "orphaned").Reason, Does.Contain("ended while the job was Running"));
    }

    [Test]
    public void WaitParallelJobAsksTheSchedulerOnceForAllItsBatchJobs()
    {
        RecordMixedJobs();
        using var scheduler = new RecordedCommands("squeue", "sacct");
        using var session = new PowerShellSession();

        session.RunClean("Get-ParallelJob -JobId queued, running-batch | Wait-ParallelJob -Timeout 1");

        var squeue = scheduler.Calls.Where(call => call.StartsWith("squeue ", StringComparison.Ordinal)).ToList();
        Assert.That(squeue, Is.Not.Empty);
        Assert.That(squeue, Has.All.Matches<string>(call => call.Contains("-j 4242,4243 ", StringComparison.Ordinal) || call.Contains("-j 4243,4242 ", StringComparison.Ordinal)),
            "one squeue for both batch jobs");
    }

    [Test]
    public void WaitingForABatchJobWithoutSlurmIsANotInstalledError()
    {
        Record("queued", MPI.Launch.JobState.Queued, batchId: "4242");
        var path = System.Environment.GetEnvironmentVariable("PATH");
        using var session = new PowerShellSession();
        try
        {
            System.Environment.SetEnvironmentVariable("PATH", "/nonexistent");
            session.Run("Get-ParallelJob -JobId queued | Wait-ParallelJob -Timeout 1");
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("PATH", path);
        }

        var missing = session.Errors.Single();
        Assert.That(missing.CategoryInfo.Category, Is.EqualTo(ErrorCategory.NotInstalled));
        Assert.That(missing.Exception, Is.TypeOf<SchedulerNotFoundException>());
        Assert.That(missing.ErrorDetails.RecommendedAction, Does.Contain("Slurm's client commands"));
    }

    [Test]
    public void JobStateFollowsTheRecordAnotherProcessWrites()
    {
        var manifest = Record("elsewhere", MPI.Launch.JobState.Running);
        using var session = new PowerShellSession();
        var job = ((PowerShellParallelJobView)session.RunClean("Get-ParallelJob -JobId elsewhere").Single()).Job;
        Assert.That(job.JobStateInfo.State, Is.EqualTo(PSJobState.Running));
        using var ended = new ManualResetEventSlim();
        job.StateChanged += (_, change) =>
        {
            if (change.JobStateInfo.State == PSJobState.Completed)
                ended.Set();
        };

        // Another process replaces the record, as a launcher does when the job ends.
        var replacement = Path.Combine(_root, "replacement.json");
        File.WriteAllText(replacement, File.ReadAllText(manifest).Replace("\"Running\"", "\"Completed\"", StringComparison.Ordinal));
        Assert.That(Command.Run("mv", [replacement, manifest]).ExitCode, Is.Zero);

        Assert.That(ended.Wait(Deadline), Is.True, "the job did not become Completed");
        Assert.That(session.RunClean("Get-Job -Name elsewhere | Wait-Job -Timeout 10").Single().BaseObject, Is.SameAs(job));
    }

    [Test]
    public void JobStateFollowsTheLaunchersEnd()
    {
        using var session = new PowerShellSession();
        var job = ((PowerShellParallelJobView)session.RunClean("Start-ParallelJob $p -ArgumentList logjob, 2, complete -Ranks 2 -MpiImplementation Mpich -Name ends", ("p", Program)).Single()).Job;
        using var ended = new ManualResetEventSlim();
        job.StateChanged += (_, change) =>
        {
            if (change.JobStateInfo.State is PSJobState.Completed or PSJobState.Failed)
                ended.Set();
        };
        if (job.Finished.WaitOne(0))
            ended.Set();

        Assert.That(ended.Wait(Deadline), Is.True, "the job did not end");
        Assert.That(job.JobStateInfo.State, Is.EqualTo(PSJobState.Completed));
        Assert.That(session.RunClean("Receive-Job -Name ends -Keep").Count(record => ((LogRecord)record.BaseObject).Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(4));
    }

    // The store listed while the launcher of this session is still ending a job whose directory was removed: the job
    // stays listed until it has concluded, so waiters see its end (it was forgotten, and Wait-Job waited for ever).
    [TestCase("Mpich")]
    [TestCase("OpenMpi")]
    public void AJobWhoseDirectoryIsRemovedWhileItRunsEndsFailedForItsWaiters(string implementation)
    {
        using var session = new PowerShellSession();
        var view = (PowerShellParallelJobView)session.RunClean(
            "Start-ParallelJob $p -ArgumentList logjob, 1, hang -Ranks 2 -MpiImplementation $i -AllowRunAsRoot -Name removed",
            ("p", Program), ("i", implementation)).Single();
        var job = view.Job;
        Eventually.Holds(() => view.State == "Running", "the job running");

        JobDirectory.Remove(view.Directory);
        session.RunClean("$null = Get-ParallelJob");
        var waited = session.RunClean("Wait-Job -Name removed -Timeout 60");

        Assert.That(waited, Has.Count.EqualTo(1), "Wait-Job timed out");
        Assert.That(job.JobStateInfo.State, Is.EqualTo(PSJobState.Failed));
        Assert.That(job.JobStateInfo.Reason?.Message, Does.Contain("could not be read or written"));
    }

    [Test]
    public void StoreUnderAFileIsAResourceUnavailableError()
    {
        var file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "");
        System.Environment.SetEnvironmentVariable(JobStore.LocationVariable, Path.Combine(file, "jobs"));
        using var session = new PowerShellSession();

        session.Run("Get-ParallelJob");

        var error = session.Errors.Single();
        Assert.That(error.CategoryInfo.Category, Is.EqualTo(ErrorCategory.ResourceUnavailable));
        Assert.That(error.Exception, Is.TypeOf<JobStoreUnwritableException>());
        Assert.That(error.ErrorDetails.RecommendedAction, Does.Contain(JobStore.LocationVariable));
    }

    // The tests run as root, whom permission bits do not stop; an immutable directory stops everyone.
    [Test]
    public void ImmutableStoreIsAPermissionDeniedError()
    {
        var immutable = Path.Combine(_root, "immutable");
        Directory.CreateDirectory(immutable);
        Assert.That(Command.Run("chattr", ["+i", immutable]).ExitCode, Is.Zero, "chattr +i");
        try
        {
            System.Environment.SetEnvironmentVariable(JobStore.LocationVariable, immutable);
            using var session = new PowerShellSession();

            session.Run("Submit-ParallelBatchJob $p -Ranks 2", ("p", Program));

            var error = session.Errors.Single();
            Assert.That(error.CategoryInfo.Category, Is.EqualTo(ErrorCategory.PermissionDenied));
            Assert.That(error.ToString(), Does.Contain($"The job store {immutable} cannot be written"));
            Assert.That(error.ErrorDetails.RecommendedAction, Does.Contain("writable"));
        }
        finally
        {
            Command.Run("chattr", ["-i", immutable]);
        }
    }
}
