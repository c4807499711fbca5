using System.Text.Json;
using System.Text.Json.Serialization;

namespace MPI.Launch;

/// <summary>
/// Where jobs are recorded: one directory per job with manifest.json, one CLEF log file per rank and one for the
/// launcher. Survives the launching process; any number of processes may read it while jobs run (the manifest is
/// replaced atomically, log files are only appended to). A job whose launcher died is reported Failed, not Running.
/// </summary>
public sealed class JobStore
{
    /// <summary>Overrides the default location (the user's data directory, spmd/jobs).</summary>
    public const string LocationVariable = "SPMD_JOB_STORE";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Opens (creating if needed) the store at <paramref name="root"/>, or the default location.</summary>
    /// <exception cref="JobStoreUnwritableException">The location cannot be created or written.</exception>
    public JobStore(string? root = null)
    {
        Root = Path.GetFullPath(root
            ?? System.Environment.GetEnvironmentVariable(LocationVariable)
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.LocalApplicationData,
                System.Environment.SpecialFolderOption.Create), "spmd", "jobs"));
        try
        {
            // Owner-only: what jobs were given and what they printed is no one else's to read.
            OwnerOnly.CreateDirectory(Root);
            OwnerOnly.Restrict(Root);
            var probe = Path.Combine(Root, $".probe-{Guid.NewGuid():N}");
            OwnerOnly.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobStoreUnwritableException(Root, e);
        }
    }

    /// <summary>The store's directory (full path): one subdirectory per job, named by its id.</summary>
    public string Root { get; }

    /// <summary>
    /// The ids of the jobs in the store (the names of its job directories), in no particular order: a task farm is one
    /// job here, its attempts are not listed (they are read by their ids, see <see cref="JobManifest.FarmId"/>).
    /// </summary>
    public IEnumerable<string> Ids() => Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>();

    /// <summary>Every job in the store, oldest first, as <see cref="TryGet"/> reads each.</summary>
    public IReadOnlyList<JobManifest> List() =>
        Ids().Select(TryGet).OfType<JobManifest>().OrderBy(job => job.Created).ToList();

    /// <summary>
    /// The job with <paramref name="id"/> as its manifest records it; null when there is none. A pure read: it runs
    /// no command and writes nothing. A job whose launcher ran on this machine and is gone without recording the end
    /// reads as Failed, saying so (<see cref="Reconcile"/> records that); a batch job reads as recorded, however its
    /// scheduler sees it now (<see cref="Reconcile"/> asks the scheduler).
    /// </summary>
    public JobManifest? TryGet(string id)
    {
        var manifest = Read(id);
        return manifest is null ? null : Orphaned(manifest) ?? manifest;
    }

    /// <summary>
    /// Brings the records of the unfinished jobs among <paramref name="ids"/> in line with what is outside the store,
    /// and returns the records of those jobs as they then stand (a job that is not in the store is left out). A batch
    /// job that its scheduler ended before its runner recorded the end (cancelled in the queue, failed before the
    /// runner started, out of time) is recorded so, and a job whose launcher on this machine is gone is recorded
    /// Failed. The scheduler is asked once for all the batch jobs among them: one squeue, and one sacct for those
    /// squeue no longer lists. This is the step that writes what readers find; <see cref="TryGet"/> and
    /// <see cref="List"/> never write.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="ids"/> is null.</exception>
    /// <exception cref="SchedulerNotFoundException">Unfinished batch jobs are among them and squeue or sacct is not on PATH.</exception>
    public IReadOnlyList<JobManifest> Reconcile(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var recorded = ids.Distinct(StringComparer.Ordinal).Select(Read).OfType<JobManifest>().ToList();
        var submitted = recorded.Where(job => !job.IsFinished && job.Batch?.BatchJobId is not null).ToList();
        var scheduler = submitted.Count > 0 ? BatchJobs.Ask(submitted) : new Dictionary<string, BatchJobs.SchedulerView>();
        return [.. recorded.Select(job =>
        {
            var reconciled = job.Batch is null ? Orphaned(job) ?? job : BatchJobs.Reconcile(job, scheduler);
            if (reconciled == job)
                return job;
            // Unless the launcher recorded the end meanwhile: its account is the better one.
            if (Read(job.Id) is { IsFinished: true } ended)
                return ended;
            Save(reconciled);
            return reconciled;
        })];
    }

    // A job whose launcher is gone and cannot finish the record, as Failed; null for any other job. Only a launcher
    // on this machine can be checked, and a batch job's launcher runs in its allocation: its scheduler says.
    private JobManifest? Orphaned(JobManifest manifest)
    {
        if (manifest.IsFinished || manifest.Batch is not null
            || (manifest.LauncherHost is { } host && host != System.Environment.MachineName)
            || ProcessIdentity.IsAlive(manifest.LauncherProcessId, manifest.LauncherStartTicks))
            return null;
        // Unless it recorded the end as it exited.
        if (Read(manifest.Id) is { IsFinished: true } ended)
            return ended;
        // Its ranks did not fail: they were ended with their launcher (its guard ends them).
        var known = manifest.RankInfo.ToDictionary(info => info.Rank);
        return manifest with
        {
            State = JobState.Failed,
            Reason = $"The launcher (process {manifest.LauncherProcessId}) ended while the job was {manifest.State}.",
            Ended = LastWritten(manifest.Id),
            RankInfo = [.. Enumerable.Range(0, manifest.Spec.Ranks).Select(rank => known.GetValueOrDefault(rank) ?? new RankInfo(rank, null, null))
                .Select(info => info.Finished ? info : info with { Failure = $"Ended with the launcher (process {manifest.LauncherProcessId}).", EndedWithJob = true })],
        };
    }

    // When anything of the job was last written: the last sign of its launcher's life, the same for every reader.
    private DateTimeOffset? LastWritten(string id)
    {
        try
        {
            return Directory.EnumerateFiles(JobDirectory(id)).Max(file => (DateTimeOffset?)new DateTimeOffset(File.GetLastWriteTimeUtc(file)));
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private JobManifest? Read(string id)
    {
        try
        {
            return JsonSerializer.Deserialize<JobManifest>(File.ReadAllText(ManifestPath(id)), Json) ?? Unreadable(id, "it is null");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            return Unreadable(id, e.Message);
        }
    }

    // A manifest no reader can parse (the store writes whole manifests only: someone else wrote it) reads as a Failed
    // job saying so, so that one bad file hides no other job and can be seen and removed like any job.
    private JobManifest Unreadable(string id, string problem) => new()
    {
        Id = id,
        Spec = new JobSpec { Program = "" },
        CommandLine = "",
        Command = [],
        State = JobState.Failed,
        Reason = $"Its manifest ({ManifestPath(id)}) cannot be read: {problem}",
        Created = LastWritten(id) ?? DateTimeOffset.MinValue,
    };

    /// <summary>The log records of job <paramref name="id"/> (none, for a job that is not in the store).</summary>
    public JobLog Logs(string id) => new(this, id);

    /// <summary>Deletes a finished job's directory with everything in it.</summary>
    /// <exception cref="KeyNotFoundException">There is no such job.</exception>
    /// <exception cref="InvalidOperationException">The job is still running.</exception>
    public void Remove(string id)
    {
        var job = TryGet(id) ?? throw new KeyNotFoundException($"There is no job {id} in {Root}.");
        if (!job.IsFinished)
            throw new InvalidOperationException($"Job {id} is {job.State}; stop it before removing it.");
        Directory.Delete(JobDirectory(id), recursive: true);
    }

    /// <summary>The file through which any process asks a job's launcher to stop the job.</summary>
    internal const string StopRequestFile = "stop-request";

    /// <summary>
    /// Asks the launcher of job <paramref name="id"/>, in whatever process it runs, to stop the job (at once when
    /// <paramref name="force"/> is set); a batch job is cancelled with scancel. Returns false when the job has already
    /// ended, as <see cref="Reconcile"/> finds it first.
    /// </summary>
    /// <exception cref="KeyNotFoundException">There is no such job.</exception>
    /// <exception cref="SchedulerNotFoundException">The job is a batch job and Slurm's commands are not on PATH.</exception>
    public bool RequestStop(string id, bool force = false)
    {
        var job = Reconcile([id]).SingleOrDefault() ?? throw new KeyNotFoundException($"There is no job {id} in {Root}.");
        if (job.IsFinished)
            return false;
        if (job.Batch is not null && job.State is JobState.Queued or JobState.NotStarted)
        {
            // Nothing runs yet: the scheduler drops it from its queue.
            BatchJobs.Cancel(job);
            return true;
        }
        var path = Path.Combine(JobDirectory(id), StopRequestFile);
        var temporary = $"{path}.{System.Environment.ProcessId}.tmp";
        OwnerOnly.WriteAllText(temporary, force ? "force" : "graceful");
        File.Move(temporary, path, overwrite: true);
        // A batch job is cancelled by its scheduler, whose signal tells the launcher in the allocation to stop the
        // job (the request above tells it too, should the signal not reach it).
        if (job.Batch is not null)
            BatchJobs.Cancel(job);
        return true;
    }

    /// <summary>A new job id: sortable by creation time, unique.</summary>
    internal static string NewJobId() => $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Whether a stop was asked for in <paramref name="jobDirectory"/>: null if not, else whether forced.</summary>
    internal static bool? ReadStopRequest(string jobDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(jobDirectory, StopRequestFile)).Trim() == "force";
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The directory under a farm's directory that holds its attempts' directories.</summary>
    internal const string AttemptsDirectory = "attempts";

    /// <summary>The id of a farm's <paramref name="number"/>th attempt (1-based): the farm's id, a dot, the number.</summary>
    internal static string AttemptId(string farmId, int number) => $"{farmId}.{number.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The directory of job <paramref name="id"/>: the store's subdirectory of that name, or for a farm's attempt
    /// (<see cref="AttemptId"/>) its directory under the farm's, so that listings show the farm and not its attempts.
    /// </summary>
    internal string JobDirectory(string id)
    {
        int dot = id.LastIndexOf('.');
        return dot > 0 && dot < id.Length - 1 && id.AsSpan(dot + 1).IndexOfAnyExceptInRange('0', '9') < 0
            ? Path.Combine(Root, id[..dot], AttemptsDirectory, id)
            : Path.Combine(Root, id);
    }

    /// <summary>Creates the directory of job <paramref name="id"/>, owner-only.</summary>
    internal void CreateJobDirectory(string id) => OwnerOnly.CreateDirectory(JobDirectory(id));

    /// <summary>Replaces the manifest of <paramref name="manifest"/>'s job at once (readers see the old one or the new one).</summary>
    internal void Save(JobManifest manifest)
    {
        var path = ManifestPath(manifest.Id);
        var temporary = $"{path}.{System.Environment.ProcessId}.{System.Environment.CurrentManagedThreadId}.tmp";
        // Variables' values stay out of the manifest (the launcher keeps them in memory, a batch job in its kept file).
        OwnerOnly.WriteAllText(temporary, JsonSerializer.Serialize(manifest with { Spec = manifest.Spec.Redacted() }, Json));
        File.Move(temporary, path, overwrite: true);
    }

    private string ManifestPath(string id) => Path.Combine(JobDirectory(id), "manifest.json");
}
