using MPI.Launch;

namespace Launch.Tests;

/// <summary>
/// Host probes keep their deadline whatever the launch agent leaves behind: a background process holding the agent's
/// output must not hold the caller. It was started for the probe, so the probe ends it.
/// </summary>
[TestFixture]
public sealed class ProbeDeadlineTests : StoreFixture
{
    // A documentation address: resolves without a name service, is not this machine, and the agent never connects.
    private const string Host = "192.0.2.1";
    private const string Message = $"Connection to {Host} closed by remote host.";

    // Not a timing assertion: only a bound well below the background process's life, so a hang fails instead.
    private static readonly TimeSpan Outer = TimeSpan.FromSeconds(LingeringAgent.LingerSeconds / 2);

    private static T Within<T>(Func<T> call, string what)
    {
        var task = Task.Run(call);
        Assert.That(task.Wait(Outer), Is.True, $"{what} waited for the agent's background process");
        return task.Result;
    }

    [Test]
    public void ProbeReportsTheAgentsFailureWithoutWaitingForWhatItLeftBehind()
    {
        using var agent = new LingeringAgent();
        var report = Within(() => HostProbe.Probe(Host, agent.Path), "HostProbe.Probe");

        Assert.That(report.ComputerName, Is.EqualTo(Host));
        Assert.That(report.Reachable, Is.False);
        Assert.That(report.Reason, Does.Contain(Message));
        Assert.That(agent.BackgroundRuns, Is.False, "the agent's background process was left running");
    }

    [Test]
    public void ProbeOfAnAgentThatNeverAnswersEndsAtTheDeadlineWithEverythingItStarted()
    {
        using var agent = new LingeringAgent(hang: true);
        var report = Within(() => HostProbe.Probe(Host, agent.Path, TimeSpan.FromSeconds(2)), "HostProbe.Probe");

        Assert.That(report.Reachable, Is.False);
        Assert.That(report.Reason, Does.Contain("no answer within 2 s"));
        Eventually.Holds(() => File.Exists(agent.PidFile), "the agent started its background process");
        Assert.That(agent.BackgroundRuns, Is.False, "the agent's background process was left running");
    }

    [Test]
    public void PlanRefusesTheHostNamingItAndTheAgentsMessage()
    {
        using var agent = new LingeringAgent();
        var spec = LauncherTests.Spec(MpiImplementation.Auto, "1") with { Hosts = [new HostSlots(Host, 2)], LaunchAgent = agent.Path };

        var error = Within(() => Assert.Throws<JobSpecException>(() => ParallelJob.Plan(spec, Store))!, "ParallelJob.Plan");

        Assert.That(error.Problem, Is.EqualTo(JobSpecProblem.Unreachable));
        Assert.That(error.Message, Does.Contain($"The host {Host}").And.Contain(Message));
        Assert.That(agent.BackgroundRuns, Is.False, "the agent's background process was left running");
    }

    [Test]
    public void ChildProcessReturnsWhatTheProgramSaidThoughADescendantHoldsItsPipes()
    {
        using var agent = new LingeringAgent();
        var run = Within(() => ChildProcess.Run(agent.Path, ["somewhere"], TimeSpan.FromSeconds(30)), "ChildProcess.Run");

        Assert.That(run.TimedOut, Is.False);
        Assert.That(run.ExitCode, Is.EqualTo(255));
        Assert.That(run.Error, Does.Contain("Connection to somewhere closed by remote host."));
        Assert.That(run.LeftBehind, Is.EqualTo(1));
        Assert.That(agent.BackgroundRuns, Is.False);
    }
}
