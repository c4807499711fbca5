using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using MPI.Launch;
using LaunchState = MPI.Launch.JobState;
using PSJobState = System.Management.Automation.JobState;

namespace MPI.PowerShell;

/// <summary>
/// A parallel job as a PowerShell job, so Get-Job, Wait-Job, Receive-Job, Stop-Job and Remove-Job work on it. It
/// follows the job's record in the store whether this session started it (and holds its launcher) or an earlier
/// session or another process did. Each rank is a child job whose output is that rank's log records.
/// </summary>
/// <remarks>
/// It changes on events, not by polling: the end of the launcher it holds (<see cref="ParallelJob.Completion"/>), the
/// store's watcher reporting a change in the job's directory, the scheduler's answer about a batch job it follows.
/// </remarks>
public class PowerShellParallelJob : MpiJob
{
    /// <summary>The PSJobTypeName of parallel jobs.</summary>
    public const string TypeName = "ParallelJob";

    // How long a stop may take before Stop-Job returns anyway (the launcher's grace period and sweep are shorter).
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    private readonly JobStore _store;
    private readonly Launcher? _launcher;
    private readonly RankJob[] _ranks;
    private JobLogCursor? _cursor;
    private readonly CancellationTokenSource _following = new();
    // Released by whatever may have changed the job; one release stands for any number of changes.
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Lock _gate = new();
    private JobManifest _manifest;
    private volatile bool _concluded;

    // A job with a child per rank; Open starts following it.
    private PowerShellParallelJob(JobStore store, JobManifest manifest, ParallelJob? launcher)
        : this(store, manifest, launcher is null ? null : new Launcher(() => launcher.Manifest, launcher.Completion, launcher.Stop, launcher), TypeName)
    {
        _ranks = [.. Enumerable.Range(0, manifest.Spec.Ranks).Select(rank => new RankJob(this, rank))];
        foreach (var rank in _ranks)
            ChildJobs.Add(rank);
    }

    /// <summary>A job of another kind (a farm), whose children and output the derived type provides; it calls <see cref="Begin"/> once built.</summary>
    private protected PowerShellParallelJob(JobStore store, JobManifest manifest, Launcher? launcher, string typeName)
        : base(manifest.CommandLine, manifest.Name ?? manifest.Id, InstanceIdOf(store, manifest.Id))
    {
        _store = store;
        _manifest = manifest;
        _launcher = launcher;
        _ranks = [];
        PSJobTypeName = typeName;
        PSBeginTime = (manifest.Started ?? manifest.Created).LocalDateTime;
    }

    /// <summary>The job of <paramref name="manifest"/> (a farm's, or one with a child per rank), following it until it ends.</summary>
    internal static PowerShellParallelJob Open(JobStore store, JobManifest manifest, ParallelJob? launcher)
    {
        if (manifest.Farm is not null)
            return ParallelTaskJob.Open(store, manifest);
        var job = new PowerShellParallelJob(store, manifest, launcher);
        job.Begin();
        return job;
    }

