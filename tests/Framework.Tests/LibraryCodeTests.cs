namespace Framework.Tests;

/// <summary>
/// Initializing MPI must not rewrite libc's code under the runtime's threads: UCX (MPICH's transport here) patched the
/// first instructions of mmap, munmap and six others in place as it loaded, and a rank whose other thread was inside
/// munmap at that moment (a PowerShell runspace opening, the GC) died of SIGSEGV, a few times in a thousand starts.
/// </summary>
[TestFixture]
public sealed class LibraryCodeTests
{
    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void MpiInitLeavesLibcsMemoryFunctionsAsTheyWere(Implementation implementation)
    {
        var run = MpiProcess.Launch(implementation, 2, "SpmdChecks", ["library-code"], deadline: TimeSpan.FromSeconds(60));

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain("rank 0: libc's memory functions unchanged")
            .And.Contain("rank 1: libc's memory functions unchanged"), run.Describe());
    }
}
