using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// The log records of one job: per-rank files merged into one time-ordered view, filtered by rank, level, time
/// window and text, the last N, or followed while the job runs.
/// </summary>
public sealed class JobLog(string directory, Func<JobManifest?> job)
{
    /// <summary>
    /// The file where the launcher keeps a rank's plain output (or its own messages, for null). A rank's structured
    /// records are in <see cref="JobContract.RecordFile"/>, written by the rank itself.
    /// </summary>
    public static string OutputFileName(int? rank) => rank is { } value ? $"rank-{value}.output.clef" : "launcher.clef";

    /// <summary>The records that match, in time order.</summary>
    public IReadOnlyList<LogRecord> Read(LogQuery? query = null)
    {
        query ??= new LogQuery();
        var placed = WithHosts(job());
        var records = Files(query)
            .SelectMany(ReadFile)
            .Select(placed)
            .Where(query.Matches)
            .OrderBy(record => record.Timestamp)
            .ToList();
        return query.Last is { } last ? records.TakeLast(last).ToList() : records;
    }

    /// <summary>Yields matching records as they arrive, until the job has ended and everything is read.</summary>
    public async IAsyncEnumerable<LogRecord> Follow(LogQuery? query = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new LogQuery();
        var offsets = new Dictionary<string, long>();
        while (true)
        {
            var manifest = job();
            bool finished = manifest?.IsFinished ?? true;
            var placed = WithHosts(manifest);
            var batch = new List<LogRecord>();
            foreach (var file in Files(query))
            {
                offsets.TryGetValue(file, out long offset);
                var (records, end) = ReadFrom(file, offset);
                offsets[file] = end;
                batch.AddRange(records.Select(placed).Where(query.Matches));
            }
            foreach (var record in batch.OrderBy(record => record.Timestamp))
                yield return record;
            if (finished)
                yield break;
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    // Lines a rank printed carry its rank only (mpiexec's tag): its host is where the rank said it started.
    private static Func<LogRecord, LogRecord> WithHosts(JobManifest? manifest)
    {
        var hosts = manifest?.RankInfo.Where(rank => rank.Host is not null).ToDictionary(rank => rank.Rank, rank => rank.Host) ?? [];
        return record => record is { Host: null, Rank: { } rank } && hosts.TryGetValue(rank, out var host) ? record with { Host = host } : record;
    }

    // The record files, and for a batch job the output of its batch script (what the scheduler and the runner said,
    // which is all there is when the job failed before mpiexec started).
    private IEnumerable<string> Files(LogQuery query)
    {
        if (!Directory.Exists(directory))
            return [];
        var files = Directory.EnumerateFiles(directory, "*.clef").Where(file => query.Rank is null
            || Path.GetFileName(file) == OutputFileName(query.Rank) || Path.GetFileName(file) == JobContract.RecordFile(query.Rank.Value));
        var batchOutput = Path.Combine(directory, BatchJobs.OutputFile);
        return query.Rank is null && File.Exists(batchOutput) ? files.Append(batchOutput) : files;
    }

    private static IEnumerable<LogRecord> ReadFile(string file) => ReadFrom(file, 0).Records;

    private static (List<LogRecord> Records, long End) ReadFrom(string file, long offset)
    {
        var (text, end) = RecordFiles.ReadCompleteLines(file, offset);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (file.EndsWith(".clef", StringComparison.Ordinal))
            return ([.. lines.Select(LogRecord.FromClef)], end);
        // Plain text has no timestamps: its lines take the time the file was last written.
        var written = new DateTimeOffset(File.GetLastWriteTimeUtc(file));
        var stream = new Dictionary<string, object?> { ["Stream"] = Path.GetFileNameWithoutExtension(file) };
        return ([.. lines.Select(line => new LogRecord(written, null, null, "Information", line, stream, null))], end);
    }
}

/// <summary>Which records to read.</summary>
public sealed record LogQuery
{
    public int? Rank { get; init; }

    /// <summary>The lowest level to include (Verbose, Debug, Information, Warning, Error, Fatal).</summary>
    public string? MinimumLevel { get; init; }

    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }

    /// <summary>Only records whose message or exception contains this text (case-insensitive).</summary>
    public string? Text { get; init; }

    /// <summary>Only the last N matching records.</summary>
    public int? Last { get; init; }

    /// <summary>The levels of records, lowest first.</summary>
    public static IReadOnlyList<string> Levels => LevelOrder;

    private static readonly string[] LevelOrder = ["Verbose", "Debug", "Information", "Warning", "Error", "Fatal"];

    /// <summary>Whether <paramref name="record"/> is one of those asked for (all but <see cref="Last"/>).</summary>
    public bool Matches(LogRecord record) =>
        (Rank is null || record.Rank == Rank)
        && (MinimumLevel is null || Array.IndexOf(LevelOrder, record.Level) >= Array.IndexOf(LevelOrder, MinimumLevel))
        && (From is null || record.Timestamp >= From)
        && (To is null || record.Timestamp <= To)
        && (Text is null || record.Message.Contains(Text, StringComparison.OrdinalIgnoreCase)
            || (record.Exception?.Contains(Text, StringComparison.OrdinalIgnoreCase) ?? false));
}
