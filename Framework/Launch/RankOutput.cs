using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// Splits mpiexec's output by rank: each line, reassembled from the pieces mpiexec tagged (<see cref="OutputLines"/>),
/// is attributed to the rank its implementation's tag names (see <see cref="MpiexecDialect.OutputTag"/>) and appended
/// to that rank's output log in the job directory (mpiexec's own lines and the launcher's warnings to the
/// launcher's). Records a rank wrote to standard error behind the
/// record prefix (a rank that does not see the launcher's record directory) are filed as records and handed on; the
/// rest are read for mpiexec's reports of ranks that ended badly. Not thread-safe: its job calls it under its lock.
/// </summary>
internal sealed class RankOutput(string directory, MpiexecDialect dialect, MpiexecReports reports, Action<int, string> record) : IDisposable
{
    private const int MaximumRecordLength = 1 << 20, FirstLineCount = 40;
    private readonly Dictionary<string, StreamWriter> _logs = [];
    private readonly Dictionary<(int? Rank, string Stream), string> _partial = [];
    private readonly List<string> _firstLines = [];
    private readonly Dictionary<string, OutputLines> _lines = [];

    /// <summary>The first lines of output (mpiexec's and the programs'): what explains a job that ended before any rank started.</summary>
    public IReadOnlyList<string> FirstLines => _firstLines;

    /// <summary>Files one line of mpiexec's output, which came on <paramref name="pipe"/> (stdout or stderr).</summary>
    public void Route(string line, string pipe)
    {
        if (!_lines.TryGetValue(pipe, out var lines))
            _lines[pipe] = lines = new OutputLines(dialect, pipe);
        foreach (var (rank, stream, text) in lines.Read(line))
            File(rank, stream, text);
    }

    /// <summary>Files a record of the launcher's own (a warning about the job) in the launcher's log.</summary>
    public void Warn(string text) => Append(null, LogRecord.ClefForLauncher(DateTimeOffset.UtcNow, "Warning", text));

    /// <summary>Files what is left of records that never completed as plain lines, once mpiexec's output has ended.</summary>
    public void Flush()
    {
        foreach (var (rank, stream, text) in _lines.Values.SelectMany(lines => lines.Flush()).ToList())
            File(rank, stream, text);
        foreach (var ((rank, stream), pending) in _partial)
            Append(rank, LogRecord.ClefForLine(DateTimeOffset.UtcNow, rank, stream, JobContract.RecordPrefix + pending));
        _partial.Clear();
    }

    /// <summary>Closes the logs.</summary>
    public void Dispose()
    {
        foreach (var writer in _logs.Values)
            writer.Dispose();
        _logs.Clear();
    }

    private void File(int? rank, string stream, string text)
    {
        if (_firstLines.Count < FirstLineCount && !text.StartsWith(JobContract.RecordPrefix, StringComparison.Ordinal))
            _firstLines.Add(text);
        foreach (var clef in Assemble(rank, stream, text))
            Append(rank, clef);
    }

    // A record longer than mpiexec's forwarding buffer arrives in pieces, each tagged like a line of its own: the
    // pieces are joined until the record parses. A record cut short for good (its rank killed mid-write) is kept
    // as a plain line.
    private IEnumerable<string> Assemble(int? rank, string stream, string text)
    {
        var key = (rank, stream);
        if (_partial.Remove(key, out var pending))
        {
            var joined = pending + text;
            if (LogRecord.IsClef(joined))
            {
                record(rank!.Value, joined);
                yield return joined;
                yield break;
            }
            if (joined.Length < MaximumRecordLength && !text.StartsWith(JobContract.RecordPrefix, StringComparison.Ordinal))
            {
                _partial[key] = joined;
                yield break;
            }
            yield return LogRecord.ClefForLine(DateTimeOffset.UtcNow, rank, stream, JobContract.RecordPrefix + pending);
        }
        if (rank is not null && text.StartsWith(JobContract.RecordPrefix, StringComparison.Ordinal))
        {
            var clef = text[JobContract.RecordPrefix.Length..];
            if (LogRecord.IsClef(clef))
            {
                record(rank.Value, clef);
                yield return clef;
            }
            else
            {
                _partial[key] = clef;
            }
            yield break;
        }
        reports.Read(text);
        yield return LogRecord.ClefForLine(DateTimeOffset.UtcNow, rank, stream, text);
    }

    private void Append(int? rank, string clef)
    {
        var name = JobLog.OutputFileName(rank);
        if (!_logs.TryGetValue(name, out var writer))
            _logs[name] = writer = new StreamWriter(OwnerOnly.Append(Path.Combine(directory, name))) { AutoFlush = true };
        writer.WriteLine(clef);
    }
}
