namespace PowerShell.Tests;

/// <summary>What -WhatIf and the batch scripts show of -Environment and -PassEnvironment: the names, never the values.</summary>
[TestFixture]
public sealed class SecretTests
{
    private static string Program => Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll");

    [TestCase("OpenMpi", "-x SPMD_PS_PASSED -x TOKEN")]
    [TestCase("Mpich", "-genvlist ")]
    public void WhatIfAndBatchScriptsNameTheVariablesWithoutTheirValues(string mpi, string named)
    {
        System.Environment.SetEnvironmentVariable("SPMD_PS_PASSED", "passed-value-42");
        try
        {
            using var session = new PowerShellSession();
            var file = Path.Combine(JobStoreSetUp.Root, $"exported-{Guid.NewGuid():N}.sbatch");
            session.RunClean("""
                Start-ParallelJob $p -Ranks 2 -MpiImplementation $m -Environment @{ TOKEN = 'token-value-17' } -PassEnvironment SPMD_PS_PASSED -WhatIf
                Submit-ParallelBatchJob $p -Ranks 2 -MpiImplementation $m -Environment @{ TOKEN = 'token-value-17' } -PassEnvironment SPMD_PS_PASSED -WhatIf
                Export-ParallelJobScript $p -Ranks 2 -MpiImplementation $m -Environment @{ TOKEN = 'token-value-17' } -PassEnvironment SPMD_PS_PASSED -Path $f
                """, ("p", Program), ("m", mpi), ("f", file));

            TestContext.Out.WriteLine(session.Screen);
            Assert.That(session.Screen, Does.Contain("Start parallel job").And.Contain(named).And.Contain("TOKEN").And.Contain("SPMD_PS_PASSED"));
            Assert.That(session.Screen, Does.Contain("#SBATCH"));
            Assert.That(session.Screen + File.ReadAllText(file), Does.Not.Contain("token-value-17").And.Not.Contain("passed-value-42"));
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("SPMD_PS_PASSED", null);
        }
    }
}
