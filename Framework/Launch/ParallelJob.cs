using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// A job started by this process: mpiexec supervised until it ends, every line of every rank written to the job
/// store as it arrives, the manifest kept current. Ends in Completed, Failed (with the first failing rank and why),
/// Stopped or TimedOut; after any end no process of the job is left on this machine.
/// </summary>
public sealed partial class ParallelJob : IDisposable
{
    /// <summary>How long a stopped job gets to end by itself before it is killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);

    private readonly JobStore _store;
    private readonly Process _process;
    private readonly Dictionary<string, StreamWriter> _logs = [];
    private readonly Dictionary<int, RankInfo> _ranks = [];
    private readonly HashSet<int> _finished = [];
    private readonly Dictionary<int, Task<long>> _exits = [];
    private readonly Dictionary<int, long> _recordOffsets = [];
    private readonly Lock _tailing = new();
    private readonly Timer _tail;
    private readonly FileSystemWatcher _changes;
    private static readonly TimeSpan TailInterval = TimeSpan.FromMilliseconds(100);
    private readonly Dictionary<(int? Rank, string Stream), string> _partial = [];
    private const int MaximumRecordLength = 1 << 20;
    private readonly Lock _gate = new();
    private readonly Lock _routing = new();
    private readonly TaskCompletionSource<JobManifest> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer? _timeLimit;
    private readonly Timer _startup;
    private JobManifest _manifest;
    private (JobState State, string? Reason)? _stopRequested;
    // What is known of the first failure, best first: an exception a rank reported, mpiexec naming a rank and a
    // signal, the first rank to end without finishing, mpiexec's exit string.
    private string? _firstException;
    private string? _signalReport;
    private string? _exitString;

    private ParallelJob(JobStore store, JobManifest manifest, MpiexecCommand command)
    {
        _store = store;
        _manifest = manifest;
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
            start.ArgumentList.Add(argument);
        // mpiexec itself carries the job id too, so the sweep at the end finds everything the job started.
        start.Environment[JobContract.JobIdVariable] = manifest.Id;
        // Terminal-mode escapes from .NET's console would end up in the logs.
        start.Environment.Remove("TERM");
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.Start();
        _process.StandardInput.Close();
        Update(job => job with { State = JobState.Starting, Started = DateTimeOffset.UtcNow });
        _startup = new Timer(_ => CheckStartup(), null, manifest.Spec.StartupDeadline, Timeout.InfiniteTimeSpan);
        _tail = new Timer(_ => ReadNewRecords(), null, TailInterval, TailInterval);
        // Records are read as soon as a rank writes them, so the launcher knows every rank's process from its first
        // moments (the timer is the safety net for changes the watcher misses).
        _changes = new FileSystemWatcher(_store.JobDirectory(manifest.Id), "rank-*.clef")
        {
            NotifyFilter = NotifyFilters.Size | NotifyFilters.LastWrite | NotifyFilters.FileName,
        };
        _changes.Changed += (_, _) => ReadNewRecords();
        _changes.Created += (_, _) => ReadNewRecords();
        _changes.EnableRaisingEvents = true;
        if (manifest.Spec.TimeLimit is { } limit)
            _timeLimit = new Timer(_ => RequestStop(JobState.TimedOut, $"The job exceeded its time limit of {limit}."), null, limit, Timeout.InfiniteTimeSpan);
        var readers = new[] { Pump(_process.StandardOutput, "stdout"), Pump(_process.StandardError, "stderr") };
        _ = Task.Run(async () =>
        {
            await Task.WhenAll(readers).ConfigureAwait(false);
            await _process.WaitForExitAsync().ConfigureAwait(false);
            Finish();
        });
    }

    /// <summary>The job's id in the store.</summary>
    public string Id => _manifest.Id;

    /// <summary>The job's record as it stands.</summary>
    public JobManifest Manifest
    {
        get
        {
            lock (_gate)
                return _manifest;
        }
    }

    /// <summary>Completes with the final record when the job has ended.</summary>
    public Task<JobManifest> Completion => _completion.Task;

