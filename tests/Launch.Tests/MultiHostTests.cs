using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using MPI.Launch;
using MPI.Logging;

namespace Launch.Tests;

/// <summary>
/// Jobs over several hosts: test hosts in network namespaces (scripts/testhosts), reached through the ssh stand-in,
/// the launcher itself running on h1 as a user logged in there would. MPICH over TCP here often hangs in MPI_Finalize
/// on 3 hosts after the work is done: the launcher ends such ranks after the spec's FinalizeGrace, and the job completes.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MultiHostTests : StoreFixture
{
    private static readonly string Scripts = Path.Combine(Repository.Root, "scripts", "testhosts");
    private static readonly string Agent = Path.Combine(Scripts, "agent.sh");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    [SetUp]
    public void HostsUp() => Script("up.sh", "3");

    [OneTimeTearDown]
    public void HostsDown() => Script("down.sh");

    // The specs handed to the launcher on h1, one file per test.
    private readonly List<string> _specFiles = [];

    [TearDown]
    public void DeleteSpecs()
    {
        foreach (var file in _specFiles)
            File.Delete(file);
        _specFiles.Clear();
    }

    private static void Script(string name, params string[] arguments) =>
        Assert.That(Command.Run(Path.Combine(Scripts, name), arguments).ExitCode, Is.Zero, name);

    private static JobSpec Spec(MpiImplementation implementation, int hosts, string ending) =>
        LauncherTests.Spec(implementation, "3", ending) with
        {
            Ranks = hosts,
            Hosts = [.. Enumerable.Range(1, hosts).Select(i => new HostSlots($"h{i}", 1))],
            LaunchAgent = Agent,
        };

    // Starts the launcher on test host h1 (JobStoreReader run, or farm for a farm): returns the process, which prints the end.
    private Process LaunchOnH1<TSpec>(TSpec spec, string mode = "run")
    {
        var file = Path.Combine(Path.GetTempPath(), $"spmd-spec-{Guid.NewGuid():N}.json");
        _specFiles.Add(file);
        File.WriteAllText(file, JsonSerializer.Serialize(spec, Json));
        var start = new ProcessStartInfo(Path.Combine(Scripts, "on.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "h1", "dotnet", Path.Combine(TestContext.CurrentContext.TestDirectory, "JobStoreReader.dll"), StoreRoot, mode, file })
            start.ArgumentList.Add(argument);
        start.Environment.Remove("TERM");
        return Process.Start(start)!;
    }

    private static string Finish(Process launcher)
    {
        // Not to end-of-file before the exit: something left holding the pipes would hold the test past its deadline.
        var (exited, output, error) = Command.Collect(launcher, Deadline);
        Assert.That(exited, Is.True, "the launcher on h1 did not end");
        TestContext.Out.WriteLine(error);
        return output;
    }

    private JobManifest WaitForState(Func<JobManifest, bool> condition) =>
        Eventually.Produces(() => Store.List() is [var job] && condition(job) ? job : null, "the job reaching the expected state");

    private static void AssertNothingLeft(string jobId) =>
        Assert.That(ProcessIdentity.WithEnvironment(JobContract.JobIdVariable, jobId), Is.Empty, "processes of the job outlived it on some host");

    [TestCase(MpiImplementation.OpenMpi, 3)]
    [TestCase(MpiImplementation.Mpich, 3)]
    public void JobRunsOverTheHostsAndItsLogsNameEachRanksHost(MpiImplementation implementation, int hosts)
    {
        using var launcher = LaunchOnH1(Spec(implementation, hosts, "complete"));
        var output = Finish(launcher);

        var job = Store.List().Single();
        Assert.That(output, Does.Contain($"{job.Id} Completed"), "the launcher's stderr is in the test output");
        Assert.That(job.CommandLine, Does.Contain(Agent));
        var expected = Enumerable.Range(0, hosts).Select(rank => $"h{rank + 1}").ToList();
        Assert.That(job.RankInfo.Select(rank => rank.Host), Is.EqualTo(expected));
        // By template: mpiexec's own lines may mention an event too (Hydra's "..._wait_for_event (...)").
        var events = Store.Logs(job.Id).Read(new LogQuery { Text = "Event " }).Where(record => record.Template == "Event {Number} from rank {From}").ToList();
        Assert.That(events.Select(record => (record.Rank, record.Host)).Distinct().Order(),
            Is.EqualTo(Enumerable.Range(0, hosts).Select(rank => ((int?)rank, (string?)$"h{rank + 1}"))));
        Assert.That(events, Has.Count.EqualTo(3 * hosts));
        AssertNothingLeft(job.Id);
    }

    [Test]
    public void HostThatDoesNotAnswerIsRefusedBeforeAnythingStarts()
    {
        Namespace("delete", "spmd-h3");
        using var launcher = LaunchOnH1(Spec(MpiImplementation.OpenMpi, 3, "complete"));
        var output = Finish(launcher);

        Assert.That(launcher.ExitCode, Is.EqualTo(3), output);
        Assert.That(output, Does.Contain("refused: The host h3 cannot be reached through").And.Contain("no such test host"));
        Assert.That(Store.List(), Is.Empty);
    }

    [TestCase(MpiImplementation.OpenMpi, 3, "kill")]
    [TestCase(MpiImplementation.Mpich, 3, "delete")]
    public void LostHostFailsTheJobNamingItAndLeavesNothingRunning(MpiImplementation implementation, int hosts, string how)
    {
        using var launcher = LaunchOnH1(Spec(implementation, hosts, "hang"));
        var running = WaitForState(job => job.State == JobState.Running);
        var victim = $"h{hosts}";
        // Every event is written before the job hangs: wait for the victim's, then take its host away.
        Eventually.Holds(() => Store.Logs(running.Id).Read(new LogQuery { Rank = hosts - 1, Text = "Event 2" }).Count > 0, "the lost host's last event");
        foreach (var pid in Namespace("pids", $"spmd-{victim}").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Kill(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
        if (how == "delete")
            Namespace("delete", $"spmd-{victim}");
        Finish(launcher);

        var job = Store.TryGet(running.Id)!;
        Assert.That(job.State, Is.EqualTo(JobState.Failed));
        Assert.That(job.Reason, Does.StartWith($"Host {victim} was lost while the job ran"));
        Assert.That(job.Reason, how == "delete" ? Does.Contain("it no longer answers") : Does.Contain("it still answers"));
        Assert.That(job.RankInfo[hosts - 1].Failure, Is.EqualTo(job.Reason));
        Assert.That(job.RankInfo.Take(hosts - 1).Select(rank => rank.EndedWithJob), Has.All.True);
        Assert.That(Store.Logs(job.Id).Read(new LogQuery { Rank = hosts - 1, Text = "Event " }), Has.Count.EqualTo(3), "events the lost host logged");
        AssertNothingLeft(job.Id);
    }

    // A farm over h1 and h2 (one slot each: the worker rank is on h2) whose h2 goes away while it runs a task: the
    // farm is restarted, by itself, on h1 alone, with the tasks that had no result, and completes.
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void FarmWhoseHostIsLostRestartsOnTheHostThatAnswersAndCompletes(MpiImplementation implementation)
    {
        var scratch = Directory.CreateTempSubdirectory("spmd-farm-hosts-").FullName;
        try
        {
            var (started, gone) = (Path.Combine(scratch, "started"), Path.Combine(scratch, "gone"));
            string[] scripts = ["hostname", "hostname", $"touch '{started}'; while [ ! -e '{gone}' ]; do sleep 0.05; done; hostname", "hostname"];
            var spec = TaskFarmTests.Farm(implementation, scripts) with
            {
                Job = new JobSpec
                {
                    Program = TaskFarmTests.Worker,
                    Hosts = [new HostSlots("h1", 1), new HostSlots("h2", 1)],
                    LaunchAgent = Agent,
                    Implementation = implementation,
                    StartupDeadline = TimeSpan.FromSeconds(60),
                },
            };
            using var launcher = LaunchOnH1(spec, "farm");
            Eventually.Holds(() => File.Exists(started), "task 2 starting on h2");
            foreach (var pid in Namespace("pids", "spmd-h2").Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Kill(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
            Namespace("delete", "spmd-h2");
            File.Create(gone).Dispose();
            var output = Finish(launcher);

            var farm = Store.List().Single();
            Assert.That(output, Does.Contain($"{farm.Id} Completed"));
            Assert.That(farm.Reason, Does.Contain("host h2 lost (").And.EndWith("restarted on h1."));
            Assert.That(farm.Farm!.Attempts, Has.Count.EqualTo(2));
            var second = Store.TryGet(farm.Farm.Attempts[1])!;
            Assert.That((second.Spec.Ranks, second.Spec.Hosts.Single()), Is.EqualTo((1, new HostSlots("h1", 1))));
            var results = TaskFarmJob.ReadResults(Store, farm.Id);
            Assert.That(results.Select(result => (result.Index, result.Output)), Is.EqualTo(new[] { (0L, "h2\n"), (1L, "h2\n"), (2L, "h1\n"), (3L, "h1\n") }));
            foreach (var attempt in farm.Farm.Attempts)
                AssertNothingLeft(attempt);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // Gone already.
        }
    }

    private static string Namespace(string verb, string name) => Command.Run("ip", ["netns", verb, name]).Output;
}
