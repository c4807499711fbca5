using MPI.Logging;

namespace MPI.Launch;

/// <summary>The files a job's timeline is written as.</summary>
public enum TimelineFormat
{
    /// <summary>A self-contained HTML page with the timeline as inline SVG: no script, font or network needed.</summary>
    Html,

    /// <summary>Chrome's trace-event JSON (hosts as processes, ranks as threads), which Perfetto and chrome://tracing open.</summary>
    ChromeTrace,
}

/// <summary>A named span of a rank's work (<see cref="SpanContract"/>), as its records place it.</summary>
/// <param name="Name">The span's name.</param>
/// <param name="Start">When it began.</param>
/// <param name="End">When it ended; for a span that never ended, the end of its rank's lane.</param>
/// <param name="Depth">How many spans it is inside (0 for an outermost span).</param>
/// <param name="Ended">Whether the rank recorded its end (false when the rank died, or still runs, inside it).</param>
public sealed record TimelineSpan(string Name, DateTimeOffset Start, DateTimeOffset End, int Depth, bool Ended);

/// <summary>A log record shown as a mark on a lane (or on the job, for the launcher's and mpiexec's own).</summary>
/// <param name="Time">When it was logged or printed.</param>
/// <param name="Level">Verbose, Debug, Information, Warning, Error or Fatal.</param>
/// <param name="Message">The rendered message, or the line printed.</param>
/// <param name="Exception">The exception logged with it, as text.</param>
public sealed record TimelineMark(DateTimeOffset Time, string Level, string Message, string? Exception);

/// <summary>One rank's lane: where it ran, when it started, finished and exited, how it ended, its spans and marks.</summary>
/// <param name="Rank">The rank.</param>
/// <param name="Host">The host it ran on ("unknown host" when no record says).</param>
/// <param name="ProcessId">Its process id there, when known.</param>
public sealed record TimelineLane(int Rank, string Host, int? ProcessId)
{
    /// <summary>When the rank started (its start record, or its first record if earlier).</summary>
    public DateTimeOffset Start { get; init; }

    /// <summary>When the rank said it finished its MPI work; null when it never did.</summary>
    public DateTimeOffset? Finished { get; init; }

    /// <summary>When the rank's process exited (its exit record), else the job's end (or now, for a running job), or its last record if later.</summary>
    public DateTimeOffset End { get; init; }

    /// <summary>Whether the rank recorded its own exit (false for a rank killed, or still running).</summary>
    public bool Exited { get; init; }

    /// <summary>The process's exit code, when known.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The signal that ended the process, when one did.</summary>
    public int? Signal { get; init; }

    /// <summary>Why the rank failed or did not finish (<see cref="RankInfo.Failure"/>).</summary>
    public string? Failure { get; init; }

    /// <summary>Whether this rank failed by itself (not ended because the job ended): its lane is highlighted.</summary>
    public bool Failed { get; init; }

    /// <summary>The spans the rank recorded, in the order they began.</summary>
    public IReadOnlyList<TimelineSpan> Spans { get; init; } = [];

    /// <summary>The rank's other records (events and printed lines), in time order.</summary>
    public IReadOnlyList<TimelineMark> Marks { get; init; } = [];
}

/// <summary>
/// The picture of a job: one lane per rank, grouped by host, with its start, finish and exit, its log records as
/// marks, its spans (written by <c>MPI.Logging.RankSpan</c>, <see cref="SpanContract"/>) and its failure; written as a
/// self-contained HTML page (<see cref="WriteHtml"/>) or as Chrome trace-event JSON (<see cref="WriteChromeTrace"/>).
/// Read from the job store only: reading runs nothing and writes nothing.
/// </summary>
public sealed class JobTimeline
{
    private JobTimeline(JobManifest job, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<TimelineLane> lanes,
        IReadOnlyList<TimelineMark> jobMarks)
    {
        Job = job;
        From = from;
        To = to;
        Lanes = lanes;
        JobMarks = jobMarks;
    }

    /// <summary>The job's manifest as read (id, name, state, reason, times).</summary>
    public JobManifest Job { get; }

