namespace MPI.Launch;

/// <summary>
/// Reads a job's log bit by bit: each <see cref="Next"/> gives the matching records written since the previous call,
/// in time order. Records are only ever appended, so what was read is never read again. Not thread-safe: one
/// follower calls it.
/// </summary>
public sealed class JobLogCursor
{
    private readonly JobLog _log;
    private readonly LogQuery _query;
    private readonly Dictionary<string, long> _offsets = [];

    internal JobLogCursor(JobLog log, LogQuery query)
    {
        _log = log;
        _query = query;
    }

    /// <summary>
    /// The records written since the last call that match the query (<see cref="LogQuery.Last"/> aside), in time order;
    /// the hosts of lines the ranks printed come from <paramref name="job"/>'s record, when given.
    /// </summary>
    public IReadOnlyList<LogRecord> Next(JobManifest? job)
    {
        var placed = JobLog.WithHosts(job);
        var batch = new List<LogRecord>();
        foreach (var file in _log.Files(_query))
        {
            // A job removed while its log is read: what was read stands, and its follower sees it gone.
            _offsets.TryGetValue(file, out long offset);
            var (records, end) = JobLog.ReadPresent(file, offset);
            _offsets[file] = end;
            batch.AddRange(records.Select(placed).Where(_query.Matches));
        }
        return [.. batch.OrderBy(record => record.Timestamp)];
    }
}
