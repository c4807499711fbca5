using System.Management.Automation;
using MPI.Launch;
using PSJobState = System.Management.Automation.JobState;

namespace PowerShell.Tests;

/// <summary>Real jobs (real mpiexec, both implementations) through the cmdlets and PowerShell's own job cmdlets.</summary>
[TestFixture]
public sealed class JobTests
{
    private static string Program => Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll");

    // Every wait in a test is bounded: a job that does not end fails the test instead of hanging it.
    private const string Wait = "Wait-ParallelJob -Timeout 120";

    private static PSObject StartAndWait(PowerShellSession session, string arguments, string implementation, string name)
    {
        var job = session.RunClean($"$j = Start-ParallelJob $p -ArgumentList {arguments} -Ranks 4 -MpiImplementation {implementation} -Name {name}; $j | {Wait} | Out-Null; $j",
            ("p", Program)).Single();
        Assert.That(Job(job).Finished.WaitOne(0), Is.True, "the job did not end in time");
        return job;
    }

    private static Job Job(PSObject item) => (Job)item.BaseObject;

    [TestCase("OpenMpi")]
    [TestCase("Mpich")]
    public void StartWaitAndReceiveThroughOurCmdletsAndTheBuiltInOnes(string implementation)
    {
        using var session = new PowerShellSession();
        var name = $"complete-{implementation}";
        var item = StartAndWait(session, "logjob, 3, complete", implementation, name);
        var job = Job(item);

        Assert.That(item.Properties["ParallelState"].Value.ToString(), Is.EqualTo("Completed"), item.Properties["Reason"].Value?.ToString());
        Assert.That(job.JobStateInfo.State, Is.EqualTo(PSJobState.Completed));
        Assert.That(job.PSJobTypeName, Is.EqualTo("ParallelJob"));
        Assert.That(job.ChildJobs.Select(child => child.Name), Is.EqualTo(new[] { "Rank 0", "Rank 1", "Rank 2", "Rank 3" }));
        Assert.That(job.ChildJobs.Select(child => child.JobStateInfo.State), Has.All.EqualTo(PSJobState.Completed));
        Assert.That(session.Progress.Select(progress => progress.StatusDescription), Has.Some.Contains("4/4 ranks started"));

        // Receive-ParallelJob: objects with rank, host, level, message and properties, in time order; filters.
        var records = session.RunClean("Receive-ParallelJob $j -Keep").Select(record => (LogRecord)record.BaseObject).ToList();
        Assert.That(records.Select(record => record.Timestamp), Is.Ordered);
        for (int rank = 0; rank < 4; rank++)
        {
            var events = records.Where(record => record.Rank == rank && record.Message.StartsWith("Event ", StringComparison.Ordinal)).ToList();
            Assert.That(events, Has.Count.EqualTo(3), $"rank {rank}");
            Assert.That(events.Select(record => record.Properties["Number"]), Is.EqualTo(new object[] { 0L, 1L, 2L }));
            Assert.That(events.All(record => record.Host == System.Environment.MachineName && record.Level == "Information"));
            Assert.That(records.Any(record => record.Rank == rank && record.Message == $"plain output from rank {rank}"));
        }
        var lastTwo = session.RunClean("Receive-ParallelJob $j -Rank 1 -Level Information -Tail 2 -Keep").Select(record => (LogRecord)record.BaseObject).ToList();
        Assert.That(lastTwo, Has.Count.EqualTo(2).And.All.Property(nameof(LogRecord.Rank)).EqualTo(1));
        Assert.That(lastTwo, Is.EqualTo(records.Where(record => record.Rank == 1).TakeLast(2)));

        // The default views: the job table and the log record table.
        session.RunClean("Get-ParallelJob -JobId $j.JobId | Out-Default; Receive-ParallelJob -JobId $j.JobId -Keep -Tail 1 | Out-Default");
        Assert.That(session.Screen, Does.Match(@"Id\s+Name\s+State\s+Ranks\s+Hosts\s+Elapsed\s+ExitCode"));
        Assert.That(session.Screen, Does.Match($@"{job.Id}\s+{name}\s+Completed\s+4\s+{System.Environment.MachineName}\s+[0-9:.]+\s+0"));
        Assert.That(session.Screen, Does.Match(@"Timestamp\s+Rank\s+Host\s+Level\s+Message"));

        // The built-in job cmdlets see the same job and share Receive's bookkeeping.
        Assert.That(session.RunClean("(Get-Job -Id $j.Id).InstanceId").Single().BaseObject, Is.EqualTo(job.InstanceId));
        Assert.That(session.RunClean("Get-Job -Name $n", ("n", name)).Single().BaseObject, Is.SameAs(job));
        Assert.That(session.RunClean("Wait-Job $j -Timeout 10").Single().BaseObject, Is.SameAs(job));
        Assert.That(session.RunClean("Receive-Job $j").Count, Is.EqualTo(records.Count));
        Assert.That(session.RunClean("Receive-Job $j"), Is.Empty, "records received once are not received again");
        Assert.That(session.RunClean("Receive-ParallelJob $j"), Is.Empty);

        // Tab completion of job ids and names.
        var jobId = (string)item.Properties["JobId"].Value;
        Assert.That(Complete(session, $"Get-ParallelJob -JobId {jobId[..10]}"), Does.Contain(jobId));
        Assert.That(Complete(session, $"Receive-ParallelJob -Name complete-{implementation[..3]}"), Does.Contain(name));
        Assert.That(Complete(session, "Start-ParallelJob x.dll -ComputerName loc"), Does.Contain("localhost"));

        // Remove-Job deletes the job from the store: no session sees it again.
        session.RunClean("Remove-Job $j");
        Assert.That(Directory.Exists(Path.Combine(JobStoreSetUp.Root, jobId)), Is.False);
        session.Run("Get-ParallelJob -JobId $id", ("id", jobId));
        Assert.That(session.Errors.Single().CategoryInfo.Category, Is.EqualTo(ErrorCategory.ObjectNotFound));
    }

