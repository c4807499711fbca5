using MPI.Launch;

namespace PowerShell.Tests;

/// <summary>Every test of this assembly works in one job store of its own (SPMD_JOB_STORE), deleted at the end.</summary>
[SetUpFixture]
public sealed class JobStoreSetUp
{
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), $"spmd-ps-store-{Guid.NewGuid():N}");

    [OneTimeSetUp]
    public void UseTemporaryStore()
    {
        Directory.CreateDirectory(Root);
        System.Environment.SetEnvironmentVariable(JobStore.LocationVariable, Root);
    }

    [OneTimeTearDown]
    public void DeleteStore()
    {
        System.Environment.SetEnvironmentVariable(JobStore.LocationVariable, null);
        Directory.Delete(Root, recursive: true);
    }
}
