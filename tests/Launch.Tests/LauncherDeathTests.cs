using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using MPI.Launch;

namespace Launch.Tests;

/// <summary>
/// A launcher that dies with its job running (SIGKILL: no code of its own runs) leaves no process of the job behind:
/// its guard ends mpiexec and every rank, and the job reads Failed in the store.
/// </summary>
[TestFixture]
public sealed class LauncherDeathTests : StoreFixture
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void KilledLauncherLeavesNoProcessOfItsJob(MpiImplementation implementation)
    {
        var spec = new JobSpec
        {
            Program = Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll"),
            Arguments = ["logjob", "1", "hang"],
            Ranks = 2,
            Implementation = implementation,
            StartupDeadline = TimeSpan.FromSeconds(120),
        };
        var file = Path.Combine(StoreRoot, "spec.json");
        File.WriteAllText(file, JsonSerializer.Serialize(spec, Json));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(TestContext.CurrentContext.TestDirectory, "JobStoreReader.dll"), StoreRoot, "run", file })
            start.ArgumentList.Add(argument);
        using var launcher = Process.Start(start)!;
        try
        {
            var id = launcher.StandardOutput.ReadLine()?.Split(' ')[0];
            Assert.That(id, Is.Not.Null.And.Not.Empty, "the launcher did not start the job");
            Eventually.Holds(() => Store.TryGet(id!)?.State == JobState.Running && ProcessIdentity.WithEnvironment(MPI.Logging.JobContract.JobIdVariable, id!).ToList().Count >= 3,
                "the job running with mpiexec and both ranks");

            launcher.Kill();
            Assert.That(launcher.WaitForExit(Eventually.Deadline), Is.True);

            Eventually.Holds(() => ProcessIdentity.WithEnvironment(MPI.Logging.JobContract.JobIdVariable, id!).ToList().Count == 0, "every process of the job ending");
            var job = Store.TryGet(id!)!;
            Assert.That(job.State, Is.EqualTo(JobState.Failed));
            Assert.That(job.RankInfo.Select(rank => (rank.Rank, rank.EndedWithJob)), Is.EqualTo(new[] { (0, true), (1, true) }),
                "the ranks were ended with their launcher, not failed");
        }
        finally
        {
            if (!launcher.HasExited)
                launcher.Kill(entireProcessTree: true);
        }
    }
}
