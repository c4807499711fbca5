namespace PowerShell.Tests;

/// <summary>
/// The cmdlets on several hosts: a PowerShell session on test host h1 (scripts/testhosts) places ranks on h1..h3
/// through the ssh stand-in and probes hosts, one of which does not answer.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MultiHostTests
{
    private static readonly string Scripts = Path.Combine(Repository.Root, "scripts", "testhosts");

    [SetUp]
    public void HostsUp() => Assert.That(Command.Run(Path.Combine(Scripts, "up.sh"), ["3"]).ExitCode, Is.Zero);

    [OneTimeTearDown]
    public void HostsDown() => Command.Run(Path.Combine(Scripts, "down.sh"), []);

    // Runs a PowerShell script in a session on h1, with $program (the test job) and $agent (the ssh stand-in) set.
    private static (int ExitCode, List<string> Lines) OnH1(string script)
    {
        var file = Path.Combine(JobStoreSetUp.Root, $"script-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(file, script);
        var result = Command.Run(Path.Combine(Scripts, "on.sh"), ["h1", "dotnet", Path.Combine(TestContext.CurrentContext.TestDirectory, "PowerShellHost.dll"),
            PowerShellSession.ModuleManifest, file,
            $"program={Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll")}", $"agent={Path.Combine(Scripts, "agent.sh")}"]);
        return (result.ExitCode, result.Lines);
    }

    [Test]
    public void StartParallelJobPlacesRanksOnEveryHostAndTheLogsSayWhere()
    {
        var (exitCode, lines) = OnH1("""
            $j = Start-ParallelJob $program -ArgumentList logjob, 2, complete -ComputerName h1, h2, h3 -Ranks 3 -MpiImplementation OpenMpi -LaunchAgent $agent -Name over-hosts
            $j | Wait-ParallelJob -Timeout 120 | Out-Null
            "state $($j.ParallelState) on $($j.Location)"
            Receive-ParallelJob $j -Keep | Where-Object { $_.Message -like 'Event *' } | ForEach-Object { "event rank $($_.Rank) host $($_.Host)" }
            """);

        Assert.That(exitCode, Is.Zero, string.Join("\n", lines));
        Assert.That(lines, Does.Contain("state Completed on h1,h2,h3"));
        for (int rank = 0; rank < 3; rank++)
            Assert.That(lines.Count(line => line == $"event rank {rank} host h{rank + 1}"), Is.EqualTo(2), $"rank {rank}'s events");
    }

    [Test]
    public void UnreachableHostIsNamedByTestParallelHostAndRefusedByStartParallelJob()
    {
        Command.Run("ip", ["netns", "delete", "spmd-h3"]);
        var (_, lines) = OnH1("""
            Test-ParallelHost h1, h2, h3, h9 -LaunchAgent $agent | ForEach-Object { "probe $($_.ComputerName) $($_.Reachable) cpus=$($_.CpuCount) mpi=$($_.MpiLibraries -join ',') why=$($_.Reason)" }
            Start-ParallelJob $program -ArgumentList logjob, 1, complete -ComputerName h1, h3 -Ranks 2 -LaunchAgent $agent
            "jobs $(@(Get-ParallelJob).Count)"
            """);

        Assert.That(lines, Has.Some.Match($"^probe h1 True cpus={System.Environment.ProcessorCount} mpi=Open MPI [0-9.]+,MPICH [0-9.]+ why=$"));
        Assert.That(lines, Has.Some.StartsWith("probe h2 True"));
        Assert.That(lines, Has.Some.Match("^probe h3 False .*why=.*h3: no such test host"));
        Assert.That(lines, Has.Some.Match("^probe h9 False .*why=the name does not resolve"));
        Assert.That(lines, Has.Some.Match("^ERROR ConnectionError: The host h3 cannot be reached through .*agent.sh"));
        var before = lines.Single(line => line.StartsWith("jobs ", StringComparison.Ordinal));
        Assert.That(Directory.GetDirectories(JobStoreSetUp.Root).Length, Is.EqualTo(int.Parse(before[5..], System.Globalization.CultureInfo.InvariantCulture)), "a job was recorded for the refused start");
    }
}