    /// <summary>Delivers what the job has done so far and follows it until it ends (at once for an ended job).</summary>
    private protected void Begin()
    {
        var manifest = _manifest;
        if (manifest.IsFinished)
        {
            CatchUp(manifest);
            Conclude(manifest);
        }
        else
        {
            // A batch job waiting in its scheduler's queue is blocked, as PowerShell puts it.
            var state = manifest.State == LaunchState.Queued ? PSJobState.Blocked : PSJobState.Running;
            SetJobState(state, null);
            EnterChildren(state);
            _launcher?.Completion.ContinueWith(_ => Wake(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            _ = Task.Run(FollowAsync);
        }
    }

    /// <summary>Delivers what is new in the job's store record, as of <paramref name="current"/> (its log records, for a job of ranks).</summary>
    private protected virtual void CatchUp(JobManifest current)
    {
        _cursor ??= _store.Logs(JobId).Cursor();
        foreach (var record in _cursor.Next(current))
            Deliver(record);
    }

    /// <summary>Puts every child in <paramref name="state"/> (the job runs, or waits in a queue).</summary>
    private protected virtual void EnterChildren(PSJobState state)
    {
        foreach (var rank in _ranks)
            rank.Enter(state);
    }

    /// <summary>Ends every child as <paramref name="final"/> says, once every record is delivered.</summary>
    private protected virtual void ConcludeChildren(JobManifest final)
    {
        foreach (var rank in _ranks)
            rank.Conclude(final.RankInfo.FirstOrDefault(info => info.Rank == rank.Rank), final.State);
    }

    /// <summary>Tells a wait that the job changed (called by what delivers its output).</summary>
    private protected void RaiseChanged() => Changed?.Invoke(this, EventArgs.Empty);

    /// <summary>Raised whenever the job may have changed: records delivered, its record updated, its end (on a thread of the follower's).</summary>
    internal event EventHandler? Changed;

    /// <summary>The job's id in the job store (stable across sessions, unlike <see cref="Job.Id"/>).</summary>
    public string JobId => _manifest.Id;

    /// <summary>The job's state as the launcher records it (TimedOut shows as Failed in <see cref="Job.JobStateInfo"/>).</summary>
    public LaunchState ParallelState => Manifest.State;

    /// <summary>How many ranks the job runs.</summary>
    public int Ranks => _manifest.Spec.Ranks;

    /// <summary>The hosts the ranks ran on, or were placed on.</summary>
    public IReadOnlyList<string> Hosts
    {
        get
        {
            var manifest = Manifest;
            var seen = manifest.RankInfo.Select(rank => rank.Host).OfType<string>().Distinct().ToList();
            if (seen.Count > 0)
                return seen;
            return manifest.Spec.Hosts.Count > 0 ? [.. manifest.Spec.Hosts.Select(host => host.Host)] : [System.Environment.MachineName];
        }
    }

    /// <summary>How long the job has run (until its end, once ended); null before it started.</summary>
    public TimeSpan? Elapsed => Manifest is { Started: { } started } manifest ? (manifest.Ended ?? DateTimeOffset.UtcNow) - started : null;

    /// <summary>mpiexec's exit code, once the job ended.</summary>
    public int? ExitCode => Manifest.ExitCode;

    /// <summary>Why the job ended as it did (the failing rank and how), when it did not complete.</summary>
    public string? Reason => Manifest.Reason;

    /// <summary>The job's directory: manifest.json and every rank's log files.</summary>
    public string Directory => Path.Combine(_store.Root, JobId);

    /// <summary>
    /// The job's full record: spec, exact mpiexec command, timestamps, per-rank placement and endings. Read from
    /// memory: the launcher's own, or the record as last seen in the store.
    /// </summary>
    public JobManifest Manifest
    {
        get
        {
            lock (_gate)
                return _launcher is null || _manifest.IsFinished ? _manifest : _launcher.Manifest();
        }
    }

    /// <summary>The hosts the job ran on (comma-separated), as Get-Job shows them.</summary>
    public override string Location => string.Join(",", Hosts);

    /// <summary>Why the job ended as it did, or its state.</summary>
    public override string StatusMessage => Reason ?? ParallelState.ToString();

    /// <summary>Whether this job or one of its ranks holds records not received yet.</summary>
    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || ChildJobs.Any(child => child.HasMoreData);

    /// <summary>The child job of rank <paramref name="rank"/>.</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="rank"/> is not a rank of the job.</exception>
    public RankJob Rank(int rank) => _ranks[rank];
    /// <summary>
    /// Takes the log records that <paramref name="matches"/> accepts (only the <paramref name="last"/> of them, when
    /// given), in time order, from this job and the children of <paramref name="ranks"/> (all when null): removed, as
    /// Receive-Job does, unless <paramref name="keep"/> is set. Records of no rank (mpiexec's own lines) come only
    /// when every rank is asked for.
    /// </summary>
    public IReadOnlyList<LogRecord> TakeRecords(IReadOnlyCollection<int>? ranks, Func<LogRecord, bool> matches, bool keep, int? last = null)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var sources = ranks is null ? [this, .. _ranks] : _ranks.Where(rank => ranks.Contains(rank.Rank)).Cast<Job>().ToList();
        var found = new List<(PSDataCollection<PSObject> Output, int Index, LogRecord Record)>();
        foreach (var source in sources)
        {
            // Records only ever arrive at the end, so indices below a count read now stay put.
            var output = source.Output;
            for (int i = 0, count = output.Count; i < count; i++)
            {
                if (output[i].BaseObject is LogRecord record && matches(record))
                    found.Add((output, i, record));
            }
        }
        var taken = found.OrderBy(item => item.Record.Timestamp).ToList();
        if (last is { } n)
            taken = taken.TakeLast(n).ToList();
        if (!keep)
        {
            foreach (var item in taken.OrderByDescending(item => item.Index))
                item.Output.RemoveAt(item.Index);
        }
        return [.. taken.Select(item => item.Record)];
    }

    /// <summary>Stops the job, with the grace period, and waits for its end.</summary>
    public override void StopJob() => StopJob(force: false, reason: null);

    /// <summary>Stops the job (at once, without the grace period, when <paramref name="force"/> is set) and waits for its end.</summary>
    /// <exception cref="LaunchEnvironmentException">The job is a batch job and Slurm's commands are not on PATH.</exception>
    public override void StopJob(bool force, string? reason)
    {
        if (Finished.WaitOne(0))
            return;
        if (_launcher is not null)
        {
            _launcher.Stop(force);
        }
        else
        {
            if (!_store.RequestStop(JobId, force))
                Wake(); // it has ended already: its record says so now
            // A cancelled batch job may end in its scheduler alone (it was still queued): the scheduler says when.
            BatchFollower.Follow(this);
        }
        Finished.WaitOne(StopWait);
    }

    /// <summary>The store the job is recorded in.</summary>
    internal JobStore Store => _store;

    /// <summary>When the job was recorded (the order of Get-ParallelJob).</summary>
    internal DateTimeOffset Created => _manifest.Created;

    /// <summary>Whether the job has ended here (or was forgotten): nothing about it changes any more.</summary>
    internal bool IsConcluded => _concluded;

    /// <summary>Whether the job runs under a launcher of this process.</summary>
    internal bool IsLaunchedHere => _launcher is not null;

    /// <summary>Whether a launcher of this process is still ending the job (its PowerShell state not final yet).</summary>
    internal bool IsEndingHere => IsLaunchedHere && JobStateInfo.State is not (PSJobState.Completed or PSJobState.Failed or PSJobState.Stopped);

    /// <summary>Makes the job look again at its record and logs: something in its directory changed, or the scheduler answered.</summary>
    internal void Wake()
    {
        if (_concluded || _wake.CurrentCount > 0)
            return;
        try
        {
            _wake.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Woken already, or forgotten.
        }
    }

    /// <summary>Stops following the job's record (it was removed from the store).</summary>
    internal void Forget() => Dispose();

    /// <summary>Stops following the job's record; disposes the launcher this session holds.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_following.IsCancellationRequested)
        {
            _concluded = true;
            _following.Cancel();
            _following.Dispose();
            _launcher?.Owner.Dispose();
        }
        base.Dispose(disposing);
    }

