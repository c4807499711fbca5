using Tests.Support;

namespace Framework.Tests;

/// <summary>
/// The rank program template (templates/RankProgram), installed into a private template hive, creates a project that
/// publishes Native AOT; the published executable (no JIT, no code generated at run time) runs under both MPIs: the
/// raw Allreduce, a [MemoryPackable] record passed round the ring, and the clear refusal of a class MemoryPack does
/// not know. Published once for the fixture (Native AOT compilation takes minutes).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NativeAotTests
{
    private static readonly TimeSpan PublishDeadline = TimeSpan.FromMinutes(20);
    private DirectoryInfo _work = null!;
    private string _executable = "";

    [OneTimeSetUp]
    public void PublishFromTheTemplate()
    {
        _work = Directory.CreateTempSubdirectory("rank-template-");
        var hive = Path.Combine(_work.FullName, "hive");
        var project = Path.Combine(_work.FullName, "Ranks");
        var quiet = new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };

        var install = Command.Run("dotnet", ["new", "install", Path.Combine(Repository.Root, "templates", "RankProgram"),
            "--debug:custom-hive", hive], environment: quiet);
        Assert.That(install.ExitCode, Is.Zero, install.Output + install.Error);
        var create = Command.Run("dotnet", ["new", "rank-program", "-n", "Ranks", "-o", project,
            "--mpi-project", Path.Combine(Repository.Root, "Framework", "MPI", "MPI.csproj"), "--debug:custom-hive", hive],
            environment: quiet);
        Assert.That(create.ExitCode, Is.Zero, create.Output + create.Error);
        Assert.That(File.ReadAllText(Path.Combine(project, "Ranks.csproj")), Does.Contain("<PublishAot>true</PublishAot>"));

        var publish = Command.Run("dotnet", ["publish", project, "-c", "Release", "-nologo", "-clp:ErrorsOnly",
            "-o", Path.Combine(_work.FullName, "publish")], environment: quiet, timeout: PublishDeadline);
        Assert.That(publish.ExitCode, Is.Zero, publish.Output + publish.Error);
        _executable = Path.Combine(_work.FullName, "publish", "Ranks");
    }

    [OneTimeTearDown]
    public void RemoveTheWork() => _work?.Delete(recursive: true);

    [Test]
    public void ThePublishedProgramIsNative()
    {
        var magic = new byte[4];
        using (var file = File.OpenRead(_executable))
            file.ReadExactly(magic);
        Assert.That(magic, Is.EqualTo(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }), "an ELF executable");
        Assert.That(File.Exists(Path.Combine(_work.FullName, "publish", "Ranks.dll")), Is.False, "no IL assembly to JIT");
    }

    [TestCase(Implementation.OpenMpi, 1)]
    [TestCase(Implementation.Mpich, 1)]
    [TestCase(Implementation.OpenMpi, 4)]
    [TestCase(Implementation.Mpich, 4)]
    public void RunsRawAndMemoryPackMessagesAndRefusesAnUnmarkedClass(Implementation implementation, int ranks)
    {
        var run = MpiProcess.LaunchExecutable(implementation, ranks, _executable, ["--aot-refusal"]);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        int sum = ranks * (ranks - 1) / 2;
        for (int rank = 0; rank < ranks; rank++)
        {
            int left = (rank + ranks - 1) % ranks;
            Assert.That(run.Stdout, Does.Match($@"(?m)^rank {rank} of {ranks}: sum of ranks {sum}, from rank {left} on \S+ \[{left},{sum}\]$"),
                run.Describe());
        }
        Assert.That(run.Stdout, Does.Contain("unmarked class refused: Unmarked cannot be serialized in a Native AOT program"), run.Describe());
        Assert.That(run.Stdout, Does.Contain("Mark the type [MemoryPackable] and partial"), run.Describe());
        Assert.That(run.Stdout, Does.Not.Contain("unmarked class sent"), run.Describe());
    }

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void AnExceptionLeavingTheEnvironmentsUsingAbortsTheJob(Implementation implementation)
    {
        // Without exception pointers (Native AOT), the disposal still sees the exception propagating and aborts,
        // instead of finalizing and printing what the catch further out says.
        var run = MpiProcess.LaunchExecutable(implementation, 2, _executable, ["--exception-in-using"]);

        Assert.That(run.ExitCode, Is.Not.Zero, run.Describe());
        Assert.That(run.Stderr, Does.Match(@"\[rank \d of 2 on \S+\] exception left MPI\.Environment's scope, aborting the job: System\.InvalidOperationException: rank \d gave up"),
            run.Describe());
        Assert.That(run.Stdout, Does.Not.Contain("not aborted"), run.Describe());
    }
}
