using System.Collections;
using System.Management.Automation;
using MPI.Launch;
using MPI.Logging;
using LaunchState = MPI.Launch.JobState;
using PSJobState = System.Management.Automation.JobState;

namespace MPI.PowerShell;

/// <summary>
/// A task farm (<see cref="TaskFarmJob"/>) as a PowerShell job, with one child job per task. Each task's output is
/// its child's output, published in input order: a task that finished early waits until every task before it has
/// finished, so Receive-Job on the farm returns outputs in input order. A script block's output comes back
/// deserialized (as from remoting), its errors as error records whose target is the task's input; a program's
/// output is a <see cref="ParallelTaskResult"/>. A failed task ends its child Failed with a TaskFailed error record.
/// </summary>
public sealed class ParallelTaskJob : PowerShellParallelJob
{
    /// <summary>The PSJobTypeName of task farms and their tasks.</summary>
    public const string FarmTypeName = "ParallelTaskJob";

    private readonly TaskJob[] _tasks;
    private readonly FarmTaskResult?[] _results;
    private readonly Lock _order = new();
    // The index of the first task whose result is not published yet.
    private int _next;

    private ParallelTaskJob(JobStore store, JobManifest manifest, Launcher? launcher, FarmDefinition definition, IReadOnlyList<object?>? inputs)
        : base(store, manifest, launcher, FarmTypeName)
    {
        Kind = definition.Kind;
        var count = manifest.Farm?.TaskCount ?? definition.Tasks.Count;
        var tasks = definition.Tasks.ToDictionary(task => task.Index);
        _tasks = new TaskJob[count];
        _results = new FarmTaskResult?[count];
        for (int i = 0; i < count; i++)
        {
            var input = inputs is not null ? inputs[i] : tasks.TryGetValue(i, out var task) ? InputOf(task) : null;
            _tasks[i] = new TaskJob(this, i, input);
            ChildJobs.Add(_tasks[i]);
        }
    }

    /// <summary>What the tasks run: a script block or a program.</summary>
    public FarmKind Kind { get; }

    /// <summary>How many tasks the farm has.</summary>
    public int TaskCount => _tasks.Length;

    /// <summary>How many tasks have completed (their results are saved).</summary>
    public int CompletedTasks => Manifest.Farm?.Completed ?? 0;

    /// <summary>How many tasks have failed after their last attempt.</summary>
    public int FailedTasks => Manifest.Farm?.Failed ?? 0;

    /// <summary>How many times the farm restarted by itself after a rank or host was lost.</summary>
    public int Restarts => Manifest.Farm?.Restarts ?? 0;

    /// <summary>The child job of task <paramref name="index"/> (0-based, its place in the input).</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is not a task of the farm.</exception>
    public TaskJob Task(int index) => _tasks[index];

    /// <summary>The farms' tasks' state, as Get-Job shows it: tasks done of all.</summary>
    public override string StatusMessage => Reason ?? $"{CompletedTasks + FailedTasks}/{TaskCount} tasks done";

    /// <summary>
    /// Takes the tasks' outputs and error records published so far, in input order (each task's output, then its
    /// errors): removed, as Receive-Job does, unless <paramref name="keep"/> is set.
    /// </summary>
    public IReadOnlyList<object> TakeResults(bool keep)
    {
        var taken = new List<object>();
        int published;
        lock (_order)
            published = _next;
        foreach (var task in _tasks.Take(published))
        {
            taken.AddRange(keep ? [.. task.Output] : task.Output.ReadAll());
            taken.AddRange(keep ? [.. task.Error] : task.Error.ReadAll());
        }
        return taken;
    }

    /// <summary>A farm just started in this process, which holds its launcher; <paramref name="inputs"/> are the tasks' inputs as given.</summary>
    internal static ParallelTaskJob Start(JobStore store, TaskFarmJob farm, FarmDefinition definition, IReadOnlyList<object?> inputs)
    {
        var job = new ParallelTaskJob(store, farm.Manifest, new Launcher(() => farm.Manifest, farm.Completion, farm.Stop, farm), definition, inputs);
        farm.TaskFinished += (_, result) => job.Deliver(result);
        // Results saved before the handler was added are in the store.
        job.DeliverSaved();
        job.Begin();
        return job;
    }

