using Microsoft.Extensions.Logging;
using MPI;
using MPI.Logging;
using Serilog.Core;
using Serilog.Events;

namespace SpmdChecks;

internal static class LoggingChecks
{
    private sealed class Collector : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    private static object? Scalar(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue scalar ? scalar.Value : null;

    [Check]
    public static void RankEventsCarryTheirOrigin(Intracommunicator c)
    {
        var collector = new Collector();
        var log = RankLogging.Configure(LogEventLevel.Debug, configuration => configuration.WriteTo.Sink(collector));
        try
        {
            log.Debug("debug {Value}", 1);
            log.Verbose("not kept");
            using (var factory = RankLogging.CreateLoggerFactory())
#pragma warning disable CA1848 // A plain call is what a library under test would make.
                factory.CreateLogger("Library").LogWarning("from a library on {Node}", "n1");
#pragma warning restore CA1848

            Expect.Equal(2, collector.Events.Count);
            foreach (var logEvent in collector.Events)
            {
                Expect.Equal(c.Rank, Scalar(logEvent, JobContract.RankProperty));
                Expect.Equal(c.Size, Scalar(logEvent, JobContract.SizeProperty));
                Expect.Equal(System.Environment.MachineName, Scalar(logEvent, JobContract.HostProperty));
                Expect.Equal(System.Environment.ProcessId, Scalar(logEvent, JobContract.ProcessIdProperty));
                Expect.Equal("local", Scalar(logEvent, JobContract.JobIdProperty));
            }
            Expect.Equal(LogEventLevel.Warning, collector.Events[1].Level);
            Expect.Equal("n1", Scalar(collector.Events[1], "Node"));
        }
        finally
        {
            Serilog.Log.CloseAndFlush();
        }
    }

    [Check]
    public static void LauncherSinkWritesOneWholeRecordPerLine(Intracommunicator c)
    {
        var output = new StringWriter();
        using (var logger = new Serilog.LoggerConfiguration().Enrich.With<RankEnricher>().WriteTo.Sink(new LauncherSink(output)).CreateLogger())
        {
            logger.Information("multi\nline {Text}", "va\"lue");
            logger.Error(new InvalidOperationException("boom"), "failed");
        }
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Expect.Equal(2, lines.Length);
        Expect.True(lines.All(line => line.StartsWith(JobContract.RecordPrefix, StringComparison.Ordinal)));
        using var record = System.Text.Json.JsonDocument.Parse(lines[1][JobContract.RecordPrefix.Length..]);
        Expect.Equal(c.Rank, record.RootElement.GetProperty(JobContract.RankProperty).GetInt32());
        Expect.True(record.RootElement.GetProperty("@x").GetString()!.Contains("boom", StringComparison.Ordinal));
    }

    private sealed record Point(int X, int Y);

    private static string Shown(string record) => record.Length <= 2000 ? record : record[..2000] + "...";

    // Every kind of property value, exceptions, trace ids, format strings, unicode and a very long message: the
    // record file's writer (RecordFormatter) gives the same JSON as Serilog's CompactJsonFormatter, member for member.
    [Check]
    public static void RecordsAreCompactJsonForEveryKindOfValue(Intracommunicator c)
    {
        var collector = new Collector();
        using (var logger = new Serilog.LoggerConfiguration().MinimumLevel.Verbose().Enrich.With<RankEnricher>().WriteTo.Sink(collector).CreateLogger())
        {
            logger.Information("scalars {Int} {Long} {Double} {Float} {Decimal} {Bool} {Null} {Char} {Byte} {UInt} {ULong} {Short} {SByte} {UShort}",
                [-1, long.MaxValue, 0.1, 1.5f, 1.25m, true, null, 'x', (byte)7, 8u, ulong.MaxValue, (short)-3, (sbyte)-4, (ushort)5]);
            logger.Warning("not finite {NaN} {Infinity} {Negative}", double.NaN, double.PositiveInfinity, float.NegativeInfinity);
            logger.Error(new InvalidOperationException("boom \"quoted\"", new ArgumentException("inner")),
                "failed at {Time} {Offset} {Span} {Guid} {Level}", [new DateTime(2026, 11, 30, 1, 2, 3, DateTimeKind.Utc),
                new DateTimeOffset(2026, 11, 30, 1, 2, 3, TimeSpan.FromHours(2)), TimeSpan.FromMilliseconds(1500), Guid.Empty, LogEventLevel.Fatal]);
            logger.Debug("unicode {Text} \u2713 \U0001D11E", "h\u00e9llo \u0001 tab\t newline\n <html>&'+ \U0001D11E \\ \"");
            logger.Verbose("structures {@Point} {List} {Dictionary} {@Anonymous} {Plain}",
                new Point(1, 2), new List<int> { 1, 2, 3 }, new Dictionary<string, double> { ["a"] = 1.5 }, new { Name = "n", Nested = new[] { 0.5 } }, new Point(3, 4));
            logger.Fatal("formats {Value:F2} {When:yyyy-MM-dd} {Count,5} {{braces}}", 3.14159, new DateTime(2026, 1, 2), 42);
            logger.ForContext("@odd", "escaped").Information("a property named with an @");
            logger.Information(new string('x', 200_000) + " {Tail}", new string('y', 100_000));
        }
        var template = new Serilog.Parsing.MessageTemplateParser().Parse("traced {Step}");
        collector.Events.Add(new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Information, null, template,
            [new LogEventProperty("Step", new ScalarValue(1))], System.Diagnostics.ActivityTraceId.CreateRandom(), System.Diagnostics.ActivitySpanId.CreateRandom()));

        using var ours = new RecordFormatter();
        var compact = new Serilog.Formatting.Compact.CompactJsonFormatter();
        foreach (var logEvent in collector.Events)
        {
            var record = System.Text.Encoding.UTF8.GetString(ours.Format(logEvent, "@prefix "u8));
            Expect.True(record.StartsWith("@prefix {", StringComparison.Ordinal) && record.IndexOf('\n', StringComparison.Ordinal) == record.Length - 1, Shown(record));
            var expected = new StringWriter();
            compact.Format(logEvent, expected);
            using var mine = System.Text.Json.JsonDocument.Parse(record["@prefix ".Length..]);
            using var theirs = System.Text.Json.JsonDocument.Parse(expected.ToString());
            Expect.True(System.Text.Json.JsonElement.DeepEquals(mine.RootElement, theirs.RootElement), $"{Shown(record)} differs from {Shown(expected.ToString())}");
            Expect.Sequence(theirs.RootElement.EnumerateObject().Select(member => member.Name), mine.RootElement.EnumerateObject().Select(member => member.Name));
            // Again, with the template and the names encoded by the first pass.
            Expect.Equal(record, System.Text.Encoding.UTF8.GetString(ours.Format(logEvent, "@prefix "u8)));
        }
        // More names and templates than the formatter keeps encoded: it forgets them and goes on writing them right.
        for (int i = 0; i < 1500; i++)
        {
            var many = new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new Serilog.Parsing.MessageTemplateParser().Parse($"many {{P{i}}}"),
                [new LogEventProperty($"P{i}", new ScalarValue(i))]);
            using var record = System.Text.Json.JsonDocument.Parse(ours.Format(many, default).ToArray());
            Expect.Equal($"many {{P{i}}}", record.RootElement.GetProperty("@mt").GetString());
            Expect.Equal(i, record.RootElement.GetProperty($"P{i}").GetInt32());
        }
        Expect.Equal(c.Rank, System.Text.Json.JsonDocument.Parse(System.Text.Encoding.UTF8.GetString(ours.Format(collector.Events[0], default)))
            .RootElement.GetProperty(JobContract.RankProperty).GetInt32());

        // A string that is not valid UTF-16 still makes a record (CompactJsonFormatter's, U+FFFD in its place).
        var output = new StringWriter();
        using (var logger = new Serilog.LoggerConfiguration().WriteTo.Sink(new LauncherSink(output)).CreateLogger())
            logger.Information("lone {Half} surrogate", "a\ud800b");
        var line = output.ToString();
        Expect.True(line.StartsWith(JobContract.RecordPrefix, StringComparison.Ordinal), line);
        Expect.Equal("a\ufffdb", System.Text.Json.JsonDocument.Parse(line[JobContract.RecordPrefix.Length..]).RootElement.GetProperty("Half").GetString());
    }
}
