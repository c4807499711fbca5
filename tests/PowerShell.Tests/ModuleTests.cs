using System.Management.Automation;

namespace PowerShell.Tests;

/// <summary>The module as PowerShell sees it: what it exports, its help, its formats, and bad input refused before anything starts.</summary>
[TestFixture]
public sealed class ModuleTests
{
    private static string Program => Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll");

    [Test]
    public void ManifestExportsEveryCmdletOfTheAssemblyAndNothingElse()
    {
        using var session = new PowerShellSession();
        var exported = session.RunClean("(Get-Module ParallelJob).ExportedCmdlets.Keys").Select(name => name.ToString()).ToList();
        var implemented = session.RunClean("""
            (Get-Module ParallelJob).ImplementingAssembly.GetExportedTypes() |
                ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
                ForEach-Object { "$($_.VerbName)-$($_.NounName)" }
            """).Select(name => name.ToString()).ToList();

        Assert.That(exported, Is.EquivalentTo(implemented));
        Assert.That(exported, Is.SupersetOf(new[] { "Start-ParallelJob", "Get-ParallelJob", "Wait-ParallelJob", "Receive-ParallelJob", "Stop-ParallelJob", "Remove-ParallelJob", "Test-ParallelHost" }));
        var module = session.RunClean("Get-Module ParallelJob").Single();
        Assert.That(module.Properties["CompatiblePSEditions"].Value, Is.EquivalentTo(new[] { "Core" }));
        Assert.That((Version)module.Properties["PowerShellVersion"].Value, Is.EqualTo(new Version(7, 4)));
        Assert.That(((IEnumerable<string>)module.Properties["ExportedFormatFiles"].Value).Single(), Does.EndWith("ParallelJob.Format.ps1xml"));
    }

    [Test]
    public void WhatIfShowsTheExactMpiexecCommandAndStartsNothing()
    {
        using var session = new PowerShellSession();
        var before = Directory.GetFileSystemEntries(JobStoreSetUp.Root);
        var output = session.RunClean("Start-ParallelJob $p -ArgumentList logjob, 3, 'two words' -Ranks 3 -MpiImplementation Mpich -Environment @{ MODE = 'fast' } -WhatIf",
            ("p", Program));

        Assert.That(output, Is.Empty);
        Assert.That(session.Screen, Does.Match(
            "What if: Performing the operation \"Start parallel job\" on target \"mpiexec.mpich -n 3 .*-genvlist [^ ]*MODE .*dotnet .*SpmdChecks.dll logjob 3 'two words'\""));
        Assert.That(Directory.GetFileSystemEntries(JobStoreSetUp.Root), Is.EquivalentTo(before), "-WhatIf wrote to the job store");
    }