    /// <summary>A farm read from the store (another session's, or one that ended), or resumed by <paramref name="launcher"/>.</summary>
    internal static ParallelTaskJob Open(JobStore store, JobManifest manifest, TaskFarmJob? launcher = null)
    {
        var definition = TaskFarmJob.ReadDefinition(store, manifest.Id);
        var job = new ParallelTaskJob(store, launcher?.Manifest ?? manifest,
            launcher is null ? null : new Launcher(() => launcher.Manifest, launcher.Completion, launcher.Stop, launcher), definition, null);
        if (launcher is not null)
            launcher.TaskFinished += (_, result) => job.Deliver(result);
        job.DeliverSaved();
        job.Begin();
        return job;
    }

    /// <summary>Reads the results saved in the store (only at the end for a farm whose launcher is here: its events bring them).</summary>
    private protected override void CatchUp(JobManifest current)
    {
        if (!IsLaunchedHere || current.IsFinished)
            DeliverSaved();
    }

    /// <summary>Puts the tasks without a result in <paramref name="state"/>.</summary>
    private protected override void EnterChildren(PSJobState state)
    {
        lock (_order)
        {
            foreach (var task in _tasks.Skip(_next))
                task.Enter(state);
        }
    }

    /// <summary>Publishes every result (in input order), and ends the tasks that have none as the farm ended.</summary>
    private protected override void ConcludeChildren(JobManifest final)
    {
        DeliverSaved();
        lock (_order)
        {
            for (; _next < _tasks.Length; _next++)
            {
                if (_results[_next] is { } result)
                    _tasks[_next].Publish(result);
                else
                    _tasks[_next].Abandon(final.State);
            }
        }
    }

    private void DeliverSaved()
    {
        try
        {
            foreach (var result in TaskFarmJob.ReadResults(Store, JobId))
                Deliver(result);
        }
        catch (Exception e) when (e is IOException or KeyNotFoundException)
        {
            // Removed from the store meanwhile: the job stays as last seen.
        }
    }

    // Publishes the result once every task before it has one; a result seen twice is published once.
    private void Deliver(FarmTaskResult result)
    {
        if (result.Index < 0 || result.Index >= _tasks.Length)
            return;
        lock (_order)
        {
            if (_results[result.Index] is not null)
                return;
            _results[result.Index] = result;
            for (; _next < _tasks.Length && _results[_next] is { } ready; _next++)
                _tasks[_next].Publish(ready);
        }
        RaiseChanged();
    }

    // The input of a task read from the store: deserialized, as remoting gives it.
    private static object? InputOf(FarmTask task) =>
        task.Input is { } xml ? FarmObjects.Deserialize(xml).FirstOrDefault() : task.Arguments is { } arguments ? string.Join(" ", arguments) : null;
}

/// <summary>
/// One task of a farm: its output (deserialized objects, or a <see cref="ParallelTaskResult"/> for a program) and its
/// error records, published in input order. Stopping it stops the whole farm.
/// </summary>
public sealed class TaskJob : MpiJob
{
    // How much of the input a task's name shows.
    private const int NameInputLength = 40;
    private readonly ParallelTaskJob _farm;

    internal TaskJob(ParallelTaskJob farm, int index, object? input) : base(farm.Command, NameOf(index, input), Guid.NewGuid())
    {
        _farm = farm;
        Index = index;
        Input = input;
        PSJobTypeName = ParallelTaskJob.FarmTypeName;
    }

    /// <summary>The task's index (0-based, its place in the farm's input).</summary>
    public int Index { get; }

    /// <summary>The task's input: the object given, in the session that started the farm; deserialized in another.</summary>
    public object? Input { get; }

    /// <summary>The task's saved result, once published.</summary>
    public FarmTaskResult? Result { get; private set; }

    /// <summary>The rank that ran the task's last attempt, once known.</summary>
    public int? Rank => Result?.Rank;

    /// <summary>How many times the task was run (1 + retries), once known.</summary>
    public int? Attempts => Result?.Attempts;

    /// <summary>Why the task failed, when it did.</summary>
    public override string StatusMessage => Result?.ErrorMessage ?? "";

