using System.Text.RegularExpressions;
using SpmdChecks;

namespace Framework.Tests;

/// <summary>
/// The checks that need about 10 GB of memory (serialized messages beyond 2 GiB): one mpiexec run of 2 ranks per
/// implementation, never alongside other tests, each check its own test case.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Heavy")]
public sealed partial class LargeMessageTests
{
    private static readonly Dictionary<Implementation, Lazy<RunResult>> Runs = Enum.GetValues<Implementation>()
        .ToDictionary(implementation => implementation, implementation => new Lazy<RunResult>(() =>
            MpiProcess.Launch(implementation, 2, "SpmdChecks", ["heavy-checks"], deadline: TimeSpan.FromMinutes(15))));

    public static IEnumerable<TestCaseData> Cases() =>
        from implementation in Enum.GetValues<Implementation>()
        from check in Catalog.Heavy
        select new TestCaseData(implementation, check.Name)
            .SetArgDisplayNames(implementation.ToString(), check.Name);

    [TestCaseSource(nameof(Cases))]
    public void Check(Implementation implementation, string check)
    {
        var run = Runs[implementation].Value;
        var reports = ResultLine().Matches(run.Stdout).Where(m => m.Groups["check"].Value == check).ToList();
        var failures = reports.Where(m => m.Groups["outcome"].Value == "FAIL")
            .Select(m => $"rank {m.Groups["rank"].Value}: {m.Groups["detail"].Value}")
            .ToList();
        Assert.That(failures, Is.Empty, $"{check} failed");
        Assert.That(reports.Select(m => m.Groups["rank"].Value).Order(), Is.EqualTo(new[] { "0", "1" }),
            $"{check} did not report a pass from both ranks; the job ended with {run.Describe()}");
    }

    [GeneratedRegex(@"^CHECK (?<check>\S+) (?<outcome>PASS|FAIL) (?<rank>\d+) ?(?<detail>.*)$", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
