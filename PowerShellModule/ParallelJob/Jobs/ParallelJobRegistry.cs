using System.Collections.Concurrent;
using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// The parallel jobs this process knows, one PowerShell job per job in the store, shared by every runspace of the
/// process: jobs this process starts, and jobs of earlier sessions or other processes brought in from the store.
/// </summary>
internal static class ParallelJobRegistry
{
    private static readonly ConcurrentDictionary<(string Store, string Id), PowerShellParallelJob> Jobs = new();

    private static (string? Location, JobStore Store)? _store;

    /// <summary>The job store in use (SPMD_JOB_STORE, or the user's data directory), opened once per location.</summary>
    public static JobStore Store()
    {
        var location = System.Environment.GetEnvironmentVariable(JobStore.LocationVariable);
        if (_store is { } known && known.Location == location)
            return known.Store;
        var store = new JobStore();
        _store = (location, store);
        return store;
    }

    /// <summary>Adds a job this process has just started.</summary>
    public static PowerShellParallelJob Add(JobStore store, ParallelJob launcher) =>
        Jobs.GetOrAdd((store.Root, launcher.Id), _ => new PowerShellParallelJob(store, launcher.Manifest, launcher));

    /// <summary>Every job in the store, oldest first; jobs removed from the store meanwhile are forgotten.</summary>
    public static IReadOnlyList<PowerShellParallelJob> All(JobStore store)
    {
        var manifests = store.List();
        var present = manifests.Select(job => job.Id).ToHashSet();
        foreach (var key in Jobs.Keys.Where(key => key.Store == store.Root && !present.Contains(key.Id)))
        {
            if (Jobs.TryRemove(key, out var gone))
                gone.Forget();
        }
        return [.. manifests.Select(manifest => Jobs.GetOrAdd((store.Root, manifest.Id), _ => new PowerShellParallelJob(store, manifest, null)))];
    }

    /// <summary>The job with store id <paramref name="id"/>, or null.</summary>
    public static PowerShellParallelJob? Find(JobStore store, string id)
    {
        if (Jobs.TryGetValue((store.Root, id), out var known))
            return known;
        return store.TryGet(id) is { } manifest
            ? Jobs.GetOrAdd((store.Root, id), _ => new PowerShellParallelJob(store, manifest, null))
            : null;
    }

    /// <summary>Deletes a job from the store and from every session (stopping it first when <paramref name="force"/> is set).</summary>
    /// <exception cref="InvalidOperationException">The job is running and <paramref name="force"/> is not set.</exception>
    public static void Remove(PowerShellParallelJob job, bool force)
    {
        if (!job.Manifest.IsFinished)
        {
            if (!force)
                throw new InvalidOperationException($"Parallel job {job.Name} ({job.JobId}) is {job.ParallelState}; stop it first, or use -Force.");
            job.StopJob(force: true, reason: null);
        }
        job.Store.Remove(job.JobId);
        if (Jobs.TryRemove((job.Store.Root, job.JobId), out var removed))
            removed.Forget();
    }

    /// <summary>
    /// Makes the built-in job cmdlets of <paramref name="jobManager"/>'s runspace see parallel jobs: the adapter is
    /// registered there through <paramref name="job"/>, as every job source is.
    /// </summary>
    public static void Register(JobManager jobManager, PowerShellParallelJob job)
    {
        if (jobManager.IsRegistered(nameof(ParallelJobSourceAdapter)))
            return;
        var definition = new JobDefinition(typeof(ParallelJobSourceAdapter), job.Command, job.Name);
        jobManager.NewJob(new JobInvocationInfo(definition, new Dictionary<string, object> { [ParallelJobSourceAdapter.JobParameter] = job }));
    }
}
