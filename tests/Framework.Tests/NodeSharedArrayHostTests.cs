using Tests.Support;

namespace Framework.Tests;

/// <summary>
/// Node-shared arrays over two test hosts (network namespaces with their own hostname and IPC namespace, see
/// scripts/testhosts): MPI must take them for two nodes, so each host holds its own copy, and a broadcast crosses
/// between them over TCP. Runs the host-aware check of SharedMemoryChecks with 2 ranks on each host.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NodeSharedArrayHostTests
{
    private const string Check = "SharedMemoryChecks.EachHostHoldsOneCopyAndBroadcastReachesThemAll";
    private static readonly string Scripts = Path.Combine(Repository.Root, "scripts", "testhosts");

    [OneTimeSetUp]
    public void HostsUp() => Script("up.sh", "2");

    [OneTimeTearDown]
    public void HostsDown() => Script("down.sh");

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void EachHostHoldsOneCopy(Implementation implementation)
    {
        var agent = Path.Combine(Scripts, "agent.sh");
        string[] launcher = implementation == Implementation.OpenMpi
            ? ["mpiexec.openmpi", "--host", "h1:2,h2:2", "-n", "4", "--mca", "plm_rsh_agent", agent, "--bind-to", "none",
                "-x", "SPMD_EXPECT_HOSTS"]
            : ["mpiexec.mpich", "-hosts", "h1:2,h2:2", "-n", "4", "-launcher", "ssh", "-launcher-exec", agent];
        var dotnet = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var program = Path.Combine(AppContext.BaseDirectory, "SpmdChecks.dll");
        var run = Command.Run(Path.Combine(Scripts, "on.sh"), ["h1", .. launcher, dotnet, program, "checks", Check],
            environment: new Dictionary<string, string>
            {
                ["SPMD_EXPECT_HOSTS"] = "2",
                ["OMPI_ALLOW_RUN_AS_ROOT"] = "1",
                ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1",
            },
            timeout: TimeSpan.FromSeconds(120));
        var passed = run.Lines.Count(line => line.StartsWith($"CHECK {Check} PASS", StringComparison.Ordinal));
        Assert.That(passed, Is.EqualTo(4), $"exit code {run.ExitCode}\n{run.Output}\n{run.Error}");
        Assert.That(run.ExitCode, Is.Zero, run.Error);
    }

    private static void Script(string name, params string[] arguments) =>
        Assert.That(Command.Run(Path.Combine(Scripts, name), arguments).ExitCode, Is.Zero, name);
}
