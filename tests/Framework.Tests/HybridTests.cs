using System.Globalization;
using System.Text.RegularExpressions;

namespace Framework.Tests;

/// <summary>
/// jobs/Hybrid, ranks x threads (Parallel.For inside each rank, MPI between them): the largest eigenvalue of its
/// matrix against the known one, for several combinations on both MPIs. Wrong row blocks, a lost row or a race
/// between the threads would change the eigenvalue far beyond the tolerance.
/// </summary>
[TestFixture]
public sealed partial class HybridTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [TestCase(Implementation.OpenMpi, 1, 3)]
    [TestCase(Implementation.OpenMpi, 2, 2)]
    [TestCase(Implementation.OpenMpi, 3, 1)]
    [TestCase(Implementation.Mpich, 1, 2)]
    [TestCase(Implementation.Mpich, 2, 3)]
    [TestCase(Implementation.Mpich, 4, 2)]
    public void FindsTheLargestEigenvalue(Implementation implementation, int ranks, int threads)
    {
        // Order 601 is not a multiple of any rank count here: the row blocks are uneven.
        var run = MpiProcess.Launch(implementation, ranks, "Hybrid", ["601", "25", $"{threads}"], deadline: Deadline);

        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        var result = ResultLine().Match(run.Stdout);
        Assert.That(result.Success, Is.True, run.Describe());
        Assert.That(result.Groups["ranks"].Value, Is.EqualTo($"{ranks}"));
        Assert.That(result.Groups["threads"].Value, Is.EqualTo($"{threads}"));
        double error = double.Parse(result.Groups["error"].Value, CultureInfo.InvariantCulture);
        Assert.That(error, Is.LessThan(1e-12), run.Describe());
        for (int rank = 0; rank < ranks; rank++)
            Assert.That(run.Stdout, Does.Contain($"rank {rank}: cpus allowed ").And.Contain($"{threads} threads"), run.Describe());
    }

    [GeneratedRegex(@"^Hybrid: (?<ranks>\d+) ranks x (?<threads>\d+) threads, order 601, 25 iterations: lambda = \S+ \(exact \S+, relative error (?<error>\S+)\)", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