    // The same job has the same instance id in every session and process.
    private static Guid InstanceIdOf(JobStore store, string id) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"{store.Root}\n{id}")).AsSpan(0, 16));

    // Looks at the job each time something may have changed it, until it ends.
    private async Task FollowAsync()
    {
        try
        {
            while (true)
            {
                // Whether it ended is read before the records: what was written before the end is then read too. A
                // record gone from the store (removed meanwhile) leaves the job as last seen.
                var recorded = _launcher is null ? _store.TryGet(JobId) : null;
                var current = _launcher?.Manifest() ?? recorded ?? Manifest;
                CatchUp(current);
                // A launcher here has ended once its final record is written (Completion), not when its manifest in
                // memory says so: what the end lets run (Receive-Job -AutoRemoveJob removing the job) must find the
                // job ended in the store too.
                if ((current.IsFinished && _launcher is not { Completion.IsCompleted: false }) || (_launcher is null && recorded is null))
                {
                    // A launcher here has written its end to the store once Completion completes: concluding only
                    // then lets what follows the end (removing the job) find the store's record final too.
                    if (_launcher is not null)
                        current = await _launcher.Completion.ConfigureAwait(false);
                    Conclude(current);
                    return;
                }
                Refresh(current);
                // The launcher here says when it ends, and the store's watcher when the launcher writes the record or
                // a rank's output. What raises no event is looked at again after SafetyNet: the records ranks write
                // through a memory map, a store on NFS written by another machine, a launcher that died.
                await _wake.WaitAsync(JobStoreWatcher.SafetyNet, _following.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Forgotten.
        }
        catch (ObjectDisposedException)
        {
            // Forgotten while reading.
        }
    }

    // Takes a record that is not final yet; a queued batch job that its scheduler started is running.
    private void Refresh(JobManifest current)
    {
        lock (_gate)
            _manifest = current;
        if (current.State != LaunchState.Queued && JobStateInfo.State == PSJobState.Blocked)
        {
            SetJobState(PSJobState.Running, null);
            EnterChildren(PSJobState.Running);
        }
        Changed?.Invoke(this, EventArgs.Empty);
    }

    private void Deliver(LogRecord record)
    {
        var target = record.Rank is { } rank && rank >= 0 && rank < _ranks.Length ? _ranks[rank] : (Job)this;
        target.Output.Add(PSObject.AsPSObject(record));
    }

    // Called once every record is delivered, so a Wait-Job that returns is followed by a Receive-Job that gets them all.
    private void Conclude(JobManifest final)
    {
        lock (_gate)
            _manifest = final;
        _concluded = true;
        PSEndTime = final.Ended?.LocalDateTime;
        ConcludeChildren(final);
        switch (final.State)
        {
            case LaunchState.Completed:
                SetJobState(PSJobState.Completed, null);
                break;
            case LaunchState.Stopped:
                SetJobState(PSJobState.Stopped, null);
                break;
            default:
                SetJobState(PSJobState.Failed, new ParallelJobFailedException(final));
                break;
        }
        Changed?.Invoke(this, EventArgs.Empty);
    }
}

/// <summary>What a job started in this process holds of its launcher (a <see cref="ParallelJob"/> or a <see cref="TaskFarmJob"/>).</summary>
/// <param name="Manifest">Reads the launcher's record of the job.</param>
/// <param name="Completion">Completes once the launcher has written the job's end.</param>
/// <param name="Stop">Stops the job (at once when true).</param>
/// <param name="Owner">The launcher, disposed when the job is forgotten.</param>
internal sealed record Launcher(Func<JobManifest> Manifest, Task<JobManifest> Completion, Action<bool> Stop, IDisposable Owner);

/// <summary>One rank of a parallel job: its log records are the child job's output. Stopping it stops the job.</summary>
public sealed class RankJob : MpiJob
{
    private readonly PowerShellParallelJob _parent;

    internal RankJob(PowerShellParallelJob parent, int rank) : base(parent.Command, $"Rank {rank}", Guid.NewGuid())
    {
        _parent = parent;
        Rank = rank;
        PSJobTypeName = PowerShellParallelJob.TypeName;
    }

    /// <summary>The rank.</summary>
    public int Rank { get; }

    /// <summary>Where the rank ran and how it ended, once known.</summary>
    public RankInfo? Info => _parent.Manifest.RankInfo.FirstOrDefault(info => info.Rank == Rank);

    /// <summary>Why the rank failed or did not finish; for a rank that ended well, the launcher's note on how it ended, if any; empty for one that runs.</summary>
    public override string StatusMessage => Info?.Failure ?? Info?.Note ?? "";

    /// <summary>Whether the rank holds records not received yet.</summary>
    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0;

    /// <summary>The host the rank ran on, once known; else the job's hosts.</summary>
    public override string Location => Info?.Host ?? _parent.Location;

    /// <summary>Stops the whole job (a rank cannot stop alone) and waits for its end.</summary>
    /// <exception cref="LaunchEnvironmentException">The job is a batch job and Slurm's commands are not on PATH.</exception>
    public override void StopJob(bool force, string? reason) => _parent.StopJob(force, reason);

    internal void Enter(PSJobState state) => SetJobState(state, null);

    internal void Conclude(RankInfo? info, LaunchState jobState)
    {
        // A rank the launcher heard nothing of (a program that is no MPI program) succeeded when the job did.
        if (info is { Finished: true, Failure: null } || (info is null && jobState == LaunchState.Completed))
            SetJobState(PSJobState.Completed, null);
        else if (jobState == LaunchState.Stopped || info is { EndedWithJob: true })
            SetJobState(PSJobState.Stopped, null);
        else
            SetJobState(PSJobState.Failed, new InvalidOperationException(info?.Failure ?? $"Rank {Rank} did not finish: the job ended {jobState}."));
    }
}

/// <summary>Why a parallel job failed or ran out of time: the reason the launcher recorded, naming the failing rank.</summary>
public sealed class ParallelJobFailedException : Exception
{
    /// <summary>The failure of <paramref name="job"/>, as its record tells it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is null.</exception>
    public ParallelJobFailedException(JobManifest job) : base(Describe(job))
    {
        Job = job;
    }

    /// <summary>The record of the job that failed.</summary>
    public JobManifest Job { get; }

    private static string Describe(JobManifest job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return $"Parallel job {job.Name ?? job.Id} ({job.Id}) {(job.State == LaunchState.TimedOut ? "timed out" : "failed")}: {job.Reason}";
    }
}
