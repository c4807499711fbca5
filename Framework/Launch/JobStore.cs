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
    /// <exception cref="JobSpecException">The location cannot be created or written.</exception>
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
            throw new JobSpecException($"The job store {Root} cannot be written: {e.Message}", JobSpecProblem.Denied);
        }
    }

    public string Root { get; }

    /// <summary>Every job in the store, oldest first.</summary>
    public IReadOnlyList<JobManifest> List() =>
        Directory.EnumerateDirectories(Root)
            .Select(directory => TryGet(Path.GetFileName(directory)))
            .OfType<JobManifest>()
            .OrderBy(job => job.Created)
            .ToList();

    /// <summary>The job with <paramref name="id"/>; null when there is none.</summary>
    public JobManifest? TryGet(string id)
    {
        var manifest = Read(id);
        if (manifest is null || manifest.IsFinished)
            return manifest;
        if (manifest.Batch is not null)
        {
            // A batch job lives in the scheduler, and its launcher on whichever node runs it: the scheduler says.
            var reconciled = BatchJobs.Reconcile(manifest);
            if (reconciled == manifest)
                return manifest;
            // Unless the launcher recorded the end meanwhile: its account is the better one.
            if (Read(id) is { IsFinished: true } recorded)
                return recorded;
            Save(reconciled);
            return reconciled;
        }
        if (manifest.LauncherHost is { } host && host != System.Environment.MachineName)
            return manifest;
        if (ProcessIdentity.IsAlive(manifest.LauncherProcessId, manifest.LauncherStartTicks))
            return manifest;
        // The launcher is gone and cannot finish the record: say so, once and for everyone.
        var orphaned = manifest with
        {
            State = JobState.Failed,
            Reason = $"The launcher (process {manifest.LauncherProcessId}) ended while the job was {manifest.State}.",
            Ended = DateTimeOffset.UtcNow,
        };
        Save(orphaned);
        return orphaned;
    }

    private JobManifest? Read(string id)
    {
        try
        {
            return JsonSerializer.Deserialize<JobManifest>(File.ReadAllText(ManifestPath(id)), Json);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The log records of a job.</summary>
    public JobLog Logs(string id) => new(JobDirectory(id), () => TryGet(id));

    /// <summary>Deletes a finished job's directory.</summary>
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
    /// <paramref name="force"/> is set). Returns false when the job has already ended.
    /// </summary>
    /// <exception cref="KeyNotFoundException">There is no such job.</exception>
    public bool RequestStop(string id, bool force = false)
    {
        var job = TryGet(id) ?? throw new KeyNotFoundException($"There is no job {id} in {Root}.");
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

    internal string JobDirectory(string id) => Path.Combine(Root, id);

    /// <summary>Creates the directory of job <paramref name="id"/>, owner-only.</summary>
    internal void CreateJobDirectory(string id) => OwnerOnly.CreateDirectory(JobDirectory(id));

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
