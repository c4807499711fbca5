using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace MPI.Logging;

/// <summary>
/// The one call that sets up logging on a rank: Serilog with every event enriched by <see cref="RankEnricher"/>;
/// on a terminal, console lines prefixed with the rank; under the launcher (<see cref="JobContract.JobIdVariable"/>
/// set), records shipped to the launching machine instead. <c>extend</c> adds sinks, levels or filters.
/// </summary>
public static class RankLogging
{
    /// <summary>The console line: rank first, so interleaved output from many ranks stays readable.</summary>
    public const string ConsoleTemplate =
        "[rank {Rank}] {Timestamp:HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// Configures <see cref="Log.Logger"/> for this rank and returns it: events at <paramref name="minimumLevel"/> and
    /// above, enriched by <see cref="RankEnricher"/>, to the launcher (<see cref="LauncherSink"/>) when
    /// <see cref="UnderLauncher"/>, otherwise to the console as <see cref="ConsoleTemplate"/>; then
    /// <paramref name="extend"/> adds to the configuration. Works before MPI is initialized. Calling it again
    /// replaces the logger (the previous one is not disposed).
    /// </summary>
    public static Serilog.ILogger Configure(LogEventLevel minimumLevel = LogEventLevel.Information,
        Action<LoggerConfiguration>? extend = null)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(minimumLevel)
            .Enrich.With<RankEnricher>();
        if (UnderLauncher)
            configuration.WriteTo.Sink<LauncherSink>();
        else
            configuration.WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        extend?.Invoke(configuration);
        Log.Logger = configuration.CreateLogger();
        _configured = true;
        return Log.Logger;
    }

    /// <summary>
    /// A Microsoft.Extensions.Logging factory over the configured logger (for libraries that use ILogger); disposing
    /// the factory leaves the logger open.
    /// </summary>
    public static ILoggerFactory CreateLoggerFactory() => new SerilogLoggerFactory(Log.Logger, dispose: false);

    /// <summary>Tells the launcher (if one started this process) where this rank runs, once MPI knows its rank.</summary>
    internal static void ReportStartToLauncher()
    {
        ReportToLauncher(logger =>
            logger.Information(JobContract.StartedTemplate, Communicator.world.Rank, Communicator.world.Size, System.Environment.MachineName));
        ConnectExitChannel(Communicator.world.Rank);
    }

    // Held until the process ends, when the kernel closes it: how the launcher learns the order in which ranks end.
    private static System.Net.Sockets.Socket? _exitChannel;

    private static void ConnectExitChannel(int rank)
    {
        var name = System.Environment.GetEnvironmentVariable(JobContract.ExitChannelVariable);
        if (string.IsNullOrEmpty(name) || _exitChannel is not null)
            return;
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint("\0" + name));
            socket.Send(System.Text.Encoding.ASCII.GetBytes($"{rank}\n"));
            _exitChannel = socket;
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Another machine or network namespace than the launcher's: it learns this rank's end from its records.
            socket.Dispose();
        }
    }

    /// <summary>Tells the launcher that this rank ended normally (called just before MPI is finalized).</summary>
    internal static void ReportFinishToLauncher() => ReportToLauncher(logger =>
        logger.Information(JobContract.FinishedTemplate, Communicator.world.Rank));

    /// <summary>Tells the launcher that MPI_Finalize has returned on this rank.</summary>
    internal static void ReportFinalizedToLauncher(int rank) => ReportToLauncher(logger =>
        logger.Information(JobContract.FinalizedTemplate, rank));

    /// <summary>Tells the launcher this process's exit code (called as the process exits, after MPI is finalized).</summary>
    internal static void ReportExitToLauncher(int rank) => ReportToLauncher(logger =>
        logger.Information(JobContract.ExitedTemplate, rank, System.Environment.ExitCode));

    /// <summary>Tells the launcher that this rank is being stopped from outside (SIGTERM), so it did not fail by itself.</summary>
    internal static void ReportTerminationToLauncher(int rank) => ReportToLauncher(logger =>
        logger.Information(JobContract.TerminatedTemplate, rank, 15));

    /// <summary>
    /// Reports why this rank is about to end the job: through the configured logger (so the program's own sinks
    /// see it too), or straight to the launcher when the program never configured logging.
    /// </summary>
    internal static void ReportFatal(Exception? exception, string template, params object?[] values)
    {
        if (_configured)
        {
            Log.Fatal(exception, template, values);
            Log.CloseAndFlush();
        }
        else
        {
            ReportToLauncher(logger => logger.Fatal(exception, template, values));
        }
    }

    /// <summary>Warns through the configured logger, or straight to the launcher.</summary>
    internal static void ReportWarning(string template, params object?[] values)
    {
        if (_configured)
            Log.Warning(template, values);
        else
            ReportToLauncher(logger => logger.Warning(template, values));
    }

    private static volatile bool _configured;

    private static void ReportToLauncher(Action<Serilog.ILogger> report)
    {
        if (!UnderLauncher)
            return;
        using var logger = new LoggerConfiguration().Enrich.With<RankEnricher>().WriteTo.Sink(LauncherSink.ForAnnouncements()).CreateLogger();
        report(logger);
    }

    /// <summary>Whether a launcher started this process and collects its records (<see cref="JobContract.JobIdVariable"/> is set).</summary>
    public static bool UnderLauncher =>
        !string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(JobContract.JobIdVariable));
}
