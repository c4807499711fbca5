using MPI.Launch;

namespace Launch.Tests;

/// <summary>
/// Through the launcher, a rank's output carries no terminal control bytes, even when the job passes TERM on to the
/// ranks itself (the launcher drops the TERM it inherits, not one the job asks for): under Open MPI a rank's stdout
/// is a pseudo-terminal, on which the .NET console would otherwise start with ESC [?1h ESC =.
/// </summary>
[TestFixture]
public sealed class CleanOutputTests : StoreFixture
{
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void RankOutputHasNoControlCharactersWithTermPassedToTheRanks(MpiImplementation implementation)
    {
        var spec = new JobSpec
        {
            Program = Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll"),
            Arguments = ["console-first"],
            Ranks = 2,
            Implementation = implementation,
            StartupDeadline = TimeSpan.FromSeconds(60),
            Environment = new Dictionary<string, string> { ["TERM"] = "xterm" },
        };
        using var job = ParallelJob.Start(spec, Store);
        var final = job.Wait(TimeSpan.FromSeconds(90));

        Assert.That(final, Is.Not.Null, "the job did not end");
        Assert.That(final!.State, Is.EqualTo(JobState.Completed), final.Reason);
        var output = Store.Logs(job.Id).Read().Where(record => record.Rank is not null).Select(record => record.Message).ToList();
        Assert.That(output, Has.Some.Contain("before MPI").And.Some.Contain("rank 1 of 2"));
        Assert.That(output.Where(line => line.Any(c => char.IsControl(c) && c != '\t')), Is.Empty);
    }
}
