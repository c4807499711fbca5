using MPI.Launch;

namespace Launch.Tests;

/// <summary>Hosts taken from a Slurm or PBS allocation's environment.</summary>
[TestFixture]
public sealed class AllocationTests
{
    [TestCase("node[01-03,07]", "node01,node02,node03,node07")]
    [TestCase("a1,b[8-10]", "a1,b8,b9,b10")]
    [TestCase("rack[1-2]-n[1-2]", "rack1-n1,rack1-n2,rack2-n1,rack2-n2")]
    [TestCase("single", "single")]
    public void CompressedNodeListsExpand(string list, string expected) =>
        Assert.That(string.Join(',', Allocation.ExpandNodeList(list)), Is.EqualTo(expected));

    [TestCase("node[01-03", "unclosed bracket")]
    [TestCase("node[3-1]", "descending range")]
    [TestCase("node[a-b]", "the range 'a-b'")]
    [TestCase("a,,b", "an empty entry")]
    [TestCase("n[[1]]", "nested brackets")]
    public void BadNodeListsAreNamed(string list, string because) =>
        Assert.That(() => Allocation.ExpandNodeList(list), Throws.TypeOf<JobSpecException>()
            .With.Message.Contains($"'{list}' does not parse").And.Message.Contains(because));

    [Test]
    public void SlurmAllocationGivesHostsAndSlots()
    {
        var variables = new Dictionary<string, string> { ["SLURM_JOB_NODELIST"] = "c[1-3],d", ["SLURM_TASKS_PER_NODE"] = "2(x3),1" };
        Assert.That(Allocation.Hosts(name => variables.GetValueOrDefault(name)), Is.EqualTo(new[]
        {
            new HostSlots("c1", 2), new HostSlots("c2", 2), new HostSlots("c3", 2), new HostSlots("d", 1),
        }));
        variables["SLURM_TASKS_PER_NODE"] = "2(x2)";
        Assert.That(() => Allocation.Hosts(name => variables.GetValueOrDefault(name)),
            Throws.TypeOf<JobSpecException>().With.Message.Contains("gives 2 counts for the 4 nodes"));
    }

    [Test]
    public void PbsNodefileCountsSlotsPerHost()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["n1", "n1", "n2", "", "n1"]);
            Assert.That(Allocation.Hosts(name => name == "PBS_NODEFILE" ? file : null),
                Is.EqualTo(new[] { new HostSlots("n1", 3), new HostSlots("n2", 1) }));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void OutsideAnAllocationThereAreNoHosts() => Assert.That(Allocation.Hosts(_ => null), Is.Empty);
}