    /// <summary>
    /// Validates <paramref name="spec"/>, records the job in <paramref name="store"/> and starts it. Nothing is
    /// written or started when the spec is invalid.
    /// </summary>
    /// <exception cref="JobSpecException">The spec cannot run (missing program, bad ranks, hosts, variables...).</exception>
    public static ParallelJob Start(JobSpec spec, JobStore store)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
        var id = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var command = MpiexecCommand.Build(spec, id, store.JobDirectory(id));
        Directory.CreateDirectory(store.JobDirectory(id));
        var manifest = new JobManifest
        {
            Id = id,
            Name = spec.Name,
            Spec = spec,
            Command = [command.FileName, .. command.Arguments],
            CommandLine = command.ToString(),
            State = JobState.NotStarted,
            Created = DateTimeOffset.UtcNow,
            LauncherProcessId = System.Environment.ProcessId,
            LauncherStartTicks = ProcessIdentity.StartTicks(System.Environment.ProcessId),
        };
        store.Save(manifest);
        try
        {
            return new ParallelJob(store, manifest, command);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            store.Save(manifest with { State = JobState.Failed, Reason = $"{command.FileName} could not start: {e.Message}", Ended = DateTimeOffset.UtcNow });
            throw new JobSpecException($"{command.FileName} could not start: {e.Message}");
        }
    }

    /// <summary>Waits for the end of the job; null when <paramref name="timeout"/> passes first.</summary>
    public JobManifest? Wait(TimeSpan? timeout = null) =>
        Completion.Wait(timeout ?? Timeout.InfiniteTimeSpan) ? Completion.Result : null;

    /// <summary>Stops the job: mpiexec is asked to end it, then killed with everything it started after a grace period.</summary>
    public void Stop() => RequestStop(JobState.Stopped, "Stopped by the caller.");

    public void Dispose()
    {
        _timeLimit?.Dispose();
        _startup.Dispose();
        _tail.Dispose();
        _changes.Dispose();
        _process.Dispose();
    }

    private void RequestStop(JobState state, string reason)
    {
        lock (_gate)
        {
            if (_manifest.IsFinished || _stopRequested is not null)
                return;
            _stopRequested = (state, reason);
        }
        _ = Task.Run(async () =>
        {
            // mpiexec forwards the request to the ranks and exits; if it is already gone, so much the better.
            _ = SendSignal(_process.Id, Terminate);
            using var grace = new CancellationTokenSource(StopGrace);
            try
            {
                await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        });
    }

    // The ranks append records to their files in the job directory; what is new is read for what the launcher must
    // know (ranks starting and finishing, exceptions). Only whole lines are taken: a line being written is left for
    // the next read.
    private void ReadNewRecords()
    {
        lock (_tailing)
        {
            foreach (var path in Directory.EnumerateFiles(_store.JobDirectory(Id), "rank-*.clef"))
            {
                var name = Path.GetFileNameWithoutExtension(path);
                if (!int.TryParse(name.AsSpan("rank-".Length), CultureInfo.InvariantCulture, out int rank))
                    continue;
                _recordOffsets.TryGetValue(rank, out long offset);
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (stream.Length <= offset)
                    continue;
                stream.Seek(offset, SeekOrigin.Begin);
                var bytes = new byte[stream.Length - offset];
                stream.ReadExactly(bytes);
                int complete = Array.LastIndexOf(bytes, (byte)'\n') + 1;
                _recordOffsets[rank] = offset + complete;
                foreach (var line in System.Text.Encoding.UTF8.GetString(bytes, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    Inspect(rank, line);
            }
        }
    }

    private void CheckStartup()
    {
        int started;
        lock (_gate)
            started = _ranks.Count;
        if (started < _manifest.Spec.Ranks)
            RequestStop(JobState.TimedOut,
                $"Only {started} of {_manifest.Spec.Ranks} ranks started within the startup deadline of {_manifest.Spec.StartupDeadline}.");
    }

    private async Task Pump(StreamReader reader, string stream)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            Route(line, stream);
    }

    // Attributes one line of mpiexec's output to a rank (from the tag mpiexec put on it) and files it.
    private void Route(string line, string pipe)
    {
        int? rank = null;
        string stream = pipe, text = line;
        var openMpi = OpenMpiTag().Match(line);
        var mpich = openMpi.Success ? Match.Empty : MpichTag().Match(line);
        if (openMpi.Success)
            (rank, stream, text) = (int.Parse(openMpi.Groups["rank"].Value, CultureInfo.InvariantCulture), openMpi.Groups["stream"].Value, openMpi.Groups["text"].Value);
        else if (mpich.Success)
            (rank, text) = (int.Parse(mpich.Groups["rank"].Value, CultureInfo.InvariantCulture), mpich.Groups["text"].Value);

        lock (_routing)
        {
            foreach (var clef in Assemble(rank, stream, text))
                Append(rank, clef);
        }
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
                Inspect(rank!.Value, joined);
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
            var record = text[JobContract.RecordPrefix.Length..];
            if (LogRecord.IsClef(record))
            {
                Inspect(rank.Value, record);
                yield return record;
            }
            else
            {
                _partial[key] = record;
            }
            yield break;
        }
        if (rank is null)
            NoteLauncherMessage(text);
        yield return LogRecord.ClefForLine(DateTimeOffset.UtcNow, rank, stream, text);
    }

    private void Append(int? rank, string clef)
    {
        lock (_gate)
        {
            var name = JobLog.OutputFileName(rank);
            if (!_logs.TryGetValue(name, out var writer))
                _logs[name] = writer = new StreamWriter(Path.Combine(_store.JobDirectory(Id), name), append: true) { AutoFlush = true };
            writer.WriteLine(clef);
        }
    }

    private void Inspect(int rank, string clef)
    {
        // Most records are ordinary events: only the few the launcher acts on are worth parsing, and the launcher
        // shares the machine with the ranks it serves.
        if (!clef.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal)
            && !clef.Contains(JobContract.StartedTemplate, StringComparison.Ordinal)
            && !clef.Contains(JobContract.FinishedTemplate, StringComparison.Ordinal))
            return;
        LogRecord record;
        try
        {
            record = LogRecord.FromClef(clef);
        }
        catch (JsonException)
        {
            return;
        }
        if (record.Template == JobContract.StartedTemplate)
        {
            var processId = record.Properties.TryGetValue(JobContract.ProcessIdProperty, out var pid) && pid is long value ? (int)value : (int?)null;
            lock (_gate)
            {
                _ranks[rank] = new RankInfo(rank, record.Host, processId, null, null);
                if (processId is { } local && record.Host == System.Environment.MachineName)
                    _exits[rank] = ProcessExitWatch.WhenExited(local);
            }
            bool all;
            lock (_gate)
                all = _ranks.Count >= _manifest.Spec.Ranks;
            Update(job => job with { State = all ? JobState.Running : job.State, RankInfo = SnapshotRanks() });
        }
        if (record.Template == JobContract.FinishedTemplate)
        {
            lock (_gate)
                _finished.Add(rank);
        }
        if (record.Level == "Fatal")
        {
            var cause = record.Exception?.Split('\n')[0].Trim() ?? record.Message;
            NoteFailure(rank, $"Rank {rank} failed: {cause}");
            lock (_gate)
                _firstException ??= $"Rank {rank} failed: {cause}";
        }
    }

    private void NoteLauncherMessage(string text)
    {
        var signal = OpenMpiSignal().Match(text);
        if (signal.Success)
        {
            int rank = int.Parse(signal.Groups["rank"].Value, CultureInfo.InvariantCulture);
            var report = $"Rank {rank} (pid {signal.Groups["pid"].Value} on {signal.Groups["host"].Value}) was killed by signal {signal.Groups["signal"].Value} ({signal.Groups["name"].Value}).";
            NoteFailure(rank, report);
            lock (_gate)
                _signalReport ??= report;
            return;
        }
        var exitString = MpichExitString().Match(text);
        if (exitString.Success)
        {
            lock (_gate)
                _exitString ??= exitString.Groups["reason"].Value.Trim();
        }
    }

    private void NoteFailure(int? rank, string reason)
    {
        lock (_gate)
        {
            if (rank is { } known && _ranks.TryGetValue(known, out var info) && info.Failure is null)
                _ranks[known] = info with { Failure = reason };
        }
    }

    private void Finish()
    {
        _startup.Dispose();
        _tail.Dispose();
        _changes.Dispose();
        _timeLimit?.Dispose();
        SweepLeftovers();
        ReadNewRecords();
        int exitCode = _process.ExitCode;
        JobState state;
        string? reason;
        lock (_routing)
        {
            foreach (var ((rank, stream), pending) in _partial)
                Append(rank, LogRecord.ClefForLine(DateTimeOffset.UtcNow, rank, stream, JobContract.RecordPrefix + pending));
            _partial.Clear();
        }
        lock (_gate)
        {
            foreach (var writer in _logs.Values)
                writer.Dispose();
            _logs.Clear();
            (state, reason) = _stopRequested ?? (exitCode == 0
                ? (JobState.Completed, null)
                : (JobState.Failed, _firstException ?? _signalReport ?? FirstToEnd() ?? _exitString ?? $"mpiexec exited with code {exitCode}."));
        }
        var final = Update(job => job with { State = state, Reason = reason, ExitCode = exitCode, Ended = DateTimeOffset.UtcNow, RankInfo = SnapshotRanks() });
        _completion.TrySetResult(final);
    }

    // The rank that ended first without its "finished" record, with mpiexec's word on how, if it gave one.
    private string? FirstToEnd()
    {
        Task.WaitAll([.. _exits.Values], TimeSpan.FromSeconds(2));
        var first = _exits
            .Where(exit => exit.Value.IsCompletedSuccessfully && exit.Value.Result != long.MaxValue && !_finished.Contains(exit.Key))
            .OrderBy(exit => exit.Value.Result)
            .Select(exit => _ranks[exit.Key])
            .FirstOrDefault();
        if (first is null)
            return null;
        var how = _exitString is null ? "" : $": {_exitString}";
        var reason = $"Rank {first.Rank} (pid {first.ProcessId} on {first.Host}) ended without finishing{how}.";
        _ranks[first.Rank] = first with { Failure = reason };
        return reason;
    }

    // Whatever the job started and left behind on this machine (found by the job id in its environment) is killed.
    private void SweepLeftovers()
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var leftovers = ProcessIdentity.WithEnvironment(JobContract.JobIdVariable, Id).ToList();
            if (leftovers.Count == 0)
                return;
            foreach (var processId in leftovers)
                _ = SendSignal(processId, Kill); // one that ended meanwhile needs nothing
            Thread.Sleep(100);
        }
    }

    private List<RankInfo> SnapshotRanks()
    {
        lock (_gate)
            return [.. _ranks.Values.OrderBy(info => info.Rank)];
    }

    private JobManifest Update(Func<JobManifest, JobManifest> change)
    {
        lock (_gate)
        {
            _manifest = change(_manifest);
            _store.Save(_manifest);
            return _manifest;
        }
    }

    private const int Terminate = 15, Kill = 9;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int processId, int signal);

    [GeneratedRegex(@"^\[\d+,(?<rank>\d+)\]<(?<stream>stdout|stderr)>:(?<text>.*)$")]
    private static partial Regex OpenMpiTag();

    [GeneratedRegex(@"^\[(?<rank>\d+)\] (?<text>.*)$")]
    private static partial Regex MpichTag();

    [GeneratedRegex(@"process rank (?<rank>\d+) with PID (?<pid>\d+) on node (?<host>\S+) exited on signal (?<signal>\d+) \((?<name>[^)]*)\)")]
    private static partial Regex OpenMpiSignal();

    [GeneratedRegex(@"TERMINATED WITH THE EXIT STRING: (?<reason>.+)$")]
    private static partial Regex MpichExitString();
}
