using System.Diagnostics;
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
        var start = MpiProcess.Redirected(Path.Combine(Scripts, "on.sh"), ["h1", .. launcher, dotnet, program, "checks", Check]);
        start.Environment.Remove("TERM");
        start.Environment["SPMD_EXPECT_HOSTS"] = "2";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var (exited, output, error) = Command.Collect(process, TimeSpan.FromSeconds(60));
        var report = $"{(exited ? $"exit code {process.ExitCode}" : "killed at the deadline")}\n{output}\n{error}";
        var passed = output.Split('\n').Count(line => line.StartsWith($"CHECK {Check} PASS", StringComparison.Ordinal));
        Assert.That(passed, Is.EqualTo(4), report);
        // MPICH over TCP between test hosts at times never returns from MPI_Finalize once the work is done (see
        // MultiHostTests); every rank has passed by now, and the deadline ended the job's whole process tree.
        if (!exited && implementation == Implementation.Mpich)
            TestContext.Out.WriteLine("MPICH hung in MPI_Finalize after every rank passed; ended at the deadline.");
        else
            Assert.That(exited && process.ExitCode == 0, Is.True, report);
    }

    private static void Script(string name, params string[] arguments) =>
        Assert.That(Command.Run(Path.Combine(Scripts, name), arguments).ExitCode, Is.Zero, name);
}
