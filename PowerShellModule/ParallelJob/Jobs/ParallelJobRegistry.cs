using System.Collections.Concurrent;
using System.Management.Automation;
using MPI.Launch;
using MPI.Logging;

namespace MPI.PowerShell;

/// <summary>
/// The parallel jobs this process knows, one PowerShell job per job in the store, shared by every runspace of the
/// process: jobs this process starts, and jobs of earlier sessions or other processes brought in from the store.
/// Answers come from memory (<see cref="StoreJobs"/>); nothing here asks the scheduler or writes a manifest.
/// </summary>
internal static class ParallelJobRegistry
{
    // Lazy: two runspaces asking at once must not start two watchers of one store.
    private static readonly ConcurrentDictionary<string, Lazy<StoreJobs>> Stores = new(StringComparer.Ordinal);

    private static (string? Location, JobStore Store)? _store;

    /// <summary>The job store in use (SPMD_JOB_STORE, or the user's data directory), opened once per location.</summary>
    /// <exception cref="JobStoreUnwritableException">The store cannot be created or written.</exception>
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
        Jobs(store).Add(PowerShellParallelJob.Open(store, launcher.Manifest, launcher));

    /// <summary>Adds a farm this process has just started, with its definition and the inputs as given.</summary>
    public static ParallelTaskJob AddFarm(JobStore store, TaskFarmJob farm, FarmDefinition definition, IReadOnlyList<object?> inputs) =>
        (ParallelTaskJob)Jobs(store).Add(ParallelTaskJob.Start(store, farm, definition, inputs));

    /// <summary>Adds a farm this process has just resumed: it takes the place of the farm as it was read from the store.</summary>
    public static ParallelTaskJob AddResumed(JobStore store, TaskFarmJob farm) =>
        (ParallelTaskJob)Jobs(store).Add(ParallelTaskJob.Open(store, farm.Manifest, farm));

    /// <summary>
    /// The job this process has just submitted to the batch scheduler, followed with the scheduler until it ends
    /// (<see cref="BatchFollower"/>).
    /// </summary>
    public static PowerShellParallelJob AddSubmitted(JobStore store, JobManifest submitted)
    {
        var job = Jobs(store).Find(submitted.Id) ?? throw new InvalidOperationException($"The submitted job {submitted.Id} is not in {store.Root}.");
        BatchFollower.Follow(job);
        return job;
    }

    /// <summary>Every job in the store, oldest first; jobs removed from the store meanwhile are forgotten.</summary>
    public static IReadOnlyList<PowerShellParallelJob> All(JobStore store) => Jobs(store).All();

    /// <summary>The job with store id <paramref name="id"/>, or null.</summary>
    public static PowerShellParallelJob? Find(JobStore store, string id) => Jobs(store).Find(id);

    /// <summary>Deletes a job from the store and from every session (stopping it first when <paramref name="force"/> is set).</summary>
    /// <exception cref="InvalidOperationException">The job is running and <paramref name="force"/> is not set.</exception>
    /// <exception cref="LaunchEnvironmentException">Stopping the job needed the scheduler, which is missing.</exception>
    public static void Remove(PowerShellParallelJob job, bool force)
    {
        // Until the job has ended here its record may still be written: a job that ends as it is removed is waited for.
        if (!job.IsConcluded)
        {
            if (!force && !job.Manifest.IsFinished)
                throw new InvalidOperationException($"Parallel job {job.Name} ({job.JobId}) is {job.ParallelState}; stop it first, or use -Force.");
            job.StopJob(force: true, reason: null);
        }
        job.Store.Remove(job.JobId);
        Jobs(job.Store).Forget(job);
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

    private static StoreJobs Jobs(JobStore store) => Stores.GetOrAdd(store.Root, _ => new Lazy<StoreJobs>(() => new StoreJobs(store))).Value;
}
