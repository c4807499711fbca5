using MPI.Launch;

namespace Launch.Tests;

/// <summary>A fresh job store in a temporary directory for every test, deleted afterwards.</summary>
public abstract class StoreFixture
{
    protected string StoreRoot { get; private set; } = "";

    protected JobStore Store { get; private set; } = null!;

    [SetUp]
    public void CreateStore()
    {
        StoreRoot = Path.Combine(Path.GetTempPath(), $"spmd-store-{Guid.NewGuid():N}");
        Store = new JobStore(StoreRoot);
    }

    [TearDown]
    public void DeleteStore() => Directory.Delete(StoreRoot, recursive: true);
}
