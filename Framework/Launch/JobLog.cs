using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// The log records of one job: per-rank files merged into one time-ordered view, filtered by rank, level, time
/// window and text, the last N, or followed while the job runs.
/// </summary>
public sealed class JobLog
{
    private readonly JobStore _store;
    private readonly string _id;
    private readonly string _directory;

    internal JobLog(JobStore store, string id)
    {
        _store = store;
        _id = id;
        _directory = store.JobDirectory(id);
    }

    /// <summary>
    /// The file where the launcher keeps a rank's plain output (or its own messages, for null). A rank's structured
    /// records are in <see cref="JobContract.RecordFile"/>, written by the rank itself.
    /// </summary>
    public static string OutputFileName(int? rank) => rank is { } value ? $"rank-{value}.output.clef" : "launcher.clef";

    /// <summary>The records that match <paramref name="query"/> (all, when null), in time order.</summary>
    public IReadOnlyList<LogRecord> Read(LogQuery? query = null)
    {
        query ??= new LogQuery();
        var placed = WithHosts(_store.TryGet(_id));
        var records = Files(query)
            .SelectMany(file => ReadPresent(file, 0).Records)
            .Select(placed)
            .Where(query.Matches)
            .OrderBy(record => record.Timestamp)
            .ToList();
        return query.Last is { } last ? records.TakeLast(last).ToList() : records;
    }

    /// <summary>
    /// A reader that gives, at each call, the matching records written since the last (<see cref="LogQuery.Last"/>
    /// aside): for following a job by whatever says it changed.
    /// </summary>
    public JobLogCursor Cursor(LogQuery? query = null) => new(this, query ?? new LogQuery());

    /// <summary>
    /// Yields matching records as they arrive, until the job has ended and everything is read. It wakes when a file of
    /// the job changes, and every <see cref="JobStoreWatcher.SafetyNet"/> without a change asks
    /// <see cref="JobStore.Reconcile"/> whether the job ended unseen (a batch job its scheduler ended, a launcher gone).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SchedulerNotFoundException">The job is a batch job and Slurm's squeue or sacct is not on PATH.</exception>
    public async IAsyncEnumerable<LogRecord> Follow(LogQuery? query = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cursor = Cursor(query);
        var manifest = _store.TryGet(_id);
        if (manifest is null)
            yield break;
        using var changed = new SemaphoreSlim(0, 1);
        void Wake()
        {
            if (changed.CurrentCount == 0)
            {
                try
                {
                    changed.Release();
                }
                catch (SemaphoreFullException)
                {
                    // Woken already.
                }
            }
        }
        using var watcher = Watch();
        if (watcher is not null)
        {
            watcher.JobChanged += _ => Wake();
            watcher.Missed += Wake;
        }
        else if (!Directory.Exists(_directory))
            manifest = null; // removed since it was read: what is left is read, and the following ends
        while (true)
        {
            // Whether it ended is read before the records: what was written before the end is then read too.
            bool finished = manifest?.IsFinished ?? true;
            foreach (var record in cursor.Next(manifest))
                yield return record;
            if (finished)
                yield break;
            if (await changed.WaitAsync(JobStoreWatcher.SafetyNet, cancellationToken).ConfigureAwait(false))
                manifest = _store.TryGet(_id);
            else
                manifest = _store.Reconcile([_id]).SingleOrDefault();
        }
    }

    // A watcher of the job's directory; null when the directory is gone, or the user's inotify instances are all taken
    // (the job is then looked at every SafetyNet).
    private JobStoreWatcher? Watch()
    {
        try
        {
            return new JobStoreWatcher(_store, _id);
        }
        catch (Exception e) when (e is IOException || (e is ArgumentException && !Directory.Exists(_directory)))
        {
            return null;
        }
    }

    /// <summary>
    /// Reads <paramref name="file"/> from byte <paramref name="offset"/>: its complete records, and where they end; none
    /// (ending at <paramref name="offset"/>) when the file is gone, its job removed while its log was read.
    /// </summary>
    internal static (List<LogRecord> Records, long End) ReadPresent(string file, long offset)
    {
        try
        {
            return ReadFrom(file, offset);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ([], offset);
        }
    }

    private static (List<LogRecord> Records, long End) ReadFrom(string file, long offset)
    {
        var (text, end) = RecordFiles.ReadCompleteLines(file, offset);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (file.EndsWith(".clef", StringComparison.Ordinal))
            return ([.. lines.Select(LogRecord.FromClef)], end);
        // Plain text has no timestamps: its lines take the time the file was last written.
        var written = new DateTimeOffset(File.GetLastWriteTimeUtc(file));
        var stream = new LogPropertyDictionary([new("Stream", Path.GetFileNameWithoutExtension(file))]);
        return ([.. lines.Select(line => new LogRecord(written, null, null, "Information", line, stream, null))], end);
    }

    // Lines a rank printed carry its rank only (mpiexec's tag): its host is where the rank said it started.
    internal static Func<LogRecord, LogRecord> WithHosts(JobManifest? manifest)
    {
        var hosts = manifest?.RankInfo.Where(rank => rank.Host is not null).ToDictionary(rank => rank.Rank, rank => rank.Host) ?? [];
        return record => record is { Host: null, Rank: { } rank } && hosts.TryGetValue(rank, out var host) ? record with { Host = host } : record;
    }

    // The record files, and for a batch job the output of its batch script (what the scheduler and the runner said,
    // which is all there is when the job failed before mpiexec started). The job may be removed while they are listed
    // (or read): what is gone is not listed.
    internal List<string> Files(LogQuery query)
    {
        // A farm's log is its attempts' logs.
        var attempts = Path.Combine(_directory, JobStore.AttemptsDirectory);
        // Looked for first: listing what is absent would throw, for every job that is not a farm, on every read.
        var directories = Directory.Exists(attempts) ? Listed(() => Directory.EnumerateDirectories(attempts)).Prepend(_directory) : [_directory];
        var files = directories
            .SelectMany(directory => Listed(() => Directory.EnumerateFiles(directory, "*.clef")))
            .Where(file => query.Rank is null
                || Path.GetFileName(file) == OutputFileName(query.Rank) || Path.GetFileName(file) == JobContract.RecordFile(query.Rank.Value))
            .ToList();
        var batchOutput = Path.Combine(_directory, BatchJobs.OutputFile);
        if (query.Rank is null && File.Exists(batchOutput))
            files.Add(batchOutput);
        return files;
    }

    private static List<string> Listed(Func<IEnumerable<string>> list)
    {
        try
        {
            return [.. list()];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }
}

/// <summary>Which records to read.</summary>
public sealed record LogQuery
{
    /// <summary>Only the records of this rank (and none of mpiexec's or the launcher's own); null for all.</summary>
    public int? Rank { get; init; }

    /// <summary>The lowest level to include (Verbose, Debug, Information, Warning, Error, Fatal).</summary>
    public string? MinimumLevel { get; init; }

    /// <summary>Only records from this time on.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only records up to this time.</summary>
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
