using System.Collections;
using MPI.Launch;

namespace Launch.Tests;

/// <summary>
/// A log record's properties as PowerShell and C# callers read them (a read-only dictionary in logged order, Name=Value
/// as text), and spec errors that name the part of the spec at fault and its value.
/// </summary>
[TestFixture]
public sealed class RecordAndSpecErrorTests : StoreFixture
{
    private const string Line = """{"@t":"2026-11-30T10:15:00.1234567Z","@mt":"Share {Partial} from rank {Rank}","Partial":3.25,"Rank":1,"Host":"node1"}""";

    [Test]
    public void PropertiesKeepTheirLoggedOrderAndReadAsNameValuePairs()
    {
        var record = LogRecord.FromClef(Line);
        Assert.That(record.Properties.Keys, Is.EqualTo(new[] { "Partial", "Rank", "Host" }));
        Assert.That(record.Properties.ToString(), Is.EqualTo("Partial=3.25, Rank=1, Host=node1"));
        Assert.That(record.Properties["Rank"], Is.EqualTo(1L));
    }

    [TestCase("Share {Partial} from rank {Rank}", "Share 3.25 from rank 1")]
    [TestCase("error {Error:0.0E+00}, {Partial:F3} s", "error 4.2E-13, 3.250 s")]
    [TestCase("[{Host,-7}|{Rank,3}]", "[node1  |  1]")]
    [TestCase("{@Partial} and {$Host}, {{literal}} {Missing}", "3.25 and node1, {literal} {Missing}")]
    public void MessageIsRenderedFromItsTemplateWithFormatsAndAlignments(string template, string message)
    {
        var line = $$"""{"@t":"2026-11-30T10:15:00Z","@mt":{{System.Text.Json.JsonSerializer.Serialize(template)}},"Partial":3.25,"Error":4.2366110619695974E-13,"Rank":1,"Host":"node1"}""";
        Assert.That(LogRecord.FromClef(line).Message, Is.EqualTo(message));
    }

    // Lines a log file may hold that are not records (cut off, edited, written by something else): each reads as a
    // warning holding its text, as the follower of a job reads it; a throw there stopped the following.
    [TestCase("""{"@t":"2026-11-30T10:15""")]
    [TestCase("""[1, 2]""")]
    [TestCase("""42""")]
    [TestCase("""{"@t":42,"@m":"time as a number"}""")]
    [TestCase("""{"@t":"yesterday","@m":"time not a date"}""")]
    [TestCase("""{"@t":"2026-11-30T10:15:00Z","@l":3,"@m":"level as a number"}""")]
    [TestCase("""{"@t":"2026-11-30T10:15:00Z","@mt":["not", "text"]}""")]
    [TestCase("""{"@t":"2026-11-30T10:15:00Z","@m":{"not":"text"}}""")]
    [TestCase("""{"@t":"2026-11-30T10:15:00Z","@m":"x","@x":7}""")]
    public void ALineThatIsNotARecordReadsAsAWarningHoldingIt(string line)
    {
        var record = LogRecord.FromClef(line);
        Assert.That(record.Level, Is.EqualTo("Warning"));
        Assert.That(record.Message, Is.EqualTo(line));
    }

    [Test]
    public void PropertiesAreAReadOnlyHashtableToNonGenericCallers()
    {
        var properties = (IDictionary)LogRecord.FromClef(Line).Properties;
        Assert.That(properties.IsReadOnly, Is.True);
        Assert.That(properties["Host"], Is.EqualTo("node1"));
        Assert.That(properties["Missing"], Is.Null);
        Assert.Throws<NotSupportedException>(() => properties.Add("Extra", 1));
        Assert.That(properties.Cast<DictionaryEntry>().Select(entry => entry.Key), Is.EqualTo(new[] { "Partial", "Rank", "Host" }));
    }

    [Test]
    public void ARecordCopiesItsPropertiesAndEqualsARecordWithTheSameOnes()
    {
        var given = new Dictionary<string, object?> { ["Stream"] = "stdout" };
        var record = new LogRecord(DateTimeOffset.UnixEpoch, 0, "node1", "Information", "text", given, null);
        given["Stream"] = "stderr";
        Assert.That(record.Properties["Stream"], Is.EqualTo("stdout"));
        // Two reads of one line: equal records, though each has its own properties.
        var first = LogRecord.FromClef(Line);
        var second = LogRecord.FromClef(Line);
        Assert.That(first, Is.EqualTo(second));
        Assert.That(record with { Properties = new Dictionary<string, object?> { ["Stream"] = "stdout" } }, Is.EqualTo(record));
        Assert.That(record with { Properties = new Dictionary<string, object?> { ["Stream"] = "stderr" } }, Is.Not.EqualTo(record));
    }

    private static IEnumerable<TestCaseData> BadSpecs()
    {
        var good = LauncherTests.Spec(MpiImplementation.Mpich, "1");
        yield return new TestCaseData(good with { Program = "/nonexistent/job.dll" }, JobSpecField.Program, "/nonexistent/job.dll").SetName("MissingProgramIsAboutTheProgram");
        yield return new TestCaseData(good with { Ranks = 0 }, JobSpecField.Ranks, 0).SetName("ZeroRanksIsAboutTheRanks");
        yield return new TestCaseData(good with { WorkingDirectory = "/nonexistent/dir" }, JobSpecField.WorkingDirectory, "/nonexistent/dir").SetName("MissingDirectoryIsAboutTheDirectory");
        yield return new TestCaseData(good with { Environment = new Dictionary<string, string> { ["A=B"] = "1" } }, JobSpecField.Environment, "A=B").SetName("BadVariableIsAboutTheVariable");
        yield return new TestCaseData(good with { Hosts = [new HostSlots("no-such-node.invalid", 1)] }, JobSpecField.Host, "no-such-node.invalid").SetName("UnknownHostIsAboutTheHost");
    }

    [TestCaseSource(nameof(BadSpecs))]
    public void SpecErrorsNameTheFieldAndTheValueAtFault(JobSpec spec, JobSpecField field, object value)
    {
        var error = Assert.Throws<JobSpecException>(() => ParallelJob.Plan(spec, Store));
        Assert.That(error!.Field, Is.EqualTo(field));
        Assert.That(error.Value, Is.EqualTo(value));
    }

    [TestCase("node one", JobSpecField.Host)]
    [TestCase("node1:0", JobSpecField.Host)]
    public void MalformedHostsAreAboutTheHost(string host, JobSpecField field)
    {
        var error = Assert.Throws<JobSpecException>(() => HostSlots.Parse(host));
        Assert.That(error!.Field, Is.EqualTo(field));
        Assert.That(error.Value, Is.EqualTo(host));
    }

    [Test]
    public void AnUnknownImplementationNameIsAboutTheImplementation()
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpec.ParseImplementation("lam"));
        Assert.That(error!.Field, Is.EqualTo(JobSpecField.Implementation));
        Assert.That(error.Value, Is.EqualTo("lam"));
    }
}
