using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// Everything needed to run a task farm through the launcher (<see cref="TaskFarmJob"/>): the job that runs the farm's
/// worker on every rank (hosts, ranks, MPI, environment, working directory, the whole farm's time limit, name), the
/// farm's tasks and what they run, and how many times the farm restarts by itself after a rank or host was lost.
/// <see cref="Validate"/> turns every mistake into a <see cref="JobSpecException"/> before anything starts.
/// </summary>
public sealed record TaskFarmSpec
{
    /// <summary>
    /// The job that runs the farm. <see cref="JobSpec.Program"/> is the worker (a program implementing
    /// <see cref="TaskFarmContract"/>): <see cref="TaskFarmJob.DefaultWorker"/>, or "" for it; its
    /// <see cref="JobSpec.Arguments"/> must be empty (the worker's only argument is its farm definition file).
    /// <see cref="JobSpec.Ranks"/> is how many tasks run at once (the coordinating rank runs tasks too): by default
    /// the hosts' slots, and never more than the tasks. <see cref="JobSpec.TimeLimit"/> limits the whole farm, over
    /// all its attempts.
    /// </summary>
    public required JobSpec Job { get; init; }

    /// <summary>Every task of the farm (indices 0 to n-1, in order), what they run, their retries, time limit and chunk size.</summary>
    public required FarmDefinition Definition { get; init; }

    /// <summary>How many times the farm starts again by itself, with its unfinished tasks, after a rank or host was lost (default 1; 0 for never).</summary>
    public int MaxRestarts { get; init; } = 1;

    /// <summary>
    /// A task's arguments from a template: each "{}" (also inside an argument, as in "--in={}") is replaced by
    /// <paramref name="input"/>; a template without any "{}" gets the input appended as a last argument. Arguments are
    /// passed to the program as they are, never through a shell.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IReadOnlyList<string> ExpandTemplate(IReadOnlyList<string> template, string input)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(input);
        return template.Any(argument => argument.Contains(Placeholder, StringComparison.Ordinal))
            ? [.. template.Select(argument => argument.Replace(Placeholder, input, StringComparison.Ordinal))]
            : [.. template, input];
    }

    private const string Placeholder = "{}";

    /// <summary>
    /// Checks the farm (its definition, restarts, and the job as <see cref="JobSpec.Validate"/> does) and returns the
    /// job that runs it: the worker resolved, no arguments, and the number of ranks decided (see <see cref="Job"/>).
    /// Nothing is written or started.
    /// </summary>
    /// <exception cref="JobSpecException">The farm cannot run: the field and the value are named.</exception>
    public JobSpec Validate()
    {
        if (Job is null)
            throw new JobSpecException("A task farm needs a job (hosts, ranks, MPI) to run it.", JobSpecProblem.Invalid, JobSpecField.Program, null);
        if (Definition is null)
            throw new JobSpecException("A task farm needs a definition (its tasks and what they run).", JobSpecProblem.Invalid, JobSpecField.Farm, null);
        if (Job.Arguments.Count > 0)
            throw new JobSpecException($"A farm's worker takes no arguments of the caller's (its only argument is its definition file); '{string.Join(' ', Job.Arguments)}' was given.",
                JobSpecProblem.Invalid, JobSpecField.Program, string.Join(' ', Job.Arguments));
        if (MaxRestarts < 0)
            throw new JobSpecException($"A farm's number of restarts cannot be negative; {MaxRestarts} was given.", JobSpecProblem.Invalid, JobSpecField.Farm, MaxRestarts);
        CheckDefinition(Definition);
        var job = Job with { Program = string.IsNullOrEmpty(Job.Program) ? TaskFarmJob.DefaultWorker : Job.Program };
        if (job.Program == TaskFarmJob.DefaultWorker && !File.Exists(job.Program))
            throw new JobSpecException($"The task worker {job.Program} is not installed (it ships in the taskworker directory beside MPI.Launch.dll).",
                JobSpecProblem.NotFound, JobSpecField.Program, job.Program);
        job = job with { Program = job.Validate() };
        int tasks = Definition.Tasks.Count;
        int ranks = Math.Max(1, Math.Min(job.Ranks, tasks));
        return job with { Ranks = ranks };
    }

    private static void CheckDefinition(FarmDefinition definition)
    {
        if (definition.Tasks is null)
            throw new JobSpecException("A farm's definition has no task list.", JobSpecProblem.Invalid, JobSpecField.Farm, null);
        for (int i = 0; i < definition.Tasks.Count; i++)
        {
            if (definition.Tasks[i] is not { } task || task.Index != i)
                throw new JobSpecException($"A farm's tasks must be numbered 0 to {definition.Tasks.Count - 1} in order; task {i} has index {definition.Tasks[i]?.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none: it is null)"}.",
                    JobSpecProblem.Invalid, JobSpecField.Farm, definition.Tasks[i]?.Index);
        }
        switch (definition.Kind)
        {
            case FarmKind.ScriptBlock when string.IsNullOrWhiteSpace(definition.Script):
                throw new JobSpecException("A script-block farm needs a script.", JobSpecProblem.Invalid, JobSpecField.Farm, definition.Script);
            case FarmKind.Program when string.IsNullOrWhiteSpace(definition.Program) || definition.Program.Any(char.IsControl):
                throw new JobSpecException($"A program farm needs a program (a path, without control characters); '{definition.Program}' was given.",
                    JobSpecProblem.Invalid, JobSpecField.Farm, definition.Program);
            case not (FarmKind.ScriptBlock or FarmKind.Program):
                throw new JobSpecException($"'{definition.Kind}' is not a kind of farm: use ScriptBlock or Program.", JobSpecProblem.Invalid, JobSpecField.Farm, definition.Kind);
        }
        if (definition.MaxRetries < 0)
            throw new JobSpecException($"A task's number of retries cannot be negative; {definition.MaxRetries} was given.", JobSpecProblem.Invalid, JobSpecField.Farm, definition.MaxRetries);
        if (definition.ChunkSize < 0)
            throw new JobSpecException($"A farm's chunk size cannot be negative (0 lets the farm choose); {definition.ChunkSize} was given.", JobSpecProblem.Invalid, JobSpecField.Farm, definition.ChunkSize);
        if (definition.TaskTimeLimitSeconds is { } limit && !(limit > 0 && double.IsFinite(limit)))
            throw new JobSpecException($"A task's time limit must be a positive number of seconds; {limit} was given.", JobSpecProblem.Invalid, JobSpecField.TimeLimit, limit);
    }
}
