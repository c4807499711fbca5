using System.Text.Json;
using MPI.Launch;
using MPI.Logging;

namespace Launch.Tests;

/// <summary>
/// Task farms through the launcher (TaskFarmJob) with real mpiexec: results saved as they arrive, restarts after a
/// lost rank, stop, resume, the whole farm's time limit, no tasks, bad specs. The worker is FarmTestWorker (a real MPI
/// program implementing the farm contract for program farms); the tasks are sh scripts, so a task can make its rank
/// die (kill -9 of its parent, the rank) exactly when a test wants.
/// </summary>
[TestFixture]
public sealed class TaskFarmTests : StoreFixture
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private static readonly JsonSerializerOptions SpecJson = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private string _scratch = "";

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("spmd-farm-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    internal static string Worker => Path.Combine(TestContext.CurrentContext.TestDirectory, "FarmTestWorker.dll");

    // A farm of sh scripts, one per task, on the test worker.
    internal static TaskFarmSpec Farm(MpiImplementation implementation, params string[] scripts) => new()
    {
        Job = new JobSpec { Program = Worker, Ranks = 2, Implementation = implementation, StartupDeadline = TimeSpan.FromSeconds(60) },
        Definition = new FarmDefinition
        {
            Kind = FarmKind.Program,
            Program = "/bin/sh",
            Tasks = [.. scripts.Select((script, index) => new FarmTask(index, null, ["-c", script]))],
        },
    };

    // A task that kills the rank running it the first time it runs (the marker file says it ran), then prints its index.
    private string KillsItsRankOnce(int index) => $"[ -e '{Path.Combine(_scratch, $"killed-{index}")}' ] || {{ touch '{Path.Combine(_scratch, $"killed-{index}")}'; kill -9 $PPID; sleep 60; }}; echo {index}";

    // A task that waits until the test creates file <name> (and says it started by creating <name>.started), then prints its index.
    private string WaitsFor(int index, string name) =>
        $"touch '{Path.Combine(_scratch, name)}.started'; while [ ! -e '{Path.Combine(_scratch, name)}' ]; do sleep 0.05; done; echo {index}";

    private static string Echo(int index) => $"echo {index}";

    private static JobManifest RunToEnd(TaskFarmJob farm)
    {
        var final = farm.Wait(Deadline);
        Assert.That(final, Is.Not.Null, $"farm {farm.Id} did not end within {Deadline}");
        return final!;
    }

    private static void AssertNothingLeft(JobManifest farm)
    {
        foreach (var attempt in farm.Farm!.Attempts)
            Assert.That(Leftovers.Of(attempt), Is.Empty, $"processes of attempt {attempt} outlived the farm");
    }

    // Every line of the results file, as saved (not deduplicated as ReadResults does).
    private List<long> SavedIndices(string farmId) =>
        [.. File.ReadAllLines(Path.Combine(StoreRoot, farmId, TaskFarmJob.ResultsFile)).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("Index").GetInt64())];

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void FarmCompletesWithEveryResultSavedOnceAndListedAsOneJob(MpiImplementation implementation)
    {
        var spec = Farm(implementation, [.. Enumerable.Range(0, 6).Select(i => $"echo $(({i} * {i})); echo note {i} >&2")]);
        var told = new List<FarmTaskResult>();
        using var farm = TaskFarmJob.Start(spec, Store);
        farm.TaskFinished += (_, result) =>
        {
            lock (told)
                told.Add(result);
        };
        var final = RunToEnd(farm);

        Assert.That(final.State, Is.EqualTo(JobState.Completed), final.Reason);
        Assert.That(final.Farm, Is.EqualTo(new FarmSummary(6, 6, 0, 0, final.Farm!.Attempts) { MaxRestarts = 1 }));
        var attempt = final.Farm.Attempts.Single();
        var results = TaskFarmJob.ReadResults(Store, farm.Id);
        Assert.That(results.Select(result => result.Index), Is.EqualTo(new long[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(results.Select(result => result.Output), Is.EqualTo(Enumerable.Range(0, 6).Select(i => $"{i * i}\n")));
        Assert.That(results.Select(result => result.StandardError), Is.EqualTo(Enumerable.Range(0, 6).Select(i => $"note {i}\n")));
        Assert.That(results, Has.All.Property(nameof(FarmTaskResult.Outcome)).EqualTo(FarmOutcome.Completed)
            .And.All.Property(nameof(FarmTaskResult.ExitCode)).EqualTo(0)
            .And.All.Property(nameof(FarmTaskResult.AttemptId)).EqualTo(attempt)
            .And.All.Property(nameof(FarmTaskResult.Host)).EqualTo(System.Environment.MachineName));
        Assert.That(SavedIndices(farm.Id), Is.EquivalentTo(new long[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(told.Select(result => result.Index), Is.EquivalentTo(new long[] { 0, 1, 2, 3, 4, 5 }), "TaskFinished once per task");
        // Listings show the farm, not its attempt; the attempt is a job read by its id.
        Assert.That(Store.List().Select(job => job.Id), Is.EqualTo(new[] { farm.Id }));
        var attemptJob = Store.TryGet(attempt)!;
        Assert.That(attemptJob, Has.Property(nameof(JobManifest.FarmId)).EqualTo(farm.Id).And.Property(nameof(JobManifest.State)).EqualTo(JobState.Completed));
        Assert.That(final.RankInfo, Has.Count.EqualTo(2), "the farm shows its attempt's ranks");
        Assert.That(Store.Logs(farm.Id).Read().Count(record => record.Template == TaskFarmContract.ResultTemplate), Is.EqualTo(6), "the farm's log is its attempts'");
        var recorded = TaskFarmJob.ReadDefinition(Store, farm.Id);
        Assert.That(recorded.Tasks.Select(task => (task.Index, string.Join(' ', task.Arguments!))),
            Is.EqualTo(spec.Definition.Tasks.Select(task => (task.Index, string.Join(' ', task.Arguments!)))));
        var refused = Assert.Throws<JobSpecException>(() => TaskFarmJob.Resume(Store, farm.Id));
        Assert.That(refused!.Message, Does.Contain("completed"));
        AssertNothingLeft(final);
    }

    [Test]
    public void ResultsAreSavedAsTheyArriveWhileTheFarmRuns()
    {
        using var farm = TaskFarmJob.Start(Farm(MpiImplementation.Mpich, Echo(0), Echo(1), WaitsFor(2, "go"), Echo(3)), Store);

        // Read by another reader, as another session would, while task 2 holds the farm.
        Eventually.Holds(() => File.Exists(Path.Combine(_scratch, "go.started")), "task 2 starting");
        var early = Eventually.Produces(() => TaskFarmJob.ReadResults(Store, farm.Id) is { Count: 2 } saved ? saved : null, "the first two results saved");
        Assert.That(early.Select(result => (result.Index, result.Output)), Is.EqualTo(new[] { (0L, "0\n"), (1L, "1\n") }));
        var running = Store.TryGet(farm.Id)!;
        Assert.That(running.State, Is.EqualTo(JobState.Running));
        Eventually.Holds(() => Store.TryGet(farm.Id)!.Farm!.Completed == 2, "the manifest counting the saved results");
        File.Create(Path.Combine(_scratch, "go")).Dispose();
        var final = RunToEnd(farm);

        Assert.That(final.State, Is.EqualTo(JobState.Completed), final.Reason);
        Assert.That(TaskFarmJob.ReadResults(Store, farm.Id).Select(result => result.Output), Is.EqualTo(new[] { "0\n", "1\n", "2\n", "3\n" }));
        AssertNothingLeft(final);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void LostRankRestartsTheFarmWithOnlyItsUnfinishedTasks(MpiImplementation implementation)
    {
        using var farm = TaskFarmJob.Start(Farm(implementation, Echo(0), Echo(1), Echo(2), KillsItsRankOnce(3), Echo(4), Echo(5)), Store);
        var final = RunToEnd(farm);

        Assert.That(final.State, Is.EqualTo(JobState.Completed), final.Reason);
        Assert.That(final.Farm!.Restarts, Is.EqualTo(1));
        Assert.That(final.Farm.Attempts, Has.Count.EqualTo(2));
        var (first, second) = (final.Farm.Attempts[0], final.Farm.Attempts[1]);
        Assert.That(Store.TryGet(first)!.State, Is.EqualTo(JobState.Failed));
        Assert.That(final.Reason, Does.StartWith($"Attempt {first} ended Failed: ").And.Contain("3 of 6 task(s) have no result; restarted."));
        var results = TaskFarmJob.ReadResults(Store, farm.Id);
        Assert.That(results.Select(result => (result.Index, result.AttemptId)),
            Is.EqualTo(new[] { (0L, first), (1L, first), (2L, first), (3L, second), (4L, second), (5L, second) }));
        Assert.That(results.Select(result => result.Output), Is.EqualTo(new[] { "0\n", "1\n", "2\n", "3\n", "4\n", "5\n" }));
        Assert.That(SavedIndices(farm.Id), Is.EquivalentTo(new long[] { 0, 1, 2, 3, 4, 5 }), "every index saved exactly once");
        // The second attempt was given only the unfinished tasks.
        var given = TaskFarmContract.Read(Path.Combine(StoreRoot, farm.Id, "attempts", second, TaskFarmContract.DefinitionFile));
        Assert.That(given.Tasks.Select(task => task.Index), Is.EqualTo(new long[] { 3, 4, 5 }));
        AssertNothingLeft(final);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void InterruptedRankStopsTheFarmWithoutARestart(MpiImplementation implementation)
    {
        // Ctrl-C in a terminal sends SIGINT to the ranks too: the user's interrupt, which no restart should undo.
        using var farm = TaskFarmJob.Start(Farm(implementation, Echo(0), Echo(1), "kill -INT $PPID; sleep 1; echo 2", Echo(3)), Store);
        var final = RunToEnd(farm);

        Assert.That(final.State, Is.EqualTo(JobState.Stopped), final.Reason);
        Assert.That(final.Reason, Does.EndWith("interrupted (SIGINT), so not restarted."));
        Assert.That(final.Farm!.Restarts, Is.Zero);
        Assert.That(final.Farm.Attempts, Has.Count.EqualTo(1));
        AssertNothingLeft(final);
    }

    [Test]
    public void WithoutRestartsALostRankFailsTheFarmAndKeepsItsResults()
    {
        var spec = Farm(MpiImplementation.OpenMpi, Echo(0), Echo(1), KillsItsRankOnce(2), Echo(3)) with { MaxRestarts = 0 };
        using var farm = TaskFarmJob.Start(spec, Store);
        var final = RunToEnd(farm);

        Assert.That(final.State, Is.EqualTo(JobState.Failed));
        Assert.That(final.Reason, Does.StartWith($"Attempt {final.Farm!.Attempts.Single()} ended Failed: ").And.EndWith("2 of 4 task(s) have no result; restarts are off."));
        Assert.That(final.Farm, Has.Property(nameof(FarmSummary.Completed)).EqualTo(2).And.Property(nameof(FarmSummary.Unfinished)).EqualTo(2));
        Assert.That(TaskFarmJob.ReadResults(Store, farm.Id).Select(result => result.Index), Is.EqualTo(new long[] { 0, 1 }));
        AssertNothingLeft(final);
    }

    [Test]
    public void FailedTaskIsRetriedThenFailsAloneAndTheFarmNamesIt()
    {
        var spec = Farm(MpiImplementation.Mpich, Echo(0), "echo broken >&2; exit 3", Echo(2));
        spec = spec with { Definition = spec.Definition with { MaxRetries = 1 } };
        using var farm = TaskFarmJob.Start(spec, Store);
        var final = RunToEnd(farm);

        Assert.That(final.State, Is.EqualTo(JobState.Failed));
        Assert.That(final.Reason, Is.EqualTo("1 of 3 task(s) failed: 1."));
        Assert.That(final.Farm, Has.Property(nameof(FarmSummary.Completed)).EqualTo(2).And.Property(nameof(FarmSummary.Failed)).EqualTo(1));
        var failed = TaskFarmJob.ReadResults(Store, farm.Id)[1];
        Assert.That(failed, Has.Property(nameof(FarmTaskResult.Outcome)).EqualTo(FarmOutcome.Failed)
            .And.Property(nameof(FarmTaskResult.Attempts)).EqualTo(2)
            .And.Property(nameof(FarmTaskResult.ExitCode)).EqualTo(3)
            .And.Property(nameof(FarmTaskResult.StandardError)).EqualTo("broken\n")
            .And.Property(nameof(FarmTaskResult.ErrorMessage)).EqualTo("exited with code 3"));
        Assert.That(final.Farm!.Restarts, Is.Zero, "a failed task is no reason to restart");
        Assert.That(Assert.Throws<JobSpecException>(() => TaskFarmJob.Resume(Store, farm.Id))!.Message, Does.Contain("Every task of farm"));
    }

    // rm -rf of a running farm's directory, its attempts' with it: the farm ends Failed saying so, and restarts nothing
    // (a restart makes the directory again, holding a farm no one can follow), and nothing of it is left running.
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void RemovingARunningFarmsDirectoryFailsTheFarmWithoutARestart(MpiImplementation implementation)
    {
        using var farm = TaskFarmJob.Start(Farm(implementation, Echo(0), WaitsFor(1, "never")), Store);
        Eventually.Holds(() => File.Exists(Path.Combine(_scratch, "never.started")), "task 1 starting");

        JobDirectory.Remove(Store.JobDirectory(farm.Id));
        var final = RunToEnd(farm);

        Assert.That(final.State, Is.EqualTo(JobState.Failed));
        Assert.That(final.Reason, Does.Contain($"The farm's directory {Store.JobDirectory(farm.Id)} could not be read or written"));
        Assert.That(final.Farm!.Attempts, Has.Count.EqualTo(1), "attempts");
        Assert.That(Directory.Exists(Store.JobDirectory(farm.Id)), Is.False, "the farm's directory made again");
        AssertNothingLeft(final);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void StoppedFarmKeepsItsResultsAndResumeRunsOnlyTheRest(MpiImplementation implementation)
    {
        var farm = TaskFarmJob.Start(Farm(implementation, Echo(0), Echo(1), WaitsFor(2, "go"), Echo(3)), Store);
        JobManifest stopped;
        try
        {
            Eventually.Holds(() => File.Exists(Path.Combine(_scratch, "go.started")), "task 2 starting");
            Assert.That(Assert.Throws<JobSpecException>(() => TaskFarmJob.Resume(Store, farm.Id))!.Message, Does.Contain("is Running"));
            farm.Stop();
            stopped = RunToEnd(farm);
        }
        finally
        {
            farm.Dispose();
        }

        Assert.That(stopped.State, Is.EqualTo(JobState.Stopped));
        Assert.That(stopped.Reason, Is.EqualTo("Stopped by the caller."));
        Assert.That(TaskFarmJob.ReadResults(Store, farm.Id).Select(result => result.Index), Is.EqualTo(new long[] { 0, 1 }));
        AssertNothingLeft(stopped);

        File.Create(Path.Combine(_scratch, "go")).Dispose();
        using var resumed = TaskFarmJob.Resume(Store, farm.Id);
        Assert.That(resumed.Id, Is.EqualTo(farm.Id));
        var final = RunToEnd(resumed);

        Assert.That(final.State, Is.EqualTo(JobState.Completed), final.Reason);
        Assert.That(final.Farm!.Attempts, Has.Count.EqualTo(2));
        var given = TaskFarmContract.Read(Path.Combine(StoreRoot, farm.Id, "attempts", final.Farm.Attempts[1], TaskFarmContract.DefinitionFile));
        Assert.That(given.Tasks.Select(task => task.Index), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(TaskFarmJob.ReadResults(Store, farm.Id).Select(result => result.Output), Is.EqualTo(new[] { "0\n", "1\n", "2\n", "3\n" }));
        Assert.That(SavedIndices(farm.Id), Is.EquivalentTo(new long[] { 0, 1, 2, 3 }));
        AssertNothingLeft(final);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void FarmWhoseLauncherDiedIsResumedFromTheStore(MpiImplementation implementation)
    {
        var file = Path.Combine(_scratch, "farm.json");
        File.WriteAllText(file, JsonSerializer.Serialize(Farm(implementation, Echo(0), Echo(1), WaitsFor(2, "go"), Echo(3)), SpecJson));
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        foreach (var argument in new[] { Path.Combine(TestContext.CurrentContext.TestDirectory, "JobStoreReader.dll"), StoreRoot, "farm", file })
            start.ArgumentList.Add(argument);
        string id;
        using (var launcher = System.Diagnostics.Process.Start(start)!)
        {
            try
            {
                id = launcher.StandardOutput.ReadLine()?.Split(' ')[0] ?? "";
                Assert.That(id, Is.Not.Empty, "the launcher did not start the farm");
                Eventually.Holds(() => TaskFarmJob.ReadResults(Store, id).Count == 2 && File.Exists(Path.Combine(_scratch, "go.started")), "two results saved, task 2 running");
                launcher.Kill();
                Assert.That(launcher.WaitForExit(Eventually.Deadline), Is.True);
            }
            finally
            {
                if (!launcher.HasExited)
                    launcher.Kill(entireProcessTree: true);
            }
        }
        var orphaned = Store.TryGet(id)!;
        Assert.That(orphaned.State, Is.EqualTo(JobState.Failed));
        Assert.That(orphaned.Reason, Does.StartWith("The launcher (process "));
        foreach (var attempt in orphaned.Farm!.Attempts)
            Eventually.Holds(() => Leftovers.Of(attempt).Count == 0, $"every process of attempt {attempt} ending with its launcher");

        File.Create(Path.Combine(_scratch, "go")).Dispose();
        using var resumed = TaskFarmJob.Resume(Store, id);
        var final = RunToEnd(resumed);

        Assert.That(final.State, Is.EqualTo(JobState.Completed), final.Reason);
        Assert.That(TaskFarmJob.ReadResults(Store, id).Select(result => result.Output), Is.EqualTo(new[] { "0\n", "1\n", "2\n", "3\n" }));
        Assert.That(SavedIndices(id), Is.EquivalentTo(new long[] { 0, 1, 2, 3 }));
        AssertNothingLeft(final);
    }

    [Test]
    public void StopAskedByAnotherProcessStopsTheFarm()
    {
        using var farm = TaskFarmJob.Start(Farm(MpiImplementation.Mpich, Echo(0), WaitsFor(1, "never")), Store);
        Eventually.Holds(() => File.Exists(Path.Combine(_scratch, "never.started")), "task 1 starting");
        var reader = Command.Run("dotnet", [Path.Combine(TestContext.CurrentContext.TestDirectory, "JobStoreReader.dll"), StoreRoot, "stop", farm.Id]);
        Assert.That(reader.Output, Does.Contain("stop requested"), reader.Error);
        var final = RunToEnd(farm);

        Assert.That(final.State, Is.EqualTo(JobState.Stopped));
        Assert.That(TaskFarmJob.ReadResults(Store, farm.Id).Select(result => result.Index), Is.EqualTo(new long[] { 0 }));
        AssertNothingLeft(final);
    }

    [Test]
    public void TimeLimitSpansTheAttemptsAndKeepsTheResults()
    {
        var spec = Farm(MpiImplementation.OpenMpi, Echo(0), KillsItsRankOnce(1), WaitsFor(2, "never"), Echo(3));
        spec = spec with { Job = spec.Job with { TimeLimit = TimeSpan.FromSeconds(20) } };
        using var farm = TaskFarmJob.Start(spec, Store);
        // The limit is the farm's: it runs on after the restart and ends the second attempt.
        Eventually.Holds(() => File.Exists(Path.Combine(_scratch, "never.started")), "task 2 starting in the second attempt");
        var final = RunToEnd(farm);

        Assert.That(final.State, Is.EqualTo(JobState.TimedOut));
        Assert.That(final.Reason, Does.EndWith("The farm exceeded its time limit of 00:00:20."));
        Assert.That(final.Farm!.Attempts, Has.Count.EqualTo(2));
        Assert.That(TaskFarmJob.ReadResults(Store, farm.Id).Select(result => result.Index), Is.EqualTo(new long[] { 0, 1 }));
        AssertNothingLeft(final);
    }

    [Test]
    public void FarmWithoutTasksCompletesAtOnceWithoutMpiexec()
    {
        using var farm = TaskFarmJob.Start(Farm(MpiImplementation.OpenMpi), Store);
        Assert.That(farm.Completion.IsCompleted, Is.True);
        var final = farm.Wait(TimeSpan.Zero)!;

        Assert.That(final.State, Is.EqualTo(JobState.Completed));
        Assert.That(final.Farm, Is.EqualTo(new FarmSummary(0, 0, 0, 0, final.Farm!.Attempts) { MaxRestarts = 1 }));
        Assert.That(final.Farm.Attempts, Is.Empty);
        Assert.That(Store.TryGet(farm.Id)!.State, Is.EqualTo(JobState.Completed));
        Assert.That(TaskFarmJob.ReadResults(Store, farm.Id), Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(StoreRoot, farm.Id, "attempts")), Is.False);
    }

    private static IEnumerable<TestCaseData> BadSpecs()
    {
        TaskFarmSpec Good() => Farm(MpiImplementation.OpenMpi, "echo 0", "echo 1");
        FarmDefinition Definition(TaskFarmSpec spec) => spec.Definition;
        yield return new TestCaseData(Good() with { Definition = Definition(Good()) with { Tasks = [new FarmTask(0), new FarmTask(2)] } }, JobSpecField.Farm, 2L)
            .SetName("{m}(indices not 0..n-1)");
        yield return new TestCaseData(Good() with { Definition = Definition(Good()) with { Tasks = [new FarmTask(1), new FarmTask(0)] } }, JobSpecField.Farm, 1L)
            .SetName("{m}(indices out of order)");
        yield return new TestCaseData(Good() with { Definition = Definition(Good()) with { MaxRetries = -1 } }, JobSpecField.Farm, -1).SetName("{m}(negative retries)");
        yield return new TestCaseData(Good() with { Definition = Definition(Good()) with { ChunkSize = -2 } }, JobSpecField.Farm, -2).SetName("{m}(negative chunk size)");
        yield return new TestCaseData(Good() with { Definition = Definition(Good()) with { TaskTimeLimitSeconds = 0 } }, JobSpecField.TimeLimit, 0.0).SetName("{m}(zero task time limit)");
        yield return new TestCaseData(Good() with { Definition = Definition(Good()) with { TaskTimeLimitSeconds = double.NaN } }, JobSpecField.TimeLimit, double.NaN).SetName("{m}(task time limit not a number)");
        yield return new TestCaseData(Good() with { MaxRestarts = -1 }, JobSpecField.Farm, -1).SetName("{m}(negative restarts)");
        yield return new TestCaseData(Good() with { Definition = Definition(Good()) with { Program = null } }, JobSpecField.Farm, null).SetName("{m}(program farm without a program)");
        yield return new TestCaseData(Good() with { Definition = Definition(Good()) with { Kind = FarmKind.ScriptBlock, Script = " " } }, JobSpecField.Farm, " ").SetName("{m}(script farm without a script)");
        yield return new TestCaseData(Good() with { Definition = Definition(Good()) with { Kind = (FarmKind)7 } }, JobSpecField.Farm, (FarmKind)7).SetName("{m}(unknown kind)");
        yield return new TestCaseData(Good() with { Job = Good().Job with { Arguments = ["x"] } }, JobSpecField.Program, "x").SetName("{m}(worker arguments)");
        yield return new TestCaseData(Good() with { Job = Good().Job with { Ranks = 0 } }, JobSpecField.Ranks, 0).SetName("{m}(no ranks)");
        yield return new TestCaseData(Good() with { Job = Good().Job with { TimeLimit = TimeSpan.Zero } }, JobSpecField.TimeLimit, TimeSpan.Zero).SetName("{m}(zero farm time limit)");
        yield return new TestCaseData(Good() with { Job = Good().Job with { Program = "/nonexistent/worker.dll" } }, JobSpecField.Program, "/nonexistent/worker.dll").SetName("{m}(missing worker)");
        yield return new TestCaseData(Good() with { Job = Good().Job with { Hosts = [new HostSlots("no-such-node.invalid", 2)] } }, JobSpecField.Host, "no-such-node.invalid")
            .SetName("{m}(unknown host)");
    }

    [TestCaseSource(nameof(BadSpecs))]
    public void BadSpecIsRefusedNamingFieldAndValueBeforeAnythingStarts(TaskFarmSpec spec, JobSpecField field, object? value)
    {
        var error = Assert.Throws<JobSpecException>(() => TaskFarmJob.Start(spec, Store))!;

        Assert.That((error.Field, error.Value), Is.EqualTo((field, value)), error.Message);
        Assert.That(Directory.EnumerateFileSystemEntries(StoreRoot), Is.Empty, "nothing recorded");
    }

    [Test]
    public void DefaultRanksAreTheSlotsButNeverMoreThanTheTasks()
    {
        var spec = Farm(MpiImplementation.OpenMpi, "echo 0", "echo 1", "echo 2");
        var slots = new HostSlots(System.Environment.MachineName, 8);
        Assert.That((spec with { Job = spec.Job with { Ranks = 5 } }).Validate().Ranks, Is.EqualTo(3));
        Assert.That((spec with { Job = new JobSpec { Program = Worker, Hosts = [slots with { Slots = 2 }] } }).Validate().Ranks, Is.EqualTo(2));
        Assert.That((spec with { Job = new JobSpec { Program = Worker, Hosts = [slots] } }).Validate().Ranks, Is.EqualTo(3));
        Assert.That((spec with { Definition = spec.Definition with { Tasks = [] } }).Validate().Ranks, Is.EqualTo(1));
    }

    [Test]
    public void TemplateReplacesEachPlaceholderOrAppendsTheInput()
    {
        Assert.That(TaskFarmSpec.ExpandTemplate(["--in={}", "-o", "{}.out", "x{}y{}"], "a b"), Is.EqualTo(new[] { "--in=a b", "-o", "a b.out", "xa bya b" }));
        Assert.That(TaskFarmSpec.ExpandTemplate(["-v"], "7"), Is.EqualTo(new[] { "-v", "7" }));
        Assert.That(TaskFarmSpec.ExpandTemplate([], "7"), Is.EqualTo(new[] { "7" }));
    }

    [Test]
    public void ResultLineCutShortByALauncherThatDiedIsNoResultAndLaterResultsStayWhole()
    {
        var directory = Path.Combine(StoreRoot, "farm");
        Directory.CreateDirectory(directory);
        static FarmTaskResult Saved(long index) => new(index, FarmOutcome.Completed, 1, 0, "node1", 0.5, $"{index}\n", null, null, 0, null, null, null, "farm.1");
        using (var files = new FarmFiles(directory))
            files.Append(Saved(0));
        // The launcher died while writing the next result.
        var path = Path.Combine(directory, TaskFarmJob.ResultsFile);
        File.AppendAllText(path, File.ReadAllText(path)[..20]);
        Assert.That(FarmFiles.ReadResults(directory), Is.EqualTo(new[] { Saved(0) }), "the cut line is no result");

        using (var files = new FarmFiles(directory))
            files.Append(Saved(1));
        Assert.That(FarmFiles.ReadResults(directory), Is.EqualTo(new[] { Saved(0), Saved(1) }));
    }

    [Test]
    public void ResumeRefusesWhatIsNotAnUnfinishedFarm()
    {
        Assert.That(Assert.Throws<JobSpecException>(() => TaskFarmJob.Resume(Store, "no-such-farm"))!.Problem, Is.EqualTo(JobSpecProblem.NotFound));
        using var job = ParallelJob.Start(LauncherTests.Spec(MpiImplementation.Mpich, "1", "complete") with { Ranks = 1 }, Store);
        job.Wait(Deadline);
        Assert.That(Assert.Throws<JobSpecException>(() => TaskFarmJob.Resume(Store, job.Id))!.Message, Does.Contain("is not a task farm"));
    }
}
