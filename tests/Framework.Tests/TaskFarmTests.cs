namespace Framework.Tests;

/// <summary>
/// What the task farm's SPMD checks (TaskFarmChecks, run by <see cref="SpmdCheckTests"/>) cannot show from inside
/// one job: a farm refused, on every rank alike, when MPI granted too little thread support.
/// </summary>
[TestFixture]
public sealed class TaskFarmTests
{
    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void AFarmNeedsThreadingSerialized(Implementation implementation)
    {
        var run = MpiProcess.Launch(implementation, 2, "SpmdChecks", ["farm-single"], deadline: TimeSpan.FromSeconds(60));

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        foreach (int rank in new[] { 0, 1 })
            Assert.That(run.Stdout, Does.Contain($"rank {rank} refused: A task farm needs MPI thread support Serialized or Multiple").And.Contain("MPI granted Single"), run.Describe());
    }
}
