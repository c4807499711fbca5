using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using MPI.Launch;

namespace Launch.Tests;

/// <summary>
/// The timeline of a real 4-rank job in which every rank opens spans and rank 2 throws inside one: the Chrome trace
/// it writes (one thread per rank, the spans, the marks, microseconds), and the HTML page as headless Chromium
/// renders it (one lane per rank, inside its host's group, the failed rank's lane marked).
/// </summary>
[TestFixture(MpiImplementation.OpenMpi)]
[TestFixture(MpiImplementation.Mpich)]
public sealed class TimelineTests(MpiImplementation implementation)
{
    private const int Ranks = 4, Failing = 2;
    private static readonly string[] SpanNames = ["setup", "read", "exchange", "compute"];
    private string _root = "";
    private JobManifest _job = null!;
    private JobTimeline _timeline = null!;

    [OneTimeSetUp]
    public void RunJob()
    {
        _root = Path.Combine(Path.GetTempPath(), $"spmd-timeline-{Guid.NewGuid():N}");
        var store = new JobStore(Path.Combine(_root, "store"));
        using var job = ParallelJob.Start(new JobSpec
        {
            Program = Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll"),
            Arguments = ["timeline", $"{Failing}"],
            Ranks = Ranks,
            Implementation = implementation,
            StartupDeadline = TimeSpan.FromSeconds(60),
            Name = "timeline",
        }, store);
        _job = job.Wait(TimeSpan.FromSeconds(90)) ?? throw new AssertionException($"job {job.Id} did not end within 90 s");
        Assert.That(_job.State, Is.EqualTo(JobState.Failed), _job.Reason);
        _timeline = JobTimeline.Read(store, _job.Id);
    }

    [OneTimeTearDown]
    public void DeleteStore()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    [Test]
    public void LanesHoldEveryRankWithItsSpansAndTheFailure()
    {
        Assert.That(_timeline.Lanes.Select(lane => lane.Rank), Is.EqualTo(Enumerable.Range(0, Ranks)));
        Assert.That(_timeline.Hosts.Select(host => host.Key), Is.EqualTo(new[] { System.Environment.MachineName }));
        foreach (var lane in _timeline.Lanes)
        {
            Assert.That(lane.Spans.Select(span => span.Name), Is.EqualTo(SpanNames), $"rank {lane.Rank}");
            Assert.That(lane.Spans.All(span => span.Ended && span.Start <= span.End && span.Start >= lane.Start && span.End <= lane.End));
            var (setup, read) = (lane.Spans[0], lane.Spans[1]);
            Assert.That(read.Depth, Is.EqualTo(1));
            Assert.That(read.Start >= setup.Start && read.End <= setup.End, Is.True, "read lies inside setup");
            Assert.That(lane.Marks.Any(mark => mark.Message == $"Read {1000 * (lane.Rank + 1)} cells"), $"rank {lane.Rank}");
            Assert.That(lane.Marks.Any(mark => mark.Message.StartsWith("Span ", StringComparison.Ordinal)), Is.False, "span records are spans, not marks");
        }
        var failed = _timeline.Lanes.Where(lane => lane.Failed).ToList();
        Assert.That(failed.Select(lane => lane.Rank), Is.EqualTo(new[] { Failing }), _job.Reason);
        Assert.That(failed[0].Marks.Any(mark => mark.Level == "Fatal" && mark.Exception!.Contains("deliberate failure in compute", StringComparison.Ordinal)));
    }

    [Test]
    public void ChromeTraceHasAThreadPerRankSpansAndMarksInMicroseconds()
    {
        using var buffer = new MemoryStream();
        _timeline.Write(buffer, TimelineFormat.ChromeTrace);
        using var document = JsonDocument.Parse(buffer.ToArray());
        var root = document.RootElement;
        Assert.That(root.GetProperty("otherData").GetProperty("jobId").GetString(), Is.EqualTo(_job.Id));
        Assert.That(root.GetProperty("otherData").GetProperty("reason").GetString(), Does.Contain($"Rank {Failing}"));
        var events = root.GetProperty("traceEvents").EnumerateArray().ToList();
        string Ph(JsonElement e) => e.GetProperty("ph").GetString()!;
        string Name(JsonElement e) => e.GetProperty("name").GetString()!;

        var processes = events.Where(e => Ph(e) == "M" && Name(e) == "process_name").ToList();
        Assert.That(processes.Select(e => e.GetProperty("args").GetProperty("name").GetString()), Is.EqualTo(new[] { System.Environment.MachineName }));
        int pid = processes[0].GetProperty("pid").GetInt32();
        var threads = events.Where(e => Ph(e) == "M" && Name(e) == "thread_name").ToList();
        Assert.That(threads.Select(e => e.GetProperty("args").GetProperty("name").GetString()!.Split(' ')[..2]),
            Is.EqualTo(Enumerable.Range(0, Ranks).Select(rank => new[] { "rank", $"{rank}" })));
        Assert.That(threads.Select(e => e.GetProperty("tid").GetInt32()).Distinct().Count(), Is.EqualTo(Ranks));
        Assert.That(threads.All(e => e.GetProperty("pid").GetInt32() == pid));

        // Every timed event is at a finite, non-negative number of microseconds from the start, within the job's length.
        double length = (_timeline.To - _timeline.From).TotalMicroseconds;
        var timed = events.Where(e => Ph(e) is "X" or "i").ToList();
        Assert.That(timed.All(e => e.GetProperty("ts").GetDouble() is >= 0 and var ts && ts <= length + 1), Is.True);
        foreach (var thread in threads)
        {
            int tid = thread.GetProperty("tid").GetInt32();
            var mine = timed.Where(e => e.TryGetProperty("tid", out var t) && t.GetInt32() == tid).ToList();
            var spans = mine.Where(e => Ph(e) == "X" && e.GetProperty("cat").GetString() == "span").ToList();
            Assert.That(spans.Select(Name), Is.EqualTo(SpanNames), $"thread {tid}");
            // read sleeps at least 20 ms: 20,000 us or more, so the unit is the microsecond.
            var read = spans.Single(e => Name(e) == "read");
            Assert.That(read.GetProperty("dur").GetDouble(), Is.GreaterThanOrEqualTo(20_000).And.LessThan(length));
            var lane = mine.Single(e => Ph(e) == "X" && e.GetProperty("cat").GetString() == "rank");
            Assert.That(spans.All(span => span.GetProperty("ts").GetDouble() >= lane.GetProperty("ts").GetDouble()
                && span.GetProperty("ts").GetDouble() + span.GetProperty("dur").GetDouble()
                    <= lane.GetProperty("ts").GetDouble() + lane.GetProperty("dur").GetDouble() + 0.2), $"spans inside thread {tid}'s lane");
            Assert.That(mine.Any(e => Ph(e) == "i" && e.GetProperty("s").GetString() == "t" && Name(e).StartsWith("Read ", StringComparison.Ordinal)));
        }
        Assert.That(timed.Any(e => Ph(e) == "i" && e.GetProperty("cat").GetString() == "Warning" && Name(e) == "Rank 1 is behind"));
        var fatal = timed.Single(e => Ph(e) == "i" && e.GetProperty("cat").GetString() == "Fatal" && e.GetProperty("args").GetProperty("exception").GetString()!.Contains("deliberate failure", StringComparison.Ordinal));
        Assert.That(fatal.GetProperty("tid").GetInt32(), Is.EqualTo(threads.Single(e => e.GetProperty("args").GetProperty("name").GetString()!.StartsWith($"rank {Failing}", StringComparison.Ordinal)).GetProperty("tid").GetInt32()));
    }

