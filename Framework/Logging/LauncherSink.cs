using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace MPI.Logging;

/// <summary>
/// Hands each event to the launcher as one compact-JSON line on standard error (see <see cref="JobContract"/>),
/// written and flushed before the logging call returns: an event logged before a crash has already left the rank.
/// </summary>
public sealed class LauncherSink : ILogEventSink
{
    private readonly CompactJsonFormatter _formatter = new();
    private readonly Lock _gate = new();
    private readonly TextWriter _output;

    public LauncherSink() : this(Console.Error) { }

    public LauncherSink(TextWriter output) => _output = output;

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var line = new StringWriter();
        line.Write(JobContract.RecordPrefix);
        _formatter.Format(logEvent, line);
        lock (_gate)
        {
            // The formatter ends the record with a newline; one Write keeps concurrent records whole.
            _output.Write(line.ToString());
            _output.Flush();
        }
    }
}
