using Serilog.Events;

namespace MPI.Logging;

/// <summary>
/// A named span of a rank's work, opened around a phase and closed by disposing it:
/// <c>using (RankSpan.Begin("exchange")) { ... }</c>. It writes one record as it begins and one as it ends (with its
/// length in milliseconds), as <see cref="SpanContract"/> describes; under the launcher they are kept with the rank's
/// other records and the job's timeline draws the span on the rank's lane. Spans nest: a span begun inside another
/// (on the same thread or async flow) names it as its parent.
/// </summary>
public sealed class RankSpan : IDisposable
{
    private static long _lastId;
    private static readonly AsyncLocal<RankSpan?> Current = new();

    private readonly Serilog.ILogger _logger;
    private readonly LogEventLevel _level;
    private readonly RankSpan? _parent;
    private readonly System.Diagnostics.Stopwatch _clock;
    private int _ended;

    private RankSpan(string name, LogEventLevel level, Serilog.ILogger logger)
    {
        Name = name;
        Id = Interlocked.Increment(ref _lastId);
        _level = level;
        _parent = Current.Value;
        _logger = logger.ForContext(SpanContract.SpanIdProperty, Id);
        if (_parent is not null)
            _logger = _logger.ForContext(SpanContract.ParentProperty, _parent.Id);
        _logger.Write(level, SpanContract.BeganTemplate, name);
        Current.Value = this;
        _clock = System.Diagnostics.Stopwatch.StartNew();
    }

    /// <summary>
    /// Opens a span named <paramref name="name"/>: writes its begin record at <paramref name="level"/> through
    /// <paramref name="logger"/> (by default <see cref="Serilog.Log.Logger"/>, as <see cref="RankLogging.Configure"/>
    /// set it up). The span ends when it is disposed.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or only white space.</exception>
    public static RankSpan Begin(string name, LogEventLevel level = LogEventLevel.Information, Serilog.ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new RankSpan(name, level, logger ?? Serilog.Log.Logger);
    }

    /// <summary>The span's name.</summary>
    public string Name { get; }

    /// <summary>The span's id, unique within this process (its records' <see cref="SpanContract.SpanIdProperty"/>).</summary>
    public long Id { get; }

    /// <summary>How long the span has lasted so far (or lasted, once ended).</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Ends the span: writes its end record with its length in milliseconds. Later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        _clock.Stop();
        if (Current.Value == this)
            Current.Value = _parent;
        _logger.Write(_level, SpanContract.EndedTemplate, Name, Math.Round(_clock.Elapsed.TotalMilliseconds, 3));
    }
}
