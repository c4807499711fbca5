using MPI.Launch;
using MPI.Logging;

namespace Launch.Tests;

/// <summary>
/// Working out how a job ended can be slow (a host suspected lost is probed through the launch agent, for up to
/// three seconds): the job's manifest stays readable meanwhile.
/// </summary>
[TestFixture]
public sealed class DiagnosisTests : StoreFixture
{
    // A documentation address: resolves without a name service and is not this machine.
    private const string Host = "192.0.2.1";

    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => Directory.CreateDirectory(_directory = Path.Combine(Path.GetTempPath(), $"spmd-diagnosis-{Guid.NewGuid():N}"));

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    // The job's one rank is a script that, through the record file as any rank may, says it started on another host,
    // then exits without another word: at the end the launcher probes that host through the agent. The agent says
    // the probe began, then holds it until this test has read the manifest, then answers at once, without running
    // anything (the probe's deadline counts the hold). A read that waited for the probe would come after the probe's
    // deadline, and the host would be reported as no longer answering.
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void TheManifestIsReadWhileALostHostIsProbed(MpiImplementation implementation)
    {
        string probing = Path.Combine(_directory, "probing"), release = Path.Combine(_directory, "release");
        var started = JobContract.StartedTemplate;
        var rank = Script("rank.sh", $$"""
            #!/bin/sh
            printf '{"@mt":"{{started}}","Rank":0,"Size":1,"Host":"{{Host}}","ProcessId":%s}\n' $$ >> "${{JobContract.RecordDirectoryVariable}}/{{JobContract.RecordFile(0)}}"
            """);
        var agent = Script("agent.sh", $"""
            #!/bin/sh
            while [ "$1" = "-o" ]; do shift 2; done
            touch '{probing}'
            while [ ! -e '{release}' ]; do sleep 0.05; done
            printf 'hostname=%s\ncpus=1\n' "$1"
            """);
        var spec = new JobSpec { Program = rank, Ranks = 1, Implementation = implementation, LaunchAgent = agent, AllowRunAsRoot = true };

        using var job = ParallelJob.Start(spec, Store);
        Eventually.Holds(() => File.Exists(probing), "the launcher probing the lost host");
        var during = job.Manifest;
        File.WriteAllText(release, "");
        var final = job.Wait(TimeSpan.FromSeconds(90));

        Assert.That(during.IsFinished, Is.False, "the manifest was read only once the probe had ended");
        Assert.That(final, Is.Not.Null, "the job did not end");
        Assert.That(final!.RankInfo.Single().Failure, Does.StartWith($"Host {Host} was lost while the job ran (it still answers"),
            "the probe was answered only after its deadline: the manifest's reader waited for it");
    }

    private string Script(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
