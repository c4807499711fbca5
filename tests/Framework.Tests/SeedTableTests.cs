namespace Framework.Tests;

/// <summary>
/// jobs/SeedTable, the seed article's experiment: the quick table under each MPI produces every cell and verifies it
/// (timings are printed, never asserted), and leaves nothing in its temporary directory.
/// </summary>
[TestFixture]
public sealed class SeedTableTests
{
    private static readonly string[] Workloads = ["CPU-bound", "IO-bound", "network-bound"];
    private static readonly string[] Variants = ["sequential", "threads", "ranks", "shared window"];

    [TestCase(Implementation.OpenMpi, "openmpi")]
    [TestCase(Implementation.Mpich, "mpich")]
    public void TheQuickTableHasEveryCellVerified(Implementation implementation, string name)
    {
        var temporary = Directory.CreateTempSubdirectory("seedtable-test-");
        try
        {
            // The driver runs without mpiexec and starts mpiexec itself for the rank variants.
            var run = MpiProcess.Singleton(implementation, "SeedTable", ["--quick", "--mpi", name, "--ranks", "2"],
                new Dictionary<string, string> { ["TMPDIR"] = temporary.FullName });

            Assert.That(run.ExitCode, Is.Zero, run.Describe());
            Assert.That(run.Stdout, Does.Contain($"under mpiexec.{name}"), run.Describe());
            Assert.That(run.Stdout, Does.Contain("MPI start-up and shutdown of 2 ranks"), run.Describe());
            foreach (var workload in Workloads)
            {
                foreach (var variant in Variants)
                    Assert.That(run.Stdout, Does.Match($@"cell {workload} / {variant}: [0-9.]+ s verified "), run.Describe());
            }
            Assert.That(run.Stdout, Does.Match(@"cell network-bound / async: [0-9.]+ s verified "), run.Describe());
            Assert.That(run.Stdout, Does.Contain("All 13 cells verified."), run.Describe());
            Assert.That(temporary.EnumerateFileSystemInfos(), Is.Empty, "the job's temporary files were left behind");
        }
        finally
        {
            temporary.Delete(recursive: true);
        }
    }

    [Test]
    public void AnUnknownImplementationIsRefusedByName()
    {
        var run = MpiProcess.Singleton(Implementation.Mpich, "SeedTable", ["--mpi", "lam"]);

        Assert.That(run.ExitCode, Is.EqualTo(2), run.Describe());
        Assert.That(run.Stderr, Does.Contain("--mpi takes openmpi or mpich, not \"lam\""), run.Describe());
    }
}
