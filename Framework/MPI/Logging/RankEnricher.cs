using Serilog.Core;
using Serilog.Events;

namespace MPI.Logging;

/// <summary>
/// Adds JobId, Rank, Size, Host and ProcessId to every event. Rank and size come from MPI once it is initialized
/// (from the launcher's environment before that), so events logged before MPI starts are still attributed.
/// </summary>
public sealed class RankEnricher : ILogEventEnricher
{
    private readonly string _jobId = System.Environment.GetEnvironmentVariable(JobContract.JobIdVariable) ?? "local";
    // The properties as MPI confirms them, and as the launcher announced them (before MPI starts or after it ends).
    private LogEventProperty[]? _fromMpi, _fromLauncher;

    /// <summary>Adds the properties <paramref name="logEvent"/> does not already have.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="logEvent"/> is null.</exception>
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        bool known = Environment.Initialized && !Environment.Finalized;
        var properties = known ? _fromMpi ??= Describe(known) : _fromLauncher ??= Describe(known);
        foreach (var property in properties)
            logEvent.AddPropertyIfAbsent(property);
    }

    private LogEventProperty[] Describe(bool known)
    {
        var (rank, size) = known
            ? (Communicator.world.Rank, Communicator.world.Size)
            : (LauncherRank, FromLauncher("OMPI_COMM_WORLD_SIZE", "PMI_SIZE"));
        var properties = new[]
        {
            new LogEventProperty(JobContract.JobIdProperty, new ScalarValue(_jobId)),
            new LogEventProperty(JobContract.RankProperty, new ScalarValue(rank)),
            new LogEventProperty(JobContract.SizeProperty, new ScalarValue(size)),
            new LogEventProperty(JobContract.HostProperty, new ScalarValue(System.Environment.MachineName)),
            new LogEventProperty(JobContract.ProcessIdProperty, new ScalarValue(System.Environment.ProcessId)),
        };
        return properties;
    }

    /// <summary>This process's rank as the launcher announced it (0 without a launcher).</summary>
    public static int LauncherRank => FromLauncher("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK");

    private static int FromLauncher(params string[] variables)
    {
        foreach (var variable in variables)
        {
            if (int.TryParse(System.Environment.GetEnvironmentVariable(variable), out int value))
                return value;
        }
        return 0;
    }
}