    /// <summary>Where the timeline begins: the earliest of the job's start and its records.</summary>
    public DateTimeOffset From { get; }

    /// <summary>Where it ends: the job's end (the time it was read, for a running job), or its last record if later.</summary>
    public DateTimeOffset To { get; }

    /// <summary>One lane per rank that started or logged, in rank order.</summary>
    public IReadOnlyList<TimelineLane> Lanes { get; }

    /// <summary>The launcher's own records and mpiexec's lines (no rank), in time order.</summary>
    public IReadOnlyList<TimelineMark> JobMarks { get; }

    /// <summary>The lanes grouped by host, hosts in the order of their lowest rank.</summary>
    public IEnumerable<IGrouping<string, TimelineLane>> Hosts => Lanes.GroupBy(lane => lane.Host);

    /// <summary>
    /// Reads job <paramref name="id"/>'s timeline from <paramref name="store"/>: its manifest and every record so far.
    /// A running job's timeline shows it up to <paramref name="now"/> (the time of the call by default), its open
    /// lanes and spans ending there.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> or <paramref name="id"/> is null.</exception>
    /// <exception cref="KeyNotFoundException">The store has no job <paramref name="id"/>.</exception>
    public static JobTimeline Read(JobStore store, string id, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(id);
        var job = store.TryGet(id) ?? throw new KeyNotFoundException($"There is no job {id} in the job store {store.Root}.");
        var records = store.Logs(id).Read().Where(record => record.Timestamp != DateTimeOffset.MinValue).ToList();
        var end = job.IsFinished ? job.Ended ?? records.LastOrDefault()?.Timestamp ?? job.Created : now ?? DateTimeOffset.UtcNow;
        var ranks = job.RankInfo.Select(info => info.Rank)
            .Concat(records.Where(record => record.Rank is not null).Select(record => record.Rank!.Value))
            .Distinct().Order();
        var lanes = ranks.Select(rank => Lane(rank, job.RankInfo.FirstOrDefault(info => info.Rank == rank),
            records.Where(record => record.Rank == rank).ToList(), job, end)).ToList();
        var jobMarks = records.Where(record => record.Rank is null).Select(Mark).ToList();
        var times = lanes.Select(lane => lane.Start).Concat(jobMarks.Select(mark => mark.Time))
            .Append(job.Started ?? job.Created).ToList();
        var to = lanes.Select(lane => lane.End).Concat(jobMarks.Select(mark => mark.Time)).Append(end).Max();
        return new JobTimeline(job, times.Min(), to, lanes, jobMarks);
    }

