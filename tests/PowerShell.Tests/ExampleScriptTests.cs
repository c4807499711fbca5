namespace PowerShell.Tests;

/// <summary>
/// The example scripts of scripts/examples run as a user would run them (MPICH, for speed on two cores), so the
/// documentation cannot rot: every script runs without error and says what it promises.
/// </summary>
[TestFixture]
public sealed class ExampleScriptTests
{
    private static IEnumerable<string> Scripts() =>
        Directory.EnumerateFiles(Path.Combine(Repository.Root, "scripts", "examples"), "*.ps1").Select(Path.GetFileName).OfType<string>().Order();

    [TestCaseSource(nameof(Scripts))]
    public void ExampleScriptRuns(string script)
    {
        using var session = new PowerShellSession();
        var output = session.RunClean($"& '{Path.Combine(Repository.Root, "scripts", "examples", script)}' -MpiImplementation Mpich");
        var text = output.Select(item => item.ToString()).ToList();
        Assert.That(output, Is.Not.Empty);
        switch (script)
        {
            case "start-wait-receive.ps1":
                Assert.That(text[0], Does.Match("^pi-example \\(.*\\) ended Completed after"));
                Assert.That(text.Count(line => line.Contains("Summed", StringComparison.Ordinal)), Is.EqualTo(4));
                Assert.That(text, Has.Some.Contains("[rank 0 on ").And.Contains("Pi is 3.14159"));
                break;
            case "filter-logs.ps1":
                Assert.That(text.Where(line => line.Contains("summed", StringComparison.Ordinal)), Has.Exactly(4).Items);
                Assert.That(text, Has.Some.StartsWith("rank 0 said last: "));
                Assert.That(text[^1], Is.EqualTo("0 warnings or errors"));
                break;
            case "parameter-sweep.ps1":
                Assert.That(output, Has.Count.EqualTo(4));
                foreach (var row in output)
                {
                    Assert.That(row.Properties["State"].Value.ToString(), Is.EqualTo("Completed"));
                    Assert.That((double)row.Properties["Pi"].Value, Is.EqualTo(Math.PI).Within(1e-9));
                }
                Assert.That(output.Select(row => (long)row.Properties["Ranks"].Value), Is.EqualTo(new long[] { 2, 4, 2, 4 }));
                Assert.That(session.RunClean("Get-ParallelJob -Name sweep-*"), Is.Empty, "the sweep's jobs were not removed");
                break;
        }
    }
}
