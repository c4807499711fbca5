using MPI.Launch;

namespace Launch.Tests;

/// <summary>Specs that cannot run: a clear error before anything starts, and nothing left on disk.</summary>
[TestFixture]
public sealed class BadInputTests : StoreFixture
{
    private void AssertRefused(JobSpec spec, string because, JobSpecProblem problem = JobSpecProblem.Invalid)
    {
        var error = Assert.Throws<JobSpecException>(() => ParallelJob.Start(spec, Store));
        Assert.That(error!.Message, Does.Contain(because));
        Assert.That(error.Problem, Is.EqualTo(problem));
        Assert.That(Directory.EnumerateFileSystemEntries(StoreRoot), Is.Empty, "something was left in the store");
    }

    private static JobSpec Good => LauncherTests.Spec(MpiImplementation.Mpich, "1");

    [Test]
    public void MissingProgram() => AssertRefused(Good with { Program = "/nonexistent/job.dll" }, "does not exist", JobSpecProblem.NotFound);

    [Test]
    public void UnknownHost() => AssertRefused(Good with { Hosts = [new HostSlots("localhost", 1), new HostSlots("no-such-node.invalid", 2)] },
        "The host no-such-node.invalid is unknown", JobSpecProblem.NotFound);

    [Test]
    public void ProbingHosts()
    {
        var here = HostProbe.Probe("localhost");
        Assert.That(here.Reachable, Is.True, here.Reason);
        Assert.That(here.CpuCount, Is.EqualTo(System.Environment.ProcessorCount));
        Assert.That(here.MpiLibraries, Has.Some.Match(@"^Open MPI \d+\.\d+").And.Some.Match(@"^MPICH \d+\.\d+"));
        var nowhere = HostProbe.Probe("no-such-node.invalid:4");
        Assert.That(nowhere, Has.Property(nameof(HostReport.Reachable)).False.And.Property(nameof(HostReport.ComputerName)).EqualTo("no-such-node.invalid"));
        Assert.That(nowhere.Reason, Does.Contain("does not resolve"));
    }

    [TestCase(0)]
    [TestCase(-3)]
    public void RanksBelowOne(int ranks) => AssertRefused(Good with { Ranks = ranks }, "at least one rank");

    [Test]
    public void MoreRanksThanSlotsWithoutOversubscription() => AssertRefused(
        Good with { Ranks = 5, Hosts = [new HostSlots("localhost", 2)], AllowOversubscription = false }, "do not fit in the 2 slots");

    [Test]
    public void EnvironmentNameWithEquals() => AssertRefused(
        Good with { Environment = new Dictionary<string, string> { ["A=B"] = "1" } }, "'A=B' is not a valid environment variable name");

    [TestCase("node one")]
    [TestCase("node1:0")]
    [TestCase("node1:x")]
    [TestCase(":4")]
    public void MalformedHost(string host) => Assert.That(() => HostSlots.Parse(host), Throws.TypeOf<JobSpecException>()
        .With.Message.Contains(host.Trim()));

    [Test]
    public void DuplicateHosts() => Assert.That(() => HostSlots.ParseList(["a:2", "b", "A"]),
        Throws.TypeOf<JobSpecException>().With.Message.Contains("listed more than once"));

    [Test]
    public void Hostfiles()
    {
        var file = Path.Combine(StoreRoot, "..", $"hosts-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllLines(file, ["# cluster", "node1 slots=4", "node2:2", "", "node3"]);
            Assert.That(HostSlots.ReadHostFile(file), Is.EqualTo(new[] { new HostSlots("node1", 4), new HostSlots("node2", 2), new HostSlots("node3", 1) }));
            File.WriteAllLines(file, ["node1 slots=4", "node2 cpus=two"]);
            Assert.That(() => HostSlots.ReadHostFile(file), Throws.TypeOf<JobSpecException>().With.Message.Contains("line 2"));
            Assert.That(() => HostSlots.ReadHostFile(file + ".missing"), Throws.TypeOf<JobSpecException>().With.Message.Contains("does not exist"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestCase("OpenMpi", MpiImplementation.OpenMpi)]
    [TestCase("Open MPI", MpiImplementation.OpenMpi)]
    [TestCase("mpich", MpiImplementation.Mpich)]
    [TestCase("auto", MpiImplementation.Auto)]
    public void ImplementationNames(string name, MpiImplementation expected) =>
        Assert.That(JobSpec.ParseImplementation(name), Is.EqualTo(expected));

    [Test]
    public void UnknownImplementation() => Assert.That(() => JobSpec.ParseImplementation("lam"),
        Throws.TypeOf<JobSpecException>().With.Message.Contains("'lam' is not an MPI implementation"));

    [Test]
    public void UnwritableJobStore()
    {
        var file = Path.Combine(Path.GetTempPath(), $"not-a-directory-{Guid.NewGuid():N}");
        File.WriteAllText(file, "");
        try
        {
            Assert.That(() => new JobStore(Path.Combine(file, "jobs")), Throws.TypeOf<JobStoreUnwritableException>().With.Message.Contains("cannot be written"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void WhatIfShowsTheExactCommand()
    {
        var command = MpiexecCommand.Build(Good with { Ranks = 3, Environment = new Dictionary<string, string> { ["MODE"] = "fast run" } }, "job-1");
        Assert.That(command.FileName, Is.EqualTo("mpiexec.mpich"));
        Assert.That(command.Arguments, Does.Contain("-prepend-rank").And.Not.Contain("fast run"));
        Assert.That(command.ToString(), Does.Match("-genvlist [^ ]*MODE").And.Contain("-n 3").And.Not.Contain("fast"));
        Assert.That(command.Environment["MODE"], Is.EqualTo("fast run"));
    }
}
