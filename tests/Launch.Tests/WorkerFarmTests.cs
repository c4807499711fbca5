using System.Text.Json;
using MPI.Launch;
using MPI.Logging;

namespace Launch.Tests;

/// <summary>
/// Farms end to end with the real worker (spmd-taskworker, <see cref="TaskFarmJob.DefaultWorker"/>, as the module ships
/// it): script blocks and programs, a lost rank and its restart, a task's time limit, a program that cannot start.
/// </summary>
[TestFixture]
public sealed class WorkerFarmTests : StoreFixture
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(150);

    private string _scratch = "";

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("spmd-worker-farm-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    // An object as PowerShell serializes it (PSSerializer), the form of a script block's input.
    private static string CliXml(string element) => $"<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">{element}</Objs>";

    private static TaskFarmSpec Farm(MpiImplementation implementation, FarmDefinition definition) => new()
    {
        Job = new JobSpec { Program = "", Ranks = 2, Implementation = implementation, StartupDeadline = TimeSpan.FromSeconds(90) },
        Definition = definition,
    };

    private static FarmDefinition Programs(params string[] scripts) => new()
    {
        Kind = FarmKind.Program,
        Program = "/bin/sh",
        Tasks = [.. scripts.Select((script, index) => new FarmTask(index, null, ["-c", script]))],
    };

    private static JobManifest RunToEnd(TaskFarmSpec spec, JobStore store)
    {
        using var farm = TaskFarmJob.Start(spec, store);
        var final = farm.Wait(Deadline);
        Assert.That(final, Is.Not.Null, $"farm {farm.Id} did not end within {Deadline}");
        foreach (var attempt in final!.Farm!.Attempts)
            Assert.That(Leftovers.Of(attempt), Is.Empty, $"processes of attempt {attempt} outlived the farm");
        return final;
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void ScriptBlockFarmSavesEachOutputAndATaskThatThrowsFailsAlone(MpiImplementation implementation)
    {
        var definition = new FarmDefinition
        {
            Kind = FarmKind.ScriptBlock,
            Script = "if ($_ -eq 2) { throw 'two is bad' }; $_ * $_",
            Tasks = [.. Enumerable.Range(0, 5).Select(i => new FarmTask(i, CliXml($"<I32>{i}</I32>")))],
        };
        var final = RunToEnd(Farm(implementation, definition), Store);

        Assert.That(final.State, Is.EqualTo(JobState.Failed));
        Assert.That(final.Reason, Is.EqualTo("1 of 5 task(s) failed: 2."));
        var results = TaskFarmJob.ReadResults(Store, final.Id);
        Assert.That(results.Select(result => result.Index), Is.EqualTo(new long[] { 0, 1, 2, 3, 4 }));
        foreach (var i in new[] { 0, 1, 3, 4 })
            Assert.That(results[i].Output, Does.Contain($"<I32>{i * i}</I32>"), $"task {i}");
        Assert.That(results[2], Has.Property(nameof(FarmTaskResult.Outcome)).EqualTo(FarmOutcome.Failed)
            .And.Property(nameof(FarmTaskResult.ErrorMessage)).Contains("two is bad")
            .And.Property(nameof(FarmTaskResult.Errors)).Not.Null);
    }

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void ProgramFarmRestartsAfterALostRankAndSavesEveryTaskOnce(MpiImplementation implementation)
    {
        var marker = Path.Combine(_scratch, "killed");
        string[] scripts = [.. Enumerable.Range(0, 8).Select(i => i == 4
            ? $"[ -e '{marker}' ] || {{ touch '{marker}'; kill -9 $PPID; sleep 60; }}; echo 4"
            : $"echo $(({i} * {i}))")];
        var final = RunToEnd(Farm(implementation, Programs(scripts)), Store);

        Assert.That(final.State, Is.EqualTo(JobState.Completed), final.Reason);
        Assert.That(final.Farm!.Restarts, Is.EqualTo(1));
        Assert.That(TaskFarmJob.ReadResults(Store, final.Id).Select(result => (result.Index, result.Output, result.ExitCode)),
            Is.EqualTo(Enumerable.Range(0, 8).Select(i => ((long)i, i == 4 ? "4\n" : $"{i * i}\n", (int?)0))));
        var lines = File.ReadAllLines(Path.Combine(StoreRoot, final.Id, TaskFarmJob.ResultsFile));
        Assert.That(lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("Index").GetInt64()), Is.EquivalentTo(Enumerable.Range(0, 8).Select(i => (long)i)),
            "every index saved exactly once");
    }

    [Test]
    public void TaskPastItsTimeLimitFailsAloneAndProgramThatCannotStartFailsEachTask()
    {
        var limited = Programs("echo 0", "sleep 300") with { TaskTimeLimitSeconds = 2 };
        var final = RunToEnd(Farm(MpiImplementation.Mpich, limited), Store);

        Assert.That(final.State, Is.EqualTo(JobState.Failed));
        Assert.That(final.Reason, Is.EqualTo("1 of 2 task(s) failed: 1."));
        Assert.That(TaskFarmJob.ReadResults(Store, final.Id)[1], Has.Property(nameof(FarmTaskResult.ErrorType)).EqualTo(typeof(TimeoutException).FullName));

        var missing = Programs("a", "b") with { Program = Path.Combine(_scratch, "no-such-program") };
        var failed = RunToEnd(Farm(MpiImplementation.Mpich, missing), Store);

        Assert.That(failed.Reason, Is.EqualTo("2 of 2 task(s) failed: 0, 1."));
        Assert.That(TaskFarmJob.ReadResults(Store, failed.Id), Has.All.Property(nameof(FarmTaskResult.ErrorMessage)).Contains("no-such-program"));
    }
}
