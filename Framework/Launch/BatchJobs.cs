using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MPI.Launch;

/// <summary>What a batch scheduler is asked for, beside the job itself.</summary>
public sealed record BatchOptions
{
    /// <summary>The partition (queue) to run in; null for the cluster's default.</summary>
    public string? Partition { get; init; }

    /// <summary>How many nodes (by default, as many as the scheduler needs for the ranks).</summary>
    public int? Nodes { get; init; }

    /// <summary>How many ranks to place on each node; null to let the scheduler choose.</summary>
    public int? TasksPerNode { get; init; }

    /// <summary>The scheduler's time limit for the whole batch job.</summary>
    public TimeSpan? Time { get; init; }

    /// <summary>The account the batch job is charged to; null for the user's default.</summary>
    public string? Account { get; init; }

    /// <summary>Further directives, as they would follow "#SBATCH " (e.g. "--exclusive", "--mem=4G").</summary>
    public IReadOnlyList<string> Directives { get; init; } = [];

    /// <summary>Shell lines run in the allocation before the job (module loads, environment set-up).</summary>
    public string? Prologue { get; init; }
}

/// <summary>
/// Jobs and task farms run through Slurm: the batch script that runs a job in its allocation (the launcher's runner,
/// spmd-run, starts mpiexec there, or runs the farm, and records everything in the job store as for any job),
/// submission with sbatch, state from squeue and sacct while the runner has not recorded it, and cancellation with
/// scancel.
/// </summary>
public static partial class BatchJobs
{
    /// <summary>The scheduler name in <see cref="BatchSubmission.Scheduler"/>.</summary>
    public const string Slurm = "slurm";

    /// <summary>The batch script in the job directory, and where its own output goes.</summary>
    public const string ScriptFile = "batch.sh", OutputFile = "batch.out";

    /// <summary>
    /// The variables' values a submitted job runs with (its Environment, and its PassEnvironment as they were at
    /// submission), kept beside the manifest in a file only the owner can read; the runner reads them as data, so no
    /// value is ever shell text.
    /// </summary>
    internal const string KeptEnvironmentFile = "environment.json";

    /// <summary>The runner the batch script starts, beside this assembly.</summary>
    public static string RunnerPath => Path.Combine(Path.GetDirectoryName(typeof(BatchJobs).Assembly.Location)!, "spmd-run.dll");

