using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace MPI.Logging;

/// <summary>
/// Hands each event to the launcher (see <see cref="JobContract"/>): appended to this rank's record file when this
/// node sees the launcher's record directory, otherwise written to standard error behind the record prefix. Either
/// way the record is in the kernel's hands before the logging call returns, so an event logged before a crash is not
/// lost.
/// </summary>
public sealed class LauncherSink : ILogEventSink
{
    private readonly CompactJsonFormatter _formatter = new();
    private readonly RecordChannel _channel;
    private readonly bool _announce;

    /// <summary>
    /// The channel this process's launcher asked for: this rank's record file in the directory named by
    /// <see cref="JobContract.RecordDirectoryVariable"/> when this node shares it, else standard error. Every sink of
    /// a process shares one channel.
    /// </summary>
    public LauncherSink() : this(RecordChannel.ForThisProcess, announce: false) { }

    /// <summary>
    /// Records to <paramref name="output"/>, one line each behind <see cref="JobContract.RecordPrefix"/> (the
    /// standard-error form), flushed after each.
    /// </summary>
    public LauncherSink(TextWriter output) : this(new RecordChannel(output), announce: false) { }

    /// <summary>The launcher's own records (a rank starting, finishing, exiting), which it must notice at once.</summary>
    internal static LauncherSink ForAnnouncements() => new(RecordChannel.ForThisProcess, announce: true);

    private LauncherSink(RecordChannel channel, bool announce) => (_channel, _announce) = (channel, announce);

    /// <summary>Writes <paramref name="logEvent"/> as one compact-JSON record, before returning.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="logEvent"/> is null.</exception>
    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        _channel.Write(logEvent, _formatter, _announce);
    }

    /// <summary>Where a process's records go; one per process, shared by every sink and logger in it.</summary>
#pragma warning disable CA1001 // Lives as long as the process: the OS closes the file when it ends, even by a kill.
    private sealed class RecordChannel
#pragma warning restore CA1001
    {
        private static readonly Lazy<RecordChannel> Shared = new(Open);
        private static readonly byte[] Prefix = Encoding.UTF8.GetBytes(JobContract.RecordPrefix);
        private readonly Lock _gate = new();
        private readonly StringWriter _record = new(System.Globalization.CultureInfo.InvariantCulture);
        private readonly TextWriter? _text;
        private readonly Stream? _stream;
        private readonly MappedRecordFile? _file;
        private readonly RecordFormatter _records = new();
        private byte[] _bytes = new byte[4096];

        public RecordChannel(TextWriter text) => _text = text;

        private RecordChannel(Stream stream) => _stream = stream;

        private RecordChannel(MappedRecordFile file) => _file = file;

        public static RecordChannel ForThisProcess => Shared.Value;

        // One record, one copy into the mapped record file (the rank is the file's only writer), or one write system
        // call to standard error as one prefixed line: mpiexec forwards output in the pieces it reads, so a record
        // written in two calls could come out split around another rank's output. The record is written as UTF-8
        // by the channel's RecordFormatter; an event it cannot write (a string that is not valid UTF-16) goes
        // through CompactJsonFormatter, which writes anything.
        public void Write(LogEvent logEvent, CompactJsonFormatter formatter, bool announce)
        {
            lock (_gate)
            {
                ReadOnlySpan<byte> record;
                try
                {
                    record = _records.Format(logEvent, _file is null ? Prefix : default);
                }
                catch (ArgumentException)
                {
                    record = FormatText(logEvent, formatter);
                }
                if (_text is not null)
                {
                    _text.Write(Encoding.UTF8.GetString(record));
                    _text.Flush();
                }
                else if (_file is not null)
                {
                    _file.Append(record, announce);
                }
                else
                {
                    _stream!.Write(record);
                }
            }
        }

        private ReadOnlySpan<byte> FormatText(LogEvent logEvent, CompactJsonFormatter formatter)
        {
            var text = _record.GetStringBuilder().Clear();
            if (_file is null)
                text.Append(JobContract.RecordPrefix);
            formatter.Format(logEvent, _record);
            int length = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (_bytes.Length < length)
                _bytes = new byte[Math.Max(length, _bytes.Length * 2)];
            int count = 0;
            foreach (var chunk in text.GetChunks())
                count += Encoding.UTF8.GetBytes(chunk.Span, _bytes.AsSpan(count));
            return _bytes.AsSpan(0, count);
        }

        private static RecordChannel Open()
        {
            var directory = JobContract.SharedRecordDirectory(
                System.Environment.GetEnvironmentVariable(JobContract.RecordDirectoryVariable),
                System.Environment.GetEnvironmentVariable(JobContract.JobIdVariable));
            if (directory is null)
                return new RecordChannel(Console.OpenStandardError());
            var path = Path.Combine(directory, JobContract.RecordFile(RankEnricher.LauncherRank));
            return new RecordChannel(new MappedRecordFile(path));
        }
    }
}