    private static List<string> Complete(PowerShellSession session, string input) =>
        [.. session.RunClean("[System.Management.Automation.CommandCompletion]::CompleteInput($i, $i.Length, $null).CompletionMatches | ForEach-Object { $_.ListItemText }",
            ("i", input)).Select(match => match.ToString())];

    [TestCase("OpenMpi")]
    [TestCase("Mpich")]
    public void FailingRankIsAFailedJobWhoseReasonAndLogsNameTheRank(string implementation)
    {
        using var session = new PowerShellSession();
        var item = StartAndWait(session, "logjob, 3, throw, 2", implementation, $"throw-{implementation}");
        var job = Job(item);

        Assert.That(job.JobStateInfo.State, Is.EqualTo(PSJobState.Failed));
        Assert.That(job.JobStateInfo.Reason.Message, Does.Contain("Rank 2"));
        Assert.That(item.Properties["Reason"].Value?.ToString(), Does.Contain("Rank 2").And.Contain("deliberate failure on rank 2"));
        Assert.That(job.ChildJobs[2].JobStateInfo.State, Is.EqualTo(PSJobState.Failed));
        Assert.That(job.ChildJobs[2].JobStateInfo.Reason.Message, Does.Contain("deliberate failure on rank 2"));

        var fatal = session.RunClean("Receive-ParallelJob $j -Rank 2 -Level Fatal -Keep").Select(record => (LogRecord)record.BaseObject).Single();
        Assert.That(fatal.Exception, Does.Contain("InvalidOperationException: deliberate failure on rank 2"));
        var records = session.Run("Receive-Job $j").Select(record => (LogRecord)record.BaseObject).ToList();
        for (int rank = 0; rank < 4; rank++)
            Assert.That(records.Count(record => record.Rank == rank && record.Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(3), $"rank {rank}");
        // The job's failure, and the failed rank's (the others ended with the job: stopped, not failed).
        Assert.That(session.Errors.Select(error => error.Exception.Message), Has.Exactly(2).Contains("deliberate failure on rank 2"), string.Join("\n", session.Errors));
        session.Run("Receive-ParallelJob $j");
        var failure = session.Errors.Single();
        Assert.That(failure.CategoryInfo.Category, Is.EqualTo(ErrorCategory.OperationStopped));
        Assert.That(failure.Exception.Message, Does.Contain("Rank 2"));
        Assert.That(job.ChildJobs.Select(child => child.JobStateInfo.State), Is.EqualTo(new[] { PSJobState.Stopped, PSJobState.Stopped, PSJobState.Failed, PSJobState.Stopped }));
    }

    [Test]
    public void StartWithWaitStreamsTheRecordsThenTheFailure()
    {
        using var session = new PowerShellSession();
        var records = session.Run("Start-ParallelJob $p -ArgumentList logjob, 2, throw, 1 -Ranks 2 -MpiImplementation Mpich -Wait", ("p", Program))
            .Select(record => (LogRecord)record.BaseObject).ToList();

        Assert.That(records.Where(record => record.Message.StartsWith("Event ", StringComparison.Ordinal)).Select(record => record.Rank),
            Is.EquivalentTo(new int?[] { 0, 0, 1, 1 }));
        Assert.That(records, Has.Some.Property(nameof(LogRecord.Level)).EqualTo("Fatal").And.Property(nameof(LogRecord.Rank)).EqualTo(1));
        var failure = session.Errors.Single();
        Assert.That(failure.Exception.Message, Does.Contain("Rank 1 failed").And.Contain("deliberate failure on rank 1"));
    }

    [Test]
    public void JobsOfEarlierSessionsAndOfOtherLaunchersAreSeenAndStopped()
    {
        string earlierId;
        using (var earlier = new PowerShellSession())
            earlierId = (string)StartAndWait(earlier, "logjob, 2, complete", "Mpich", "earlier").Properties["JobId"].Value;

        // Jobs this process started with the launcher library, not the module: the module knows them only from the
        // store. One has ended before the module sees it, the other runs.
        using (var ended = ParallelJob.Start(new JobSpec
        {
            Program = Program,
            Arguments = ["logjob", "2", "complete"],
            Ranks = 2,
            Implementation = MpiImplementation.Mpich,
            Name = "ended-elsewhere",
        }, new JobStore()))
            Assert.That(ended.Wait(TimeSpan.FromSeconds(90))?.State, Is.EqualTo(MPI.Launch.JobState.Completed));
        using var launcher = ParallelJob.Start(new JobSpec
        {
            Program = Program,
            Arguments = ["logjob", "2", "hang"],
            Ranks = 2,
            Implementation = MpiImplementation.Mpich,
            Name = "elsewhere",
        }, new JobStore());
        Eventually.Holds(() => launcher.Manifest.State == MPI.Launch.JobState.Running, "the job running");

        using var session = new PowerShellSession();
        var found = session.RunClean("Get-ParallelJob -Name earlier").Single();
        // Once a cmdlet of the module has run in a session, Get-Job sees the jobs of earlier sessions too.
        Assert.That(session.RunClean("Get-Job -Name earlier").Single().BaseObject, Is.SameAs(found.BaseObject));
        Assert.That(found.Properties["JobId"].Value, Is.EqualTo(earlierId));
        Assert.That(Job(found).JobStateInfo.State, Is.EqualTo(PSJobState.Completed));
        Assert.That(session.RunClean("Receive-Job -Name earlier -Keep")
            .Count(record => ((LogRecord)record.BaseObject).Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(8));
        Assert.That(session.RunClean("Receive-ParallelJob -JobId $id -Keep", ("id", earlierId))
            .Count(record => ((LogRecord)record.BaseObject).Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(8));

        // A job that ended before the module saw it comes with its records, for either cmdlet.
        Assert.That(session.RunClean("(Get-ParallelJob -Name ended-elsewhere).HasMoreData").Single().BaseObject, Is.True);
        Assert.That(session.RunClean("Receive-Job -Name ended-elsewhere -Keep")
            .Count(record => ((LogRecord)record.BaseObject).Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(4));
        Assert.That(session.RunClean("Receive-ParallelJob -Name ended-elsewhere -Rank 1")
            .Count(record => ((LogRecord)record.BaseObject).Message.StartsWith("Event ", StringComparison.Ordinal)), Is.EqualTo(2));

        var running = session.RunClean("Get-ParallelJob -JobId $id", ("id", launcher.Id)).Single();
        Assert.That(Job(running).JobStateInfo.State, Is.EqualTo(PSJobState.Running));
        session.RunClean("Get-Job -Name elsewhere | Stop-Job");

        Assert.That(launcher.Wait(TimeSpan.FromSeconds(60))?.State, Is.EqualTo(MPI.Launch.JobState.Stopped));
        Assert.That(Job(running).Finished.WaitOne(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(Job(running).JobStateInfo.State, Is.EqualTo(PSJobState.Stopped));
        Assert.That(Leftovers.Of(launcher.Id), Is.Empty);
    }

    [Test]
    public void RunningJobIsNotRemovedAndStopParallelJobLeavesNoProcess()
    {
        using var session = new PowerShellSession();
        var item = session.RunClean("$j = Start-ParallelJob $p -ArgumentList logjob, 2, hang -Ranks 3 -MpiImplementation Mpich -Name hang; $j", ("p", Program)).Single();
        var jobId = (string)item.Properties["JobId"].Value;
        Eventually.Holds(() => item.Properties["ParallelState"].Value.ToString() == "Running", "the job running");
        // Running means every rank has started; each logs its events a moment later.
        Eventually.Holds(() => session.RunClean("Receive-ParallelJob $j -Keep").Count(record => ((LogRecord)record.BaseObject).Message.StartsWith("Event ", StringComparison.Ordinal)) == 6,
            "every rank's events");

        session.Run("Remove-ParallelJob $j");
        var refused = session.Errors.Single();
        Assert.That(refused.CategoryInfo.Category, Is.EqualTo(ErrorCategory.InvalidOperation));
        Assert.That(refused.ToString(), Does.Contain("is Running"));
        session.RunClean("Stop-ParallelJob $j -WhatIf");
        Assert.That(session.Screen, Does.Contain("What if: Performing the operation \"Stop parallel job\" on target \"hang"));
        Assert.That(Job(item).JobStateInfo.State, Is.EqualTo(PSJobState.Running), "-WhatIf stopped the job");

        var stopped = session.RunClean("Stop-ParallelJob -JobId $id -PassThru", ("id", jobId)).Single();
        Assert.That(stopped.BaseObject, Is.SameAs(item.BaseObject));
        Assert.That(Job(item).JobStateInfo.State, Is.EqualTo(PSJobState.Stopped));
        Assert.That(item.Properties["ParallelState"].Value.ToString(), Is.EqualTo("Stopped"));
        Assert.That(Leftovers.Of(jobId), Is.Empty);
        Assert.That(session.RunClean("Receive-ParallelJob $j -Keep").Count(record => ((LogRecord)record.BaseObject).Message.StartsWith("Event ", StringComparison.Ordinal)),
            Is.EqualTo(6), "events logged before the stop");

        session.RunClean("Remove-ParallelJob $j");
        Assert.That(Directory.Exists(Path.Combine(JobStoreSetUp.Root, jobId)), Is.False);
    }

    [Test]
    public void ARankThatFinishedBeforeTheStopReadsCompletedAndSaysHowItEnded()
    {
        using var session = new PowerShellSession();
        var item = session.RunClean("$j = Start-ParallelJob $p -ArgumentList logjob, 1, finish-early, 1 -Ranks 2 -MpiImplementation Mpich; $j", ("p", Program)).Single();
        Eventually.Holds(() => session.RunClean("Receive-ParallelJob $j -Keep").Any(record => ((LogRecord)record.BaseObject).Message == "Rank 1 finished"),
            "rank 1 finished");
        session.RunClean("Stop-ParallelJob $j");

        var ranks = Job(item).ChildJobs;
        Assert.That(ranks.Select(rank => rank.JobStateInfo.State), Is.EqualTo(new[] { PSJobState.Stopped, PSJobState.Completed }));
        // The table's Reason column and Format-List show StatusMessage.
        Assert.That(ranks[1].StatusMessage, Does.Contain("finished its work").And.Contain("MPI_Finalize"));
    }

    [TestCase("OpenMpi")]
    [TestCase("Mpich")]
    public void ProgramThatIsNoMpiProgramCompletesWithEveryRank(string implementation)
    {
        using var session = new PowerShellSession();
        var item = session.RunClean($"$j = Start-ParallelJob /bin/true -Ranks 2 -MpiImplementation {implementation}; $j | {Wait} | Out-Null; $j").Single();

        Assert.That(Job(item).JobStateInfo.State, Is.EqualTo(PSJobState.Completed), item.Properties["Reason"].Value?.ToString());
        Assert.That(Job(item).ChildJobs.Select(child => child.JobStateInfo.State), Is.EqualTo(new[] { PSJobState.Completed, PSJobState.Completed }));
    }
}
