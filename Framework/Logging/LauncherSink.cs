using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace MPI.Logging;

/// <summary>
/// Hands each event to the launcher (see <see cref="JobContract"/>): appended to this rank's record file when the
/// launcher named a record directory, otherwise written to standard error behind the record prefix. Either way the
/// record has left the process before the logging call returns, so an event logged before a crash is not lost.
/// </summary>
public sealed class LauncherSink : ILogEventSink
{
    private readonly CompactJsonFormatter _formatter = new();
    private readonly RecordChannel _channel;

    /// <summary>The channel this process's launcher asked for.</summary>
    public LauncherSink() : this(RecordChannel.ForThisProcess) { }

    /// <summary>Records to <paramref name="output"/>, one prefixed line each (the standard-error form).</summary>
    public LauncherSink(TextWriter output) : this(new RecordChannel(output)) { }

    private LauncherSink(RecordChannel channel) => _channel = channel;

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var record = new StringWriter();
        _formatter.Format(logEvent, record);
        _channel.Write(record.ToString());
    }

    /// <summary>Where a process's records go; one per process, shared by every sink and logger in it.</summary>
    private sealed class RecordChannel
    {
        private static readonly Lazy<RecordChannel> Shared = new(Open);
        private readonly Lock _gate = new();
        private readonly TextWriter? _text;
        private readonly FileStream? _file;

        public RecordChannel(TextWriter text) => _text = text;

        private RecordChannel(FileStream file) => _file = file;

        public static RecordChannel ForThisProcess => Shared.Value;

        // The record's line ends with the formatter's newline; one write keeps concurrent records whole.
        public void Write(string record)
        {
            lock (_gate)
            {
                if (_file is not null)
                {
                    _file.Write(Encoding.UTF8.GetBytes(record));
                    _file.Flush();
                }
                else
                {
                    _text!.Write(JobContract.RecordPrefix + record);
                    _text.Flush();
                }
            }
        }

        private static RecordChannel Open()
        {
            var directory = System.Environment.GetEnvironmentVariable(JobContract.RecordDirectoryVariable);
            if (string.IsNullOrEmpty(directory))
                return new RecordChannel(Console.Error);
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, JobContract.RecordFile(RankEnricher.LauncherRank));
            return new RecordChannel(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
        }
    }
}
