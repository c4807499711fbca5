namespace MPI.Launch;

/// <summary>
/// Says which jobs of a store change, as they change: a file of a job's directory written, created, renamed or
/// deleted (its manifest replaced, a log appended to, a stop asked for), a job's directory created or removed. One
/// <see cref="FileSystemWatcher"/> serves the whole store: Linux gives each user 128 inotify instances in all, and
/// .NET takes one per watcher, so one watcher per job would run out.
/// </summary>
/// <remarks>
/// A watcher does not see everything, so whoever follows a running job through it also looks again every
/// <see cref="SafetyNet"/>: ranks write their records through a memory map, which raises no event; a store on a
/// network filesystem (NFS) changed by another machine (a batch job's runner on a compute node) raises none here; a
/// launcher that dies writes nothing; a burst of changes that overflows the kernel's queue is lost (reported as
/// <see cref="Missed"/>).
/// </remarks>
public sealed class JobStoreWatcher : IDisposable
{
    /// <summary>
    /// How often a follower looks again at what a watcher may miss (see the remarks), and asks a batch scheduler,
    /// which raises no event, about the jobs it runs.
    /// </summary>
    public static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(1);

    private readonly FileSystemWatcher _watcher;
    private readonly string? _job;

    /// <summary>Watches every job of <paramref name="store"/>, and jobs added to it later.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    /// <exception cref="IOException">The system's limit on watchers is reached.</exception>
    public JobStoreWatcher(JobStore store) : this(store?.Root ?? throw new ArgumentNullException(nameof(store)), null)
    {
    }

    /// <summary>Watches the directory of job <paramref name="id"/> only.</summary>
    /// <exception cref="ArgumentException">The job's directory does not exist.</exception>
    internal JobStoreWatcher(JobStore store, string id) : this(store.JobDirectory(id), id)
    {
    }

    private JobStoreWatcher(string directory, string? job)
    {
        _job = job;
        _watcher = new FileSystemWatcher(directory)
        {
            // A farm's attempts are in its directory.
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Changed += (_, change) => OnChange(change.FullPath, listed: false);
        _watcher.Created += (_, change) => OnChange(change.FullPath, listed: true);
        _watcher.Deleted += (_, change) => OnChange(change.FullPath, listed: true);
        _watcher.Renamed += (_, change) =>
        {
            OnChange(change.OldFullPath, listed: true);
            OnChange(change.FullPath, listed: true);
        };
        _watcher.Error += (_, _) => Missed?.Invoke();
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Something in the directory of the job with this id changed (raised on a thread of the watcher's).</summary>
    public event Action<string>? JobChanged;

    /// <summary>An entry of the store's own directory was created, removed or renamed: jobs may have come or gone.</summary>
    public event Action? JobsAddedOrRemoved;

    /// <summary>Changes were lost (the kernel's queue overflowed): any job may have changed.</summary>
    public event Action? Missed;

    /// <summary>Stops watching.</summary>
    public void Dispose() => _watcher.Dispose();

    private void OnChange(string path, bool listed)
    {
        if (_job is not null)
        {
            JobChanged?.Invoke(_job);
            return;
        }
        var relative = Path.GetRelativePath(_watcher.Path, path);
        int separator = relative.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (separator < 0)
        {
            // The store's own entries: job directories (and a writer's probe file, which costs a look at the list).
            if (listed)
                JobsAddedOrRemoved?.Invoke();
            return;
        }
        JobChanged?.Invoke(relative[..separator]);
    }
}