    /// <summary>Whether the task holds output or errors not received yet.</summary>
    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0;

    /// <summary>The host that ran the task's last attempt, once known; else the farm's hosts.</summary>
    public override string Location => Result?.Host ?? _farm.Location;

    /// <summary>Stops the whole farm (a task cannot stop alone) and waits for its end.</summary>
    /// <exception cref="LaunchEnvironmentException">The farm is a batch job and Slurm's commands are not on PATH.</exception>
    public override void StopJob(bool force, string? reason) => _farm.StopJob(force, reason);

    internal void Enter(PSJobState state) => SetJobState(state, null);

    internal void Publish(FarmTaskResult result)
    {
        Result = result;
        var failed = result.Outcome == FarmOutcome.Failed;
        if (_farm.Kind == FarmKind.Program)
        {
            Output.Add(PSObject.AsPSObject(new ParallelTaskResult(result, Input)));
        }
        else
        {
            // $null is output too (Receive-Job leaves it out, as for any job).
            foreach (var item in FarmObjects.Deserialize(result.Output))
                Output.Add(item is null ? null : PSObject.AsPSObject(item));
            var errors = FarmObjects.Deserialize(result.Errors).OfType<PSObject>().ToList();
            // The terminating error that failed the task is told by the TaskFailed record.
            if (failed && errors.Count > 0 && FarmObjects.MessageOf(errors[^1]) == result.ErrorMessage)
                errors.RemoveAt(errors.Count - 1);
            foreach (var error in errors)
                Error.Add(FarmObjects.RemoteError(error, Input));
        }
        if (failed)
            Error.Add(FarmObjects.TaskFailed(result, Input));
        // The error record says why; a reason here would make Receive-Job write it a second time.
        SetJobState(failed ? PSJobState.Failed : PSJobState.Completed, null);
    }

    // A task the farm ended without: it never ran, or ran without a result.
    internal void Abandon(LaunchState farmState)
    {
        if (farmState is LaunchState.Stopped or LaunchState.TimedOut)
            SetJobState(PSJobState.Stopped, null);
        else
            SetJobState(PSJobState.Failed, new InvalidOperationException($"Task {Index} has no result: the farm ended {farmState}."));
    }

    private static string NameOf(int index, object? input)
    {
        var text = input is null ? "" : LanguagePrimitives.ConvertTo<string>(input) ?? "";
        text = text.ReplaceLineEndings(" ");
        return text.Length == 0 ? $"Task {index}" : $"Task {index}: {(text.Length > NameInputLength ? text[..NameInputLength] + "…" : text)}";
    }
}

/// <summary>One task of a program farm as Receive-Job returns it: its input, output, standard error and exit code.</summary>
public sealed class ParallelTaskResult
{
    internal ParallelTaskResult(FarmTaskResult result, object? input)
    {
        Index = result.Index;
        Input = input;
        Output = result.Output ?? "";
        StandardError = result.StandardError ?? "";
        ExitCode = result.ExitCode;
        Succeeded = result.Outcome == FarmOutcome.Completed;
        Rank = result.Rank;
        Host = result.Host;
        Attempts = result.Attempts;
        Elapsed = TimeSpan.FromSeconds(result.Elapsed);
        ErrorMessage = result.ErrorMessage;
    }

    /// <summary>The task's index (0-based, its place in the farm's input).</summary>
    public long Index { get; }

    /// <summary>The task's input (the value its argument template was filled with).</summary>
    public object? Input { get; }

    /// <summary>What the program wrote to its standard output.</summary>
    public string Output { get; }

    /// <summary>What the program wrote to its standard error.</summary>
    public string StandardError { get; }

    /// <summary>The program's exit code; null when it never started (missing, or not executable).</summary>
    public int? ExitCode { get; }

    /// <summary>Whether the task completed (exit code 0 within its time limit).</summary>
    public bool Succeeded { get; }

    /// <summary>The rank that ran the task's last attempt.</summary>
    public int? Rank { get; }

    /// <summary>The host that ran the task's last attempt.</summary>
    public string? Host { get; }

    /// <summary>How many times the task was run (1 + retries).</summary>
    public int Attempts { get; }

