namespace Framework.Tests;

/// <summary>Rank logging as a user sees it: rank-prefixed console lines, or records for a launcher.</summary>
[TestFixture]
public sealed class LoggingTests
{
    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void ConsoleLinesStartWithTheRank(Implementation implementation)
    {
        var run = MpiProcess.Launch(implementation, 2, "SpmdChecks", ["logjob", "2", "complete"]);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Match(@"\[rank 1\] \d\d:\d\d:\d\d\.\d{3} INF Event 1 from rank 1"), run.Describe());
        Assert.That(run.Stdout, Does.Contain("plain output from rank 0"));
        Assert.That(run.Stderr, Does.Not.Contain("@spmd-record"));
    }

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void UnderALauncherRanksShipRecordsInstead(Implementation implementation)
    {
        var run = MpiProcess.Launch(implementation, 2, "SpmdChecks", ["logjob", "2", "complete"],
            new Dictionary<string, string> { ["SPMD_JOB_ID"] = "job-42" });

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Not.Contain("[rank 1]"));
        var records = run.Stderr.Split('\n').Where(line => line.StartsWith("@spmd-record ", StringComparison.Ordinal)).ToList();
        // Per rank: started, two events, finished, finalized, exited.
        Assert.That(records, Has.Count.EqualTo(12), run.Describe());
        Assert.That(records, Has.All.Contains("\"JobId\":\"job-42\""));
        Assert.That(records.Count(line => line.Contains("\"Rank\":1", StringComparison.Ordinal)), Is.EqualTo(6));
        Assert.That(records.Count(line => line.Contains("\"@mt\":\"Rank {Rank} exited with code {ExitCode}\"", StringComparison.Ordinal)
            && line.Contains("\"ExitCode\":0", StringComparison.Ordinal)), Is.EqualTo(2));
    }
}
