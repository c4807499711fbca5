using MPI.Launch;

namespace Launch.Tests;

/// <summary>
/// Records as a rank's logging writes them into its mapped record file, read back through the job store: every kind
/// of value arrives as logged, and a rank killed right after its last logging call loses none of them.
/// </summary>
[TestFixture]
public sealed class RecordWriterTests : StoreFixture
{
    [TestCase(MpiImplementation.OpenMpi)]
    [TestCase(MpiImplementation.Mpich)]
    public void RecordsOfEveryKindArriveWholeFromARankKilledRightAfter(MpiImplementation implementation)
    {
        var spec = new JobSpec
        {
            Program = Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll"),
            Arguments = ["log-kinds", "1"],
            Ranks = 2,
            Implementation = implementation,
            StartupDeadline = TimeSpan.FromSeconds(60),
        };
        using var job = ParallelJob.Start(spec, Store);
        var final = job.Wait(TimeSpan.FromSeconds(90));
        Assert.That(final, Is.Not.Null, "the job did not end");
        Assert.That(final!.State, Is.EqualTo(JobState.Failed), final.Reason);

        // Rank 0 may be ended by mpiexec before it logged everything; rank 1 logged everything, then was killed.
        var records = Store.Logs(job.Id).Read(new LogQuery { Rank = 1 }).Where(record => record.Template is not null).ToList();
        var scalars = records.Single(record => record.Template!.StartsWith("scalars", StringComparison.Ordinal)).Properties;
        Assert.That(scalars["Int"], Is.EqualTo(-1L));
        Assert.That(scalars["Long"], Is.EqualTo(long.MaxValue));
        Assert.That(scalars["Double"], Is.EqualTo(0.1));
        Assert.That(scalars["Bool"], Is.EqualTo(true));
        Assert.That(scalars["Null"], Is.Null);
        Assert.That(scalars["Char"], Is.EqualTo("x"));
        Assert.That(scalars["Decimal"], Is.EqualTo(1.25));
        var unicode = records.Single(record => record.Template == "unicode {Text}");
        Assert.That(unicode.Properties["Text"], Is.EqualTo("h\u00e9llo \u2713 \U0001D11E tab\t newline\n quote\" backslash\\ <&>"));
        Assert.That(unicode.Level, Is.EqualTo("Debug"));
        var failed = records.Single(record => record.Template == "failed {Step}");
        Assert.That(failed.Level, Is.EqualTo("Error"));
        Assert.That(failed.Exception, Does.StartWith("System.InvalidOperationException: boom").And.Contain("System.ArgumentException: inner"));
        var structure = records.Single(record => record.Template == "structure {@Point}");
        using (var point = System.Text.Json.JsonDocument.Parse((string)structure.Properties["Point"]!))
            Assert.That((point.RootElement.GetProperty("X").GetInt32(), point.RootElement.GetProperty("Y").GetInt32()), Is.EqualTo((1, 2)));
        var longest = records.Single(record => record.Template!.EndsWith(" {Tail}", StringComparison.Ordinal));
        Assert.That(longest.Message, Is.EqualTo(new string('x', 200_000) + " " + new string('y', 100_000)));
        // In order, none lost, the killed rank's last one included.
        var numbered = records.Where(record => record.Template == "numbered {Number}").Select(record => record.Properties["Number"]);
        Assert.That(numbered, Is.EqualTo(Enumerable.Range(0, 1000).Select(number => (object)(long)number)));
    }
}
