using MPI.Launch;

namespace Launch.Tests;

/// <summary>
/// Every line a rank writes reaches its output log whole, in order, under its own rank, however much every rank
/// writes at once: Open MPI tags the pieces it forwards, not lines, so under load one line of mpiexec's output holds
/// the end of one rank's piece and the start of another's.
/// </summary>
[TestFixture]
public sealed class OutputTests : StoreFixture
{
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void EveryLineOfEveryRankArrivesWholeAndInOrderUnderHeavyOutput(MpiImplementation implementation)
    {
        const int Ranks = 6, Lines = 3000;
        var spec = new JobSpec
        {
            Program = Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll"),
            Arguments = ["flood", Lines.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            Ranks = Ranks,
            Implementation = implementation,
            StartupDeadline = TimeSpan.FromSeconds(120),
        };
        using var job = ParallelJob.Start(spec, Store);
        var final = job.Wait(TimeSpan.FromSeconds(300));

        Assert.That(final, Is.Not.Null, "the job did not end");
        Assert.That(final!.State, Is.EqualTo(JobState.Completed), final.Reason);
        var records = Store.Logs(job.Id).Read().ToList();
        Assert.That(records.Where(record => record.Message.Contains("<stdout>:", StringComparison.Ordinal) ||
            record.Message.Contains("<stderr>:", StringComparison.Ordinal)).Select(record => record.Message), Is.Empty,
            "a line holds a tag of mpiexec's");
        for (int rank = 0; rank < Ranks; rank++)
        {
            var padding = new string('.', 40 + (7 * rank));
            var mine = records.Where(record => record.Rank == rank && record.Message.StartsWith("flood", StringComparison.Ordinal))
                .Select(record => record.Message).ToList();
            Assert.That(mine.Where(message => message.Contains(" line ", StringComparison.Ordinal)),
                Is.EqualTo(Enumerable.Range(0, Lines).Select(i => $"flood rank {rank} line {i} {padding}")), $"rank {rank}'s standard output");
            Assert.That(mine.Where(message => message.Contains(" error ", StringComparison.Ordinal)),
                Is.EqualTo(Enumerable.Range(0, Lines / 4).Select(i => $"flood rank {rank} error {i} {padding}")), $"rank {rank}'s standard error");
        }
    }
}