    /// <summary>How long the last attempt ran.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Why the task failed, when it did.</summary>
    public string? ErrorMessage { get; }

    /// <summary>The program's output, trimmed (what the task printed).</summary>
    public override string ToString() => Output.TrimEnd();
}

/// <summary>Why a task of a farm failed after its last attempt: where it ran, how many times, and the remote error.</summary>
public sealed class ParallelTaskFailedException : Exception
{
    /// <summary>The failure of <paramref name="result"/>'s task.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    public ParallelTaskFailedException(FarmTaskResult result) : base(Describe(result))
    {
        TaskIndex = result.Index;
        Rank = result.Rank;
        Host = result.Host;
        Attempts = result.Attempts;
        RemoteExceptionType = result.ErrorType;
        RemoteStackTrace = result.RemoteStackTrace;
    }

    /// <summary>The task's index (0-based).</summary>
    public long TaskIndex { get; }

    /// <summary>The rank that ran its last attempt.</summary>
    public int? Rank { get; }

    /// <summary>The host that ran its last attempt.</summary>
    public string? Host { get; }

    /// <summary>How many times it was run.</summary>
    public int Attempts { get; }

    /// <summary>The full name of the exception type that failed it, on the rank (System.TimeoutException for its time limit).</summary>
    public string? RemoteExceptionType { get; }

    /// <summary>The stack trace on the rank (the script's stack for a script block), when there is one.</summary>
    public string? RemoteStackTrace { get; }

    private static string Describe(FarmTaskResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var where = result.Rank is { } rank ? $" on rank {rank} ({result.Host})" : result.Host is { } host ? $" on {host}" : "";
        return $"Task {result.Index} failed{where} after {result.Attempts} attempt(s): {result.ErrorMessage}";
    }
}

/// <summary>The objects of a farm's result records: deserialized CliXml, and error records made from what ran remotely.</summary>
internal static class FarmObjects
{
    /// <summary>The objects of <paramref name="xml"/> (CliXml of one object or of an array), deserialized; none for null.</summary>
    public static IEnumerable<object?> Deserialize(string? xml)
    {
        if (string.IsNullOrEmpty(xml))
            return [];
        var value = PSSerializer.Deserialize(xml);
        // An array comes back as an ArrayList in a PSObject, as remoting gives it.
        return (value is PSObject { BaseObject: IList list } ? list : value as IList) is { } items
            ? items.Cast<object?>()
            : [value];
    }

    /// <summary>The message of a deserialized error record.</summary>
    public static string MessageOf(PSObject error) =>
        (error.Properties["Exception"]?.Value as PSObject)?.Properties["Message"]?.Value as string ?? error.ToString();

    /// <summary>A deserialized error record of a script block as an error record of this session, targeting the task's input.</summary>
    public static ErrorRecord RemoteError(PSObject error, object? input)
    {
        var exception = new RemoteException(MessageOf(error));
        var id = error.Properties["FullyQualifiedErrorId"]?.Value as string ?? "TaskError";
        var category = (error.Properties["CategoryInfo"]?.Value as PSObject)?.Properties["Category"]?.Value?.ToString() is { } name
            && Enum.TryParse<ErrorCategory>(name, out var parsed) ? parsed : ErrorCategory.NotSpecified;
        return new ErrorRecord(exception, id, category, input);
    }

    /// <summary>
    /// The error record of a failed task: TaskTimedOut for its time limit, TaskProgramNotFound for a program that did
    /// not start, else TaskFailed; its message names the index, rank and host; its target is the task's input.
    /// </summary>
    public static ErrorRecord TaskFailed(FarmTaskResult result, object? input)
    {
        var (id, category) = result.ErrorType switch
        {
            "System.TimeoutException" => ("TaskTimedOut", ErrorCategory.OperationTimeout),
            "System.ComponentModel.Win32Exception" or "System.IO.FileNotFoundException" => ("TaskProgramNotFound", ErrorCategory.ObjectNotFound),
            _ => ("TaskFailed", ErrorCategory.OperationStopped),
        };
        return new ErrorRecord(new ParallelTaskFailedException(result), id, category, input);
    }
}