    /// <summary>The batch script for <paramref name="spec"/> as job <paramref name="jobId"/> of <paramref name="store"/>.</summary>
    /// <exception cref="JobSpecException">The spec or the options cannot run.</exception>
    public static string Script(JobSpec spec, BatchOptions options, JobStore store, string jobId)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        Check(spec, options);
        var directory = store.JobDirectory(jobId);
        var script = new StringBuilder("#!/bin/bash\n");
        void Directive(string text) => script.Append("#SBATCH ").Append(text).Append('\n');
        Directive($"--job-name={spec.Name ?? jobId}");
        Directive($"--ntasks={spec.Ranks}");
        if (options.Nodes is { } nodes)
            Directive($"--nodes={nodes}");
        if (options.TasksPerNode is { } perNode)
            Directive($"--ntasks-per-node={perNode}");
        if (options.Partition is { } partition)
            Directive($"--partition={partition}");
        if (options.Account is { } account)
            Directive($"--account={account}");
        if (options.Time is { } time)
            Directive(string.Create(CultureInfo.InvariantCulture, $"--time={(int)time.TotalDays}-{time:hh\\:mm\\:ss}"));
        Directive($"--output={Path.Combine(directory, OutputFile)}");
        if (spec.WorkingDirectory is { } workingDirectory)
            Directive($"--chdir={workingDirectory}");
        foreach (var extra in options.Directives)
            Directive(extra);
        script.Append("# Generated for job ").Append(jobId).Append(": the runner starts mpiexec on the allocation and records the job in the store.\n");
        if (options.Prologue is { } prologue)
            script.Append(prologue.TrimEnd()).Append('\n');
        script.Append("exec dotnet ").Append(Quote(RunnerPath)).Append(' ').Append(Quote(store.Root)).Append(' ').Append(Quote(jobId)).Append('\n');
        return script.ToString();
    }

    /// <summary>
    /// Records <paramref name="spec"/> as a job of <paramref name="store"/> and submits it with sbatch. When sbatch
    /// refuses it (or Slurm is not installed), nothing is left in the store or the queue.
    /// </summary>
    /// <exception cref="JobSpecException">The spec or the options cannot run anywhere.</exception>
    /// <exception cref="SchedulerNotFoundException">sbatch is not on PATH.</exception>
    /// <exception cref="SchedulerRefusedException">sbatch refused the job (its error is in the message).</exception>
    public static JobManifest Submit(JobSpec spec, BatchOptions options, JobStore store)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
        return Submit(spec, options, store, farm: null);
    }

    /// <summary>
    /// Records <paramref name="farm"/> as a farm of <paramref name="store"/> (see <see cref="TaskFarmJob"/>) and submits
    /// it with sbatch: in the allocation, spmd-run runs the farm, restarts included, and the batch job succeeds only
    /// when the farm completed. It is followed, stopped and read like any batch job. A farm without tasks is recorded
    /// Completed at once and not submitted. When sbatch refuses it (or Slurm is not installed), nothing is left in the
    /// store or the queue.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="JobSpecException">The farm or the options cannot run anywhere.</exception>
    /// <exception cref="SchedulerNotFoundException">sbatch is not on PATH.</exception>
    /// <exception cref="SchedulerRefusedException">sbatch refused the job (its error is in the message).</exception>
    public static JobManifest Submit(TaskFarmSpec farm, BatchOptions options, JobStore store)
    {
        ArgumentNullException.ThrowIfNull(farm);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        var job = farm.Validate();
        return farm.Definition.Tasks.Count == 0
            ? TaskFarmJob.Record(store, JobStore.NewJobId(), job, farm.MaxRestarts, farm.Definition, batch: null)
            : Submit(job, options, store, farm);
    }

    private static JobManifest Submit(JobSpec spec, BatchOptions options, JobStore store, TaskFarmSpec? farm)
    {
        var id = JobStore.NewJobId();
        var script = Script(spec, options, store, id);
        var sbatch = Command("sbatch");
        var directory = store.JobDirectory(id);
        store.CreateJobDirectory(id);
        var manifest = new JobManifest
        {
            Id = id,
            Name = spec.Name,
            Spec = spec,
            Command = ["sbatch", Path.Combine(directory, ScriptFile)],
            CommandLine = $"sbatch {Path.Combine(directory, ScriptFile)}",
            State = JobState.NotStarted,
            Created = DateTimeOffset.UtcNow,
            LauncherProcessId = System.Environment.ProcessId,
            LauncherStartTicks = ProcessIdentity.StartTicks(System.Environment.ProcessId),
            LauncherHost = System.Environment.MachineName,
            Batch = new BatchSubmission(Slurm, null, options),
            Farm = farm is null ? null : TaskFarmJob.NewSummary(farm.Definition.Tasks.Count, farm.MaxRestarts),
        };
        try
        {
            if (farm is not null)
                FarmFiles.WriteDefinition(directory, farm.Definition);
            OwnerOnly.WriteAllText(Path.Combine(directory, ScriptFile), script);
            KeepEnvironment(directory, spec);
            // Slurm opens an existing output file as it finds it: owner-only, whatever the job's umask.
            OwnerOnly.WriteAllText(Path.Combine(directory, OutputFile), "");
            store.Save(manifest);
            var (code, output, error) = Run(sbatch, ["--parsable", Path.Combine(directory, ScriptFile)], spec.WorkingDirectory);
            var batchId = output.Split(';')[0].Trim();
            if (code != 0 || batchId.Length == 0)
                throw new SchedulerRefusedException("sbatch", code, error.Trim().Length > 0 ? error : output);
            var queued = manifest with { State = JobState.Queued, Batch = manifest.Batch with { BatchJobId = batchId } };
            store.Save(queued);
            return queued;
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Keeps the variables' values <paramref name="spec"/> runs with, as they are now, in <see cref="KeptEnvironmentFile"/> of <paramref name="directory"/>.</summary>
    internal static void KeepEnvironment(string directory, JobSpec spec) =>
        OwnerOnly.WriteAllText(Path.Combine(directory, KeptEnvironmentFile), JsonSerializer.Serialize(KeptEnvironment(spec)));

    private static Dictionary<string, string> KeptEnvironment(JobSpec spec)
    {
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in spec.PassEnvironment)
        {
            if (System.Environment.GetEnvironmentVariable(name) is { } value)
                kept[name] = value;
        }
        foreach (var (name, value) in spec.Environment)
            kept[name] = value;
        return kept;
    }

    /// <summary>
    /// The spec a submitted job runs with: its recorded spec (whose values are redacted) with the values kept at
    /// submission. Variables to pass that were not set then are still taken from the allocation's environment.
    /// </summary>
    internal static JobSpec WithKeptEnvironment(JobStore store, JobManifest submitted)
    {
        Dictionary<string, string>? kept;
        try
        {
            kept = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(store.JobDirectory(submitted.Id), KeptEnvironmentFile)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return submitted.Spec;
        }
        kept ??= [];
        return submitted.Spec with
        {
            Environment = kept,
            PassEnvironment = [.. submitted.Spec.PassEnvironment.Where(name => !kept.ContainsKey(name))],
        };
    }

    /// <summary>Cancels the batch job of <paramref name="job"/> (scancel); false when Slurm no longer knows it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is null.</exception>
    /// <exception cref="SchedulerNotFoundException">scancel is not on PATH.</exception>
    public static bool Cancel(JobManifest job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Batch?.BatchJobId is not { } batchId)
            return false;
        var (code, _, _) = Run(Command("scancel"), [batchId], null);
        return code == 0;
    }

    /// <summary>What the scheduler says of a batch job: its state there ("" when it knows none) and exit code.</summary>
    internal readonly record struct SchedulerView(string State, string ExitCode);

    /// <summary>
    /// What Slurm says of the batch jobs of <paramref name="jobs"/>, by batch job id, asked once for all: squeue for
    /// those queued or running, then sacct (which, with accounting, also knows ended ones) for those squeue does not
    /// list. A job neither knows is left out.
    /// </summary>
    /// <exception cref="SchedulerNotFoundException">squeue or sacct is not on PATH.</exception>
    internal static Dictionary<string, SchedulerView> Ask(IEnumerable<JobManifest> jobs)
    {
        var ids = jobs.Select(job => job.Batch?.BatchJobId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var views = new Dictionary<string, SchedulerView>(StringComparer.Ordinal);
        if (ids.Count == 0)
            return views;
        // squeue fails when it knows none of the ids (they all ended): sacct is asked then.
        var (code, output, _) = Run(Command("squeue"), ["-h", "-j", string.Join(',', ids), "-o", "%i|%T"], null);
        if (code == 0)
        {
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Split('|') is [var id, var state] && ids.Contains(id.Trim()))
                    views[id.Trim()] = new SchedulerView(state.Trim(), "");
            }
        }
        var unlisted = ids.Where(id => !views.ContainsKey(id)).ToList();
        if (unlisted.Count == 0)
            return views;
        var (accounted, lines, _) = Run(Command("sacct"), ["-n", "-X", "-P", "-j", string.Join(',', unlisted), "-o", "JobID,State,ExitCode"], null);
        if (accounted != 0)
            return views;
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Split('|') is [var id, var final, var exitCode] && unlisted.Contains(id.Trim()))
                views[id.Trim()] = new SchedulerView(final.Split(' ')[0].Trim(), exitCode.Trim());
        }
        return views;
    }

    /// <summary>
    /// <paramref name="job"/>'s record as the scheduler's answer <paramref name="views"/> (from <see cref="Ask"/>) has it:
    /// the record itself while the batch job is queued or running (the runner records the rest) or unknown, else ended
    /// as the scheduler ended it, with the reason.
    /// </summary>
    internal static JobManifest Reconcile(JobManifest job, IReadOnlyDictionary<string, SchedulerView> views)
    {
        if (job.Batch?.BatchJobId is not { } batchId || job.IsFinished || !views.TryGetValue(batchId, out var view))
            return job;
        return view.State switch
        {
            "PENDING" or "CONFIGURING" or "REQUEUED" or "REQUEUE_HOLD" or "SUSPENDED" => job,
            "RUNNING" or "COMPLETING" or "" => job,
            "CANCELLED" => job with { State = JobState.Stopped, Reason = $"The batch job {batchId} was cancelled (scancel) before the job ended.", Ended = DateTimeOffset.UtcNow },
            "TIMEOUT" or "DEADLINE" => job with { State = JobState.TimedOut, Reason = $"The batch job {batchId} exceeded its scheduler time limit.", Ended = DateTimeOffset.UtcNow },
            _ => job with
            {
                State = JobState.Failed,
                Reason = $"The batch job {batchId} ended {view.State} (exit code {view.ExitCode}) before the job's launcher recorded its end; see {OutputFile} in the job directory.",
                Ended = DateTimeOffset.UtcNow,
            },
        };
    }

    private static void Check(JobSpec spec, BatchOptions options)
    {
        spec.Validate();
        if (spec.Hosts.Count > 0)
            throw new JobSpecException("A batch job runs on the hosts its scheduler allocates: give -Nodes or a partition, not hosts.", JobSpecProblem.Invalid, JobSpecField.Host, string.Join(",", spec.Hosts));
        if (options.Nodes is <= 0 || options.TasksPerNode is <= 0)
            throw new JobSpecException("Nodes and tasks per node must be positive.", JobSpecProblem.Invalid, JobSpecField.Batch, options.Nodes is <= 0 ? options.Nodes : options.TasksPerNode);
        if (options.Time is { } time && time <= TimeSpan.Zero)
            throw new JobSpecException($"The batch time limit must be positive; {time} was given.", JobSpecProblem.Invalid, JobSpecField.Batch, time);
        foreach (var (what, value) in new[] { ("partition", options.Partition), ("account", options.Account), ("job name", spec.Name) })
        {
            if (value is not null && !SafeWord().IsMatch(value))
                throw new JobSpecException($"'{value}' is not a valid {what} for a batch job (letters, digits, '.', '_', '-' only).", JobSpecProblem.Invalid, JobSpecField.Batch, value);
        }
        foreach (var directive in options.Directives)
        {
            if (directive.Contains('\n', StringComparison.Ordinal) || !directive.StartsWith('-'))
                throw new JobSpecException($"'{directive}' is not an sbatch directive (one option such as --mem=4G per entry).", JobSpecProblem.Invalid, JobSpecField.Batch, directive);
        }
    }

    private static string Command(string name) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists)
        ?? throw new SchedulerNotFoundException(name);

    // The scheduler's commands answer in seconds; one that hangs (a controller gone) must not hang the caller.
    private static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(60);

    private static (int? Code, string Output, string Error) Run(string program, IEnumerable<string> arguments, string? workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var run = ChildProcess.Run(program, arguments, CommandDeadline, environment, workingDirectory);
        var error = run.TimedOut ? $"{Path.GetFileName(program)} gave no answer within {CommandDeadline.TotalSeconds:0} s. {run.Error}" : run.Error;
        return (run.ExitCode, run.Output, error);
    }

    // A word for the shell and for sbatch alike: nothing to quote.
    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^[A-Za-z0-9._-]+$")]
    private static partial Regex SafeWord();
}
