using MPI.Launch;
using MPI.Logging;

namespace Launch.Tests;

/// <summary>
/// Variables given to a job may be secrets: their values reach the ranks without appearing in any process's argument
/// list (readable by every user through ps) or in the job's manifest, and the job store is its owner's only.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecretTests : StoreFixture
{
    private const string Given = "SPMD_TEST_TOKEN", Passed = "SPMD_TEST_PASSED";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void ValuesReachTheRanksButNoArgumentListManifestOrOtherUser(MpiImplementation implementation)
    {
        var given = $"given secret {Guid.NewGuid():N}";
        var passed = $"passed-secret-{Guid.NewGuid():N}";
        // The ranks stay until this file exists: the processes are looked at while they all run, however slowly.
        var release = Path.Combine(Path.GetTempPath(), $"spmd-release-{Guid.NewGuid():N}");
        System.Environment.SetEnvironmentVariable(Passed, passed);
        try
        {
            var spec = LauncherTests.Spec(implementation) with
            {
                Arguments = ["echo-env", release, Given, Passed],
                Ranks = 2,
                Environment = new Dictionary<string, string> { [Given] = given },
                PassEnvironment = [Passed],
            };
            using var job = ParallelJob.Start(spec, Store);

            // While the ranks wait: every process of the job (mpiexec, its daemons or proxies, the ranks).
            var commandLines = Eventually.Produces(() =>
            {
                if (job.Manifest.State != JobState.Running)
                    return null;
                var lines = ProcessIdentity.WithEnvironment(JobContract.JobIdVariable, job.Id).Select(CommandLine).OfType<string>().ToList();
                return lines.Any(line => line.StartsWith("mpiexec", StringComparison.Ordinal)) ? lines : null;
            }, "the job running with its mpiexec");
            File.WriteAllText(release, "");
            var final = job.Wait(Deadline);
            Assert.That(final, Is.Not.Null, "the job did not end");
            Assert.That(final!.State, Is.EqualTo(JobState.Completed), final.Reason);

            TestContext.Out.WriteLine(string.Join('\n', commandLines));
            var mpiexec = commandLines.First(line => line.StartsWith("mpiexec", StringComparison.Ordinal));
            Assert.That(mpiexec, Does.Contain(Given).And.Contain(Passed), "mpiexec is told the variables' names");
            Assert.That(commandLines, Has.None.Contain(given).And.None.Contain(passed), "a value is in a process's argument list");

            var output = Store.Logs(job.Id).Read().Where(record => record.Rank is not null).Select(record => $"{record.Rank}:{record.Message}").ToList();
            foreach (int rank in new[] { 0, 1 })
                Assert.That(output, Has.Some.Contains($"{rank}:{Given}={given}").And.Some.Contains($"{rank}:{Passed}={passed}"), "the values reached the ranks");

            var manifest = File.ReadAllText(Path.Combine(StoreRoot, job.Id, "manifest.json"));
            Assert.That(manifest, Does.Contain(Given).And.Contain(Passed).And.Contain(JobSpec.RedactedValue));
            Assert.That(manifest, Does.Not.Contain(given).And.Not.Contain(passed));
            Assert.That(Store.TryGet(job.Id)!.Spec.Environment[Given], Is.EqualTo(JobSpec.RedactedValue));

            AssertOwnerOnly(StoreRoot);
            Assert.That(Directory.GetFiles(Path.Combine(StoreRoot, job.Id)).Select(Path.GetFileName),
                Does.Contain("rank-0.clef").And.Contain("rank-1.clef").And.Contain("manifest.json"), "the files checked");
        }
        finally
        {
            System.Environment.SetEnvironmentVariable(Passed, null);
            File.Delete(release);
        }
    }

    [Test]
    public void BatchScriptAndRecordedSpecCarryNamesOnly()
    {
        var spec = LauncherTests.Spec(MpiImplementation.Auto) with { Environment = new Dictionary<string, string> { [Given] = "batch-secret-value" } };
        var script = BatchJobs.Script(spec, new BatchOptions(), Store, "job-1");

        Assert.That(script, Does.Not.Contain("batch-secret-value"));
        Assert.That(spec.Redacted().Environment[Given], Is.EqualTo(JobSpec.RedactedValue));
    }

    /// <summary>Fails unless <paramref name="root"/> and every directory under it is 700 and every file 600.</summary>
    internal static void AssertOwnerOnly(string root)
    {
        const UnixFileMode OwnerDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var modes = new[] { root }.Concat(Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
            .Select(path => (path, mode: File.GetUnixFileMode(path), isDirectory: Directory.Exists(path)))
            .ToList();
        Assert.That(modes.Where(entry => entry.mode != (entry.isDirectory ? OwnerDirectory : OwnerFile))
            .Select(entry => $"{entry.path} {Convert.ToString((int)entry.mode, 8)}"), Is.Empty, "readable by others");
    }

    private static string? CommandLine(int processId)
    {
        try
        {
            return File.ReadAllText($"/proc/{processId}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