    [Test]
    public void ChromiumRendersOneLanePerRankInsideItsHost()
    {
        var page = Path.Combine(_root, "timeline.html");
        using (var file = File.Create(page))
            _timeline.Write(file, TimelineFormat.Html);
        var dom = Chromium.DumpDom(page, Path.Combine(_root, "chromium-profile"));

        // The rendered DOM's SVG, as XML (the HTML serializer closes every SVG element and quotes every attribute).
        int start = dom.IndexOf("<svg", StringComparison.Ordinal), end = dom.IndexOf("</svg>", StringComparison.Ordinal);
        Assert.That(start >= 0 && end > start, Is.True, $"no SVG in the rendered page:\n{dom[..Math.Min(dom.Length, 2000)]}");
        var svg = XElement.Parse(dom[start..(end + 6)]);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var hosts = svg.Elements(ns + "g").Where(g => (string?)g.Attribute("class") == "host").ToList();
        Assert.That(hosts.Select(g => (string?)g.Attribute("data-host")), Is.EqualTo(new[] { System.Environment.MachineName }));
        var lanes = hosts[0].Elements(ns + "g").Where(g => ((string?)g.Attribute("class"))?.Split(' ').Contains("lane") == true).ToList();
        Assert.That(lanes.Select(g => (int)g.Attribute("data-rank")!), Is.EqualTo(Enumerable.Range(0, Ranks)));
        Assert.That(svg.Descendants(ns + "g").Count(g => g.Attribute("data-rank") is not null), Is.EqualTo(Ranks), "one lane per rank, all inside the host");
        Assert.That(lanes.Where(g => ((string)g.Attribute("class")!).Contains("failed", StringComparison.Ordinal)).Select(g => (int)g.Attribute("data-rank")!),
            Is.EqualTo(new[] { Failing }));
        foreach (var lane in lanes)
            Assert.That(lane.Elements(ns + "g").Select(g => (string?)g.Attribute("data-span")), Is.EqualTo(SpanNames));
        Assert.That(dom, Does.Contain("class=\"reason\""), "the job's reason is in the header");
    }

    [Test]
    public void FormatFollowsTheExtension()
    {
        Assert.That(JobTimeline.FormatOf("a/job.html"), Is.EqualTo(TimelineFormat.Html));
        Assert.That(JobTimeline.FormatOf("job.HTM"), Is.EqualTo(TimelineFormat.Html));
        Assert.That(JobTimeline.FormatOf("job.json"), Is.EqualTo(TimelineFormat.ChromeTrace));
        Assert.That(JobTimeline.FormatOf("job.svg"), Is.Null);
        Assert.That(JobTimeline.FormatOf("job"), Is.Null);
    }

    [Test]
    public void MissingJobIsNamed()
    {
        var store = new JobStore(Path.Combine(_root, "store"));
        var error = Assert.Throws<KeyNotFoundException>(() => JobTimeline.Read(store, "20260101-000000-000000"));
        Assert.That(error!.Message, Does.Contain("20260101-000000-000000").And.Contain(store.Root));
    }
}

/// <summary>Debian's chromium, headless: the DOM of a page after it loaded.</summary>
internal static class Chromium
{
    public static string DumpDom(string page, string profile)
    {
        var start = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // As root Chromium runs only without its sandbox; a profile of its own keeps it from others' sessions.
            ArgumentList = { "--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={profile}", "--dump-dom", new Uri(page).AbsoluteUri },
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new AssertionException($"chromium is not installed (Debian's package chromium, which scripts/lib/common.sh installs): {e.Message}");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                process.Kill(entireProcessTree: true);
                throw new AssertionException("chromium did not finish rendering within 90 s");
            }
            Assert.That(process.ExitCode, Is.Zero, error.Result);
            return output.Result;
        }
    }
}