    /// <summary>The format a file's extension asks for: .html or .htm for HTML, .json for a Chrome trace; null for any other.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    public static TimelineFormat? FormatOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".html" or ".htm" => TimelineFormat.Html,
            ".json" => TimelineFormat.ChromeTrace,
            _ => null,
        };
    }

    /// <summary>Writes the timeline to <paramref name="output"/> (UTF-8) in <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="format"/> is not a <see cref="TimelineFormat"/>.</exception>
    /// <exception cref="IOException">Writing to <paramref name="output"/> failed.</exception>
    public void Write(Stream output, TimelineFormat format)
    {
        ArgumentNullException.ThrowIfNull(output);
        switch (format)
        {
            case TimelineFormat.Html:
                using (var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), leaveOpen: true))
                    WriteHtml(writer);
                break;
            case TimelineFormat.ChromeTrace:
                WriteChromeTrace(output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "The format is Html or ChromeTrace.");
        }
    }

    /// <summary>
    /// Writes the timeline as one self-contained HTML page: a header (job, state, reason), then an SVG with a lane
    /// per rank (<c>g.lane[data-rank]</c>) inside a group per host (<c>g.host[data-host]</c>), and the failures.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    public void WriteHtml(TextWriter output) => TimelineHtml.Write(this, output ?? throw new ArgumentNullException(nameof(output)));

    /// <summary>
    /// Writes the timeline as Chrome trace-event JSON (UTF-8): hosts as processes, ranks as threads (metadata events
    /// process_name and thread_name), each rank's life and spans as complete events (ph X), its records, finish and
    /// exit as instant events (ph i); timestamps in microseconds from <see cref="From"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    public void WriteChromeTrace(Stream output) => ChromeTrace.Write(this, output ?? throw new ArgumentNullException(nameof(output)));

    private static TimelineLane Lane(int rank, RankInfo? info, List<LogRecord> records, JobManifest job, DateTimeOffset jobEnd)
    {
        LogRecord? Announcement(string template) => records.LastOrDefault(record => record.Template == template);
        var started = Announcement(JobContract.StartedTemplate);
        var finished = Announcement(JobContract.FinishedTemplate);
        var exited = Announcement(JobContract.ExitedTemplate);
        var start = records.Count > 0 ? records[0].Timestamp : job.Started ?? job.Created;
        if (started is not null && started.Timestamp < start)
            start = started.Timestamp;
        var end = exited?.Timestamp ?? jobEnd;
        if (records.Count > 0 && records[^1].Timestamp > end)
            end = records[^1].Timestamp;
        var host = info?.Host ?? records.Select(record => record.Host).FirstOrDefault(host => host is not null) ?? "unknown host";
        int? exitCode = info?.ExitCode ?? (exited?.Properties.GetValueOrDefault("ExitCode") is long code ? (int)code : null);
        return new TimelineLane(rank, host, info?.ProcessId)
        {
            Start = start,
            Finished = finished?.Timestamp,
            End = end,
            Exited = exited is not null,
            ExitCode = exitCode,
            Signal = info?.Signal,
            Failure = info?.Failure,
            Failed = info is { Failure: not null, EndedWithJob: false },
            Spans = Spans(records, end),
            Marks = [.. records.Where(record => !IsAnnouncement(record) && !IsSpan(record)).Select(Mark)],
        };
    }

    // Pairs each span's begin and end records by id; a span whose end is missing lasts to the lane's end.
    private static List<TimelineSpan> Spans(List<LogRecord> records, DateTimeOffset laneEnd)
    {
        var spans = new List<TimelineSpan>();
        var open = new Dictionary<long, (int Index, int Depth)>();
        var depths = new Dictionary<long, int>();
        foreach (var record in records.Where(IsSpan))
        {
            if (record.Properties.GetValueOrDefault(SpanContract.SpanIdProperty) is not long id
                || record.Properties.GetValueOrDefault(SpanContract.SpanProperty) is not string name)
                continue;
            if (record.Template == SpanContract.BeganTemplate)
            {
                int depth = record.Properties.GetValueOrDefault(SpanContract.ParentProperty) is long parent
                    && depths.TryGetValue(parent, out var outer) ? outer + 1 : 0;
                depths[id] = depth;
                open[id] = (spans.Count, depth);
                spans.Add(new TimelineSpan(name, record.Timestamp, laneEnd, depth, Ended: false));
            }
            else if (open.Remove(id, out var begun))
            {
                spans[begun.Index] = spans[begun.Index] with { End = record.Timestamp, Ended = true };
            }
            else
            {
                // Its begin record was lost (a rank whose record file was cut short): placed by its length.
                var length = record.Properties.GetValueOrDefault(SpanContract.DurationProperty) switch
                {
                    long milliseconds => milliseconds,
                    double milliseconds => milliseconds,
                    _ => 0.0,
                };
                spans.Add(new TimelineSpan(name, record.Timestamp - TimeSpan.FromMilliseconds(length), record.Timestamp, 0, Ended: true));
            }
        }
        return spans;
    }

    private static bool IsSpan(LogRecord record) =>
        record.Template is SpanContract.BeganTemplate or SpanContract.EndedTemplate
        && record.Properties.ContainsKey(SpanContract.SpanIdProperty);

    private static bool IsAnnouncement(LogRecord record) =>
        record.Template is JobContract.StartedTemplate or JobContract.FinishedTemplate or JobContract.FinalizedTemplate
            or JobContract.ExitedTemplate or JobContract.TerminatedTemplate;

    private static TimelineMark Mark(LogRecord record) => new(record.Timestamp, record.Level, record.Message, record.Exception);
}
