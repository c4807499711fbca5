using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using SpmdChecks;

namespace Framework.Tests;

/// <summary>
/// The multithreaded checks of SpmdChecks (ThreadingChecks), which need MPI at Threading.Multiple and so run in a
/// job of their own (<c>SpmdChecks threads</c>): one mpiexec run per implementation and rank count (1 to 4) covers
/// every check, each reported as its own test case. A deadlock fails the check after its patience (the job is then
/// aborted), and the run's deadline bounds everything else. Also: a program that requires a level MPI did not
/// grant is told so, naming both levels and the library.
/// </summary>
[TestFixture]
public sealed partial class ThreadingTests
{
    private static readonly int[] RankCounts = [1, 2, 3, 4];
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(240);
    private static readonly ConcurrentDictionary<(Implementation, int), Lazy<RunResult>> Runs = new();

    public static IEnumerable<TestCaseData> Cases() =>
        from implementation in Enum.GetValues<Implementation>()
        from ranks in RankCounts
        from check in Catalog.Multithreaded
        where ranks >= check.MinRanks
        select new TestCaseData(implementation, ranks, check.Name)
            .SetArgDisplayNames(implementation.ToString(), $"{ranks} ranks", check.Name);

    [TestCaseSource(nameof(Cases))]
    public void Check(Implementation implementation, int ranks, string check)
    {
        var run = Runs.GetOrAdd((implementation, ranks), key => new Lazy<RunResult>(() =>
            MpiProcess.Launch(key.Item1, key.Item2, "SpmdChecks", ["threads"], deadline: Deadline))).Value;

        var reports = ResultLine().Matches(run.Stdout).Where(m => m.Groups["check"].Value == check).ToList();
        var failures = reports.Where(m => m.Groups["outcome"].Value == "FAIL")
            .Select(m => $"rank {m.Groups["rank"].Value}: {m.Groups["detail"].Value}")
            .ToList();
        Assert.That(failures, Is.Empty, $"{check} failed");
        var passed = reports.Select(m => int.Parse(m.Groups["rank"].Value, System.Globalization.CultureInfo.InvariantCulture)).Order();
        Assert.That(passed, Is.EqualTo(Enumerable.Range(0, ranks)),
            $"{check} did not report a pass from every rank; the job ended with {run.Describe()}");
    }

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void AProgramRequiringMultipleIsToldWhenLessWasGranted(Implementation implementation)
    {
        // Funneled asked for, Multiple required: MPI grants what was asked, less than what is needed.
        var run = Require(implementation, "Funneled", "Multiple");

        foreach (int rank in new[] { 0, 1 })
        {
            Assert.That(run.Stdout, Does.Contain(
                $"rank {rank}: REFUSED required=Multiple provided=Funneled library={MpiProcess.LibraryOf(implementation)} ("),
                run.Describe());
        }
        Assert.That(run.Stdout, Does.Contain("This program needs MPI thread support Multiple, but " +
            MpiProcess.LibraryOf(implementation)).And.Contain("provided Funneled. Ask for it when initializing"), run.Describe());
    }

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void BothLibrariesGrantMultiple(Implementation implementation)
    {
        var run = Require(implementation, "Multiple", "Multiple");

        Assert.That(run.Stdout, Does.Contain("rank 0: GRANTED Multiple").And.Contain("rank 1: GRANTED Multiple"), run.Describe());
    }

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void ALowerRequirementThanGrantedPasses(Implementation implementation)
    {
        var run = MpiProcess.Singleton(implementation, "SpmdChecks", ["require-threading", "Serialized", "Funneled"]);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        Assert.That(run.Stdout, Does.Contain("rank 0: GRANTED Serialized"), run.Describe());
    }

    [Test]
    public void RequiringALevelBeforeInitializationSaysSo()
    {
        // This test process never loads MPI (see BeforeInitializationTests).
        var error = Assert.Throws<InvalidOperationException>(() => MPI.Environment.RequireThreading(MPI.Threading.Single));
        Assert.That(error!.Message, Does.Contain("MPI.Environment"));
    }

    // Two ranks initialize at the level asked for, then require a level; the job must end normally either way.
    private static RunResult Require(Implementation implementation, string asked, string required)
    {
        var run = MpiProcess.Launch(implementation, 2, "SpmdChecks", ["require-threading", asked, required],
            deadline: TimeSpan.FromSeconds(60));
        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        return run;
    }

    [GeneratedRegex(@"^CHECK (?<check>\S+) (?<outcome>PASS|FAIL) (?<rank>\d+) ?(?<detail>.*)$", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
