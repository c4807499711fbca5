namespace PowerShell.Tests;

/// <summary>Test-ParallelHost keeps its deadline whatever the launch agent leaves behind, and says which host and why.</summary>
[TestFixture]
public sealed class HostProbeTests
{
    private const string Host = "192.0.2.1";

    [Test]
    public void TestParallelHostReportsTheAgentsFailureWithoutWaitingForWhatItLeftBehind()
    {
        using var agent = new LingeringAgent();
        using var session = new PowerShellSession();
        // Not a timing assertion: a bound well below the background process's life, so a hang fails instead.
        var call = Task.Run(() => session.RunClean("Test-ParallelHost $h -LaunchAgent $a", ("h", Host), ("a", agent.Path)));
        Assert.That(call.Wait(TimeSpan.FromSeconds(LingeringAgent.LingerSeconds / 2)), Is.True, "Test-ParallelHost waited for the agent's background process");

        var row = (MPI.Launch.HostReport)call.Result.Single().BaseObject;
        Assert.That(row.ComputerName, Is.EqualTo(Host));
        Assert.That(row.Reachable, Is.False);
        Assert.That(row.Reason, Does.Contain($"Connection to {Host} closed by remote host."));
        Assert.That(agent.BackgroundRuns, Is.False, "the agent's background process was left running");
    }
}
