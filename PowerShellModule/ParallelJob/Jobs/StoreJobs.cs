using System.Collections.Concurrent;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// The jobs of one store as this process knows them, held in memory as PowerShell's ThreadJob adapter holds its own:
/// the jobs this process starts or submits, and the others loaded from the store once, then kept current by one
/// watcher over it (jobs added or removed by other processes, changes in running jobs' directories). Answering runs
/// no command and writes nothing.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Kept for the life of the process, as the registry that holds it.")]
internal sealed class StoreJobs
{
    private readonly ConcurrentDictionary<string, PowerShellParallelJob> _jobs = new(StringComparer.Ordinal);
    private readonly Lock _listing = new();
    private readonly JobStoreWatcher? _watcher;
    private PowerShellParallelJob[] _ordered = [];
    // Whether jobs may have come or gone since the store was last listed (set by the watcher, read under _listing).
    private volatile bool _stale = true;
    private DateTime _listedAt;

    public StoreJobs(JobStore store)
    {
        Store = store;
        try
        {
            _watcher = new JobStoreWatcher(store);
        }
        catch (IOException)
        {
            // The user's inotify instances are all taken (128 by default, by every process): without a watcher the
            // jobs are still looked at every SafetyNet, and the store listed again as often.
            return;
        }
        _watcher.JobChanged += id =>
        {
            if (_jobs.TryGetValue(id, out var job))
                job.Wake();
            else
                _stale = true; // a new job's manifest, written after its directory was seen
        };
        _watcher.JobsAddedOrRemoved += () => _stale = true;
        _watcher.Missed += () =>
        {
            _stale = true;
            foreach (var job in _jobs.Values)
                job.Wake();
        };
    }

    /// <summary>The store.</summary>
    public JobStore Store { get; }

    /// <summary>Every job, oldest first.</summary>
    public IReadOnlyList<PowerShellParallelJob> All()
    {
        lock (_listing)
        {
            // The store is listed again when the watcher said jobs came or went, and every SafetyNet at most
            // otherwise: jobs added on another machine to a store on a network filesystem raise no event here.
            if (_stale || DateTime.UtcNow - _listedAt > JobStoreWatcher.SafetyNet)
                Relist();
            return _ordered;
        }
    }

    /// <summary>The job with store id <paramref name="id"/>, or null when the store has none.</summary>
    public PowerShellParallelJob? Find(string id)
    {
        if (_jobs.TryGetValue(id, out var known))
            return known;
        lock (_listing)
        {
            if (_jobs.TryGetValue(id, out known))
                return known;
            return Store.TryGet(id) is { } manifest ? Insert(PowerShellParallelJob.Open(Store, manifest, null)) : null;
        }
    }

    /// <summary>
    /// Adds a job this process has just started, which holds its launcher: it takes the place of the same job listed
    /// from the store meanwhile.
    /// </summary>
    public PowerShellParallelJob Add(PowerShellParallelJob job)
    {
        lock (_listing)
        {
            Drop(job.JobId);
            return Insert(job);
        }
    }

    /// <summary>Forgets <paramref name="job"/>, which was removed from the store.</summary>
    public void Forget(PowerShellParallelJob job)
    {
        lock (_listing)
            Drop(job.JobId);
    }

    // Under _listing.
    private void Drop(string id)
    {
        if (_jobs.TryRemove(id, out var dropped))
        {
            dropped.Forget();
            _ordered = [.. _ordered.Where(other => other != dropped)];
        }
    }

    private PowerShellParallelJob Insert(PowerShellParallelJob job)
    {
        _jobs[job.JobId] = job;
        _ordered = [.. _ordered.Append(job).OrderBy(other => other.Created)];
        return job;
    }

    private void Relist()
    {
        // Cleared first: a change seen while listing makes the next call list again.
        _stale = false;
        _listedAt = DateTime.UtcNow;
        var present = Store.Ids().ToHashSet(StringComparer.Ordinal);
        // A job this process runs stays until it has concluded, even with its directory gone (removed while it ran):
        // its launcher is still ending it, and waiters of the job wait for that end.
        foreach (var (id, _) in _jobs.Where(entry => !present.Contains(entry.Key) && !entry.Value.IsEndingHere).ToList())
            Drop(id);
        bool added = false;
        foreach (var id in present.Where(id => !_jobs.ContainsKey(id)))
        {
            // A directory without a manifest is a job still being recorded: its manifest's write brings it.
            if (Store.TryGet(id) is { } manifest)
            {
                _jobs[id] = PowerShellParallelJob.Open(Store, manifest, null);
                added = true;
            }
        }
        if (added)
            _ordered = [.. _jobs.Values.OrderBy(job => job.Created)];
    }
}
