using System.Globalization;
using System.Text.RegularExpressions;
using MPI.Launch;

namespace PowerShell.Tests;

/// <summary>A job given no number of ranks gets the same number from Start-ParallelJob as from a <see cref="JobSpec"/>.</summary>
[TestFixture]
public sealed class DefaultRanksTests
{
    private static string Program => Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll");

    [TestCase("")]
    [TestCase("localhost:3")]
    public void StartParallelJobAndJobSpecAgreeOnTheDefaultNumberOfRanks(string hosts)
    {
        using var session = new PowerShellSession();
        session.RunClean($"Start-ParallelJob $p -MpiImplementation Mpich {(hosts.Length > 0 ? $"-ComputerName {hosts}" : "")} -WhatIf", ("p", Program));
        var shown = Regex.Match(session.Screen, @"mpiexec\.mpich -n (?<ranks>\d+) ");
        Assert.That(shown.Success, Is.True, session.Screen);

        var spec = new JobSpec { Program = Program, Hosts = HostSlots.ParseList(hosts.Length > 0 ? [hosts] : []) };
        Assert.That(int.Parse(shown.Groups["ranks"].Value, CultureInfo.InvariantCulture), Is.EqualTo(spec.Ranks));
        Assert.That(spec.Ranks, Is.EqualTo(JobSpec.DefaultRanks(spec.Hosts)));
        Assert.That(spec.Ranks, Is.EqualTo(hosts.Length > 0 ? 3 : Environment.ProcessorCount));
    }
}
