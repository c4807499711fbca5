using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using SpmdChecks;

namespace Framework.Tests;

/// <summary>
/// Every check of SpmdChecks, on both implementations, as a singleton and under mpiexec with 1 to 5 ranks. One
/// mpiexec run per (implementation, ranks) covers all checks; each check becomes its own test case here.
/// </summary>
[TestFixture]
public sealed partial class SpmdCheckTests
{
    /// <summary>0 stands for a singleton run without mpiexec.</summary>
    private static readonly int[] RankCounts = [0, 1, 2, 3, 4, 5];

    private static readonly ConcurrentDictionary<(Implementation, int), Lazy<RunResult>> Runs = new();

    public static IEnumerable<TestCaseData> Cases() =>
        from implementation in Enum.GetValues<Implementation>()
        from ranks in RankCounts
        from check in Catalog.All
        where Math.Max(ranks, 1) >= check.MinRanks
        select new TestCaseData(implementation, ranks, check.Name)
            .SetArgDisplayNames(implementation.ToString(), ranks == 0 ? "singleton" : $"{ranks} ranks", check.Name);

    [TestCaseSource(nameof(Cases))]
    public void Check(Implementation implementation, int ranks, string check)
    {
        var run = Runs.GetOrAdd((implementation, ranks), key => new Lazy<RunResult>(() => key.Item2 == 0
            ? MpiProcess.Singleton(key.Item1, "SpmdChecks", ["checks"])
            : MpiProcess.Launch(key.Item1, key.Item2, "SpmdChecks", ["checks"]))).Value;

        var reports = ResultLine().Matches(run.Stdout)
            .Where(m => m.Groups["check"].Value == check)
            .ToList();
        var failures = reports.Where(m => m.Groups["outcome"].Value == "FAIL")
            .Select(m => $"rank {m.Groups["rank"].Value}: {m.Groups["detail"].Value}")
            .ToList();
        Assert.That(failures, Is.Empty, $"{check} failed");
        var passedRanks = reports.Select(m => int.Parse(m.Groups["rank"].Value, System.Globalization.CultureInfo.InvariantCulture))
            .Order()
            .ToList();
        Assert.That(passedRanks, Is.EqualTo(Enumerable.Range(0, Math.Max(ranks, 1))),
            $"{check} did not report a pass from every rank; the job ended with {run.Describe()}");
    }

    [GeneratedRegex(@"^CHECK (?<check>\S+) (?<outcome>PASS|FAIL) (?<rank>\d+) ?(?<detail>.*)$", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