    [Test]
    public void AllowRunAsRootReachesOpenMpisCommandLine()
    {
        using var session = new PowerShellSession();
        session.RunClean("Start-ParallelJob $p -Ranks 2 -MpiImplementation OpenMpi -AllowRunAsRoot -WhatIf; Start-ParallelJob $p -Ranks 2 -MpiImplementation OpenMpi -WhatIf",
            ("p", Program));

        var lines = session.Screen.Split('\n').Where(line => line.Contains("mpiexec.openmpi", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Has.Count.EqualTo(2), session.Screen);
        Assert.That(lines[0], Does.Contain(" --allow-run-as-root "));
        Assert.That(lines[1], Does.Not.Contain("--allow-run-as-root"));
    }

    [Test]
    public void TestParallelHostGivesOneRowPerHostAndNamesWhyAHostFails()
    {
        using var session = new PowerShellSession();
        var rows = session.RunClean("Test-ParallelHost localhost, no-such-node.invalid").Select(row => (MPI.Launch.HostReport)row.BaseObject).ToList();

        Assert.That(rows.Select(row => row.ComputerName), Is.EqualTo(new[] { "localhost", "no-such-node.invalid" }));
        Assert.That(rows[0], Has.Property("Reachable").True.And.Property("CpuCount").EqualTo(System.Environment.ProcessorCount));
        Assert.That(rows[0].MpiLibraries, Has.Some.StartsWith("Open MPI ").And.Some.StartsWith("MPICH "));
        Assert.That(rows[1].Reachable, Is.False);
        Assert.That(rows[1].Reason, Does.Contain("does not resolve"));

        session.RunClean("Test-ParallelHost localhost | Out-Default");
        Assert.That(session.Screen, Does.Match(@"ComputerName\s+Reachable\s+CPUs\s+MPI\s+Reason"));
        Assert.That(session.Screen, Does.Match($@"localhost\s+True\s+{System.Environment.ProcessorCount}\s+Open MPI [0-9.]+, MPICH [0-9.]+"));
    }

    [Test]
    public void HostsComeDownThePipelineByPropertyName()
    {
        using var session = new PowerShellSession();
        session.RunClean("""
            Test-ParallelHost localhost | Where-Object Reachable | Start-ParallelJob $p -Ranks 2 -MpiImplementation OpenMpi -WhatIf
            [pscustomobject]@{ Node = 'localhost:3' } | Start-ParallelJob $p -MpiImplementation Mpich -WhatIf
            """, ("p", Program));

        Assert.That(session.Screen, Does.Contain("mpiexec.openmpi -n 2 --host localhost:1 "));
        Assert.That(session.Screen, Does.Contain("mpiexec.mpich -n 3 -hosts localhost:3 "), "ranks default to the hosts' slots");
    }

    private static IEnumerable<TestCaseData> BadInput()
    {
        yield return new TestCaseData("Start-ParallelJob $p -ComputerName localhost, no-such-node.invalid:2 -Ranks 2", ErrorCategory.ObjectNotFound, "no-such-node.invalid")
            .SetName("UnknownHost");
        yield return new TestCaseData("Start-ParallelJob ./no/such/job.dll -Ranks 2", ErrorCategory.ObjectNotFound, "job.dll does not exist")
            .SetName("MissingProgram");
        yield return new TestCaseData("Start-ParallelJob $p -Ranks 0", ErrorCategory.InvalidData, "Ranks").SetName("ZeroRanks");
        yield return new TestCaseData("Start-ParallelJob $p -MpiImplementation lam", ErrorCategory.InvalidArgument, "lam").SetName("UnknownMpiImplementation");
        yield return new TestCaseData("Start-ParallelJob $p -ComputerName 'node one'", ErrorCategory.InvalidArgument, "'node one' is not a host").SetName("MalformedHost");
        yield return new TestCaseData("Start-ParallelJob $p -ComputerName n1, n1 -Ranks 2", ErrorCategory.InvalidArgument, "n1 is listed more than once").SetName("DuplicateHost");
        yield return new TestCaseData("Start-ParallelJob $p -Environment @{ 'A=B' = 1 }", ErrorCategory.InvalidArgument, "'A=B'").SetName("VariableNameWithEquals");
        yield return new TestCaseData("Get-ParallelJob -JobId 20200101-000000-nojob", ErrorCategory.ObjectNotFound, "20200101-000000-nojob").SetName("JobIdThatDoesNotExist");
        yield return new TestCaseData("Receive-ParallelJob -Id 99999", ErrorCategory.ObjectNotFound, "99999").SetName("SessionIdThatDoesNotExist");
        yield return new TestCaseData("Stop-ParallelJob -Name no-such-job", ErrorCategory.ObjectNotFound, "no-such-job").SetName("JobNameThatDoesNotExist");
    }

    [TestCaseSource(nameof(BadInput))]
    public void BadInputIsAnErrorRecordAndStartsNothing(string script, ErrorCategory category, string cause)
    {
        using var session = new PowerShellSession();
        var before = Directory.GetFileSystemEntries(JobStoreSetUp.Root);
        var output = session.Run(script, ("p", Program));

        Assert.That(output, Is.Empty);
        var error = session.Errors.Single();
        Assert.That(error.CategoryInfo.Category, Is.EqualTo(category), error.ToString());
        Assert.That(error.ToString(), Does.Contain(cause));
        Assert.That(Directory.GetFileSystemEntries(JobStoreSetUp.Root), Is.EquivalentTo(before), "something was written to the job store");
    }
}
