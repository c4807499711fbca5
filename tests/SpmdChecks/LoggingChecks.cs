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
}
