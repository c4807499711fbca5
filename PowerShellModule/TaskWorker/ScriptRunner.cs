using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using MPI.Logging;

namespace MPI.PowerShell.TaskWorker;

/// <summary>
/// Runs a farm's script block, once per task, in runspaces of this process (one per computing thread, reused from
/// task to task; the first is opened while the farm starts). A runspace stopped at a time limit or broken is replaced.
/// </summary>
internal sealed class ScriptRunner : TaskRunner
{
    private readonly FarmDefinition _definition;
    private readonly ConcurrentBag<TaskRunspace> _idle = [];
    private Task<TaskRunspace>? _first;

    public ScriptRunner(FarmDefinition definition)
    {
        _definition = definition;
        _first = Task.Run(() => new TaskRunspace(definition));
    }

    /// <inheritdoc/>
    public override TaskOutput Run(FarmTask task, CancellationToken timeLimit)
    {
        var runspace = Take();
        try
        {
            return runspace.Run(task, timeLimit);
        }
        finally
        {
            if (runspace.Usable)
                _idle.Add(runspace);
            else
                runspace.Dispose();
        }
    }

    private TaskRunspace Take()
    {
        if (Interlocked.Exchange(ref _first, null) is { } first)
            return first.GetAwaiter().GetResult();
        return _idle.TryTake(out var runspace) ? runspace : new TaskRunspace(_definition);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _first, null) is { } first && first.Wait(Timeout.Infinite) && first.IsCompletedSuccessfully)
            first.Result.Dispose();
        while (_idle.TryTake(out var runspace))
            runspace.Dispose();
        base.Dispose();
    }
}

/// <summary>One runspace with the farm's using variables, arguments and parsed script block, running one task at a time.</summary>
internal sealed class TaskRunspace : IDisposable
{
    // Pipes the task's input, as one object, into the script block with the farm's arguments: $_, $PSItem, $input and a
    // process block all see it, as in ForEach-Object. The script block runs in a scope of its own, so what one task
    // sets does not reach the next.
    private const string Wrapper = "param($__farmScript, $__farmArguments)\nprocess { ,$_ | & $__farmScript @__farmArguments }";

    // How long a stopped pipeline may take to end; one that does not is abandoned with its runspace.
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly Runspace _runspace;
    private readonly ScriptBlock? _script;
    private readonly ParseException? _parseError;
    private readonly object?[] _arguments;
    private readonly double? _timeLimitSeconds;
    private bool _stopped;

    /// <summary>Opens a runspace with every default command (InitialSessionState.CreateDefault) and defines the farm's using variables in it.</summary>
    /// <exception cref="PSInvalidOperationException">The definition's CliXml cannot be read.</exception>
    public TaskRunspace(FarmDefinition definition)
    {
        _timeLimitSeconds = definition.TaskTimeLimitSeconds;
        _arguments = definition.ArgumentList is null ? [] : Items(PSSerializer.Deserialize(definition.ArgumentList));
        try
        {
            _script = ScriptBlock.Create(definition.Script ?? "");
        }
        catch (ParseException exception)
        {
            _parseError = exception;
        }
        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault());
        _runspace.Open();
        if (definition.UsingValues is not null && Unwrap(PSSerializer.Deserialize(definition.UsingValues)) is IDictionary values)
        {
            foreach (DictionaryEntry entry in values)
                _runspace.SessionStateProxy.SetVariable($"__using_{entry.Key}", entry.Value);
        }
        // Compiles the wrapper's path now rather than in the first task.
        using var warm = System.Management.Automation.PowerShell.Create(_runspace);
        warm.AddScript(Wrapper, useLocalScope: true).AddParameter("__farmScript", ScriptBlock.Create("")).AddParameter("__farmArguments", Array.Empty<object>());
        warm.Invoke(new object?[] { null });
    }

    /// <summary>Whether another task may run here: not stopped at a time limit, open and idle.</summary>
    public bool Usable => !_stopped && _runspace.RunspaceStateInfo.State == RunspaceState.Opened &&
        _runspace.RunspaceAvailability == RunspaceAvailability.Available;

    /// <summary>Runs the script block with the task's input as <c>$_</c>.</summary>
    /// <exception cref="TaskAttemptException">A terminating error (Data: Errors, Output so far, ErrorType, the script's stack).</exception>
    /// <exception cref="TimeoutException"><paramref name="timeLimit"/> was cancelled before the script ended; it was stopped.</exception>
    public TaskOutput Run(FarmTask task, CancellationToken timeLimit)
    {
        if (_parseError is not null)
            throw Failure(_parseError.ErrorRecord, [], [], _parseError);
        var input = new PSDataCollection<object?> { task.Input is null ? null : PSSerializer.Deserialize(task.Input) };
        input.Complete();
        var output = new PSDataCollection<PSObject>();
        var shell = System.Management.Automation.PowerShell.Create(_runspace);
        bool stuck = false;
        try
        {
            shell.AddScript(Wrapper, useLocalScope: true).AddParameter("__farmScript", _script).AddParameter("__farmArguments", _arguments);
            var invocation = shell.BeginInvoke(input, output);
            if (WaitHandle.WaitAny([invocation.AsyncWaitHandle, timeLimit.WaitHandle]) == 1 && !invocation.IsCompleted)
            {
                _stopped = true;
                stuck = !shell.BeginStop(null, null).AsyncWaitHandle.WaitOne(StopGrace);
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"ran past its time limit of {_timeLimitSeconds} s"))
                    .With(TaskFarmContract.OutputProperty, Serialize(output.ReadAll()))
                    .With(TaskFarmContract.ErrorsProperty, Serialize(shell.Streams.Error.ReadAll()));
            }
            try
            {
                shell.EndInvoke(invocation);
            }
            catch (RuntimeException exception)
            {
                var record = (exception as IContainsErrorRecord)?.ErrorRecord ?? new ErrorRecord(exception, "TaskFailed", ErrorCategory.NotSpecified, null);
                throw Failure(record, shell.Streams.Error.ReadAll(), output.ReadAll(), exception);
            }
            return new TaskOutput(Serialize(output.ReadAll()), Serialize(shell.Streams.Error.ReadAll()), null, null);
        }
        finally
        {
            // A pipeline that would not stop keeps its thread; disposing it would wait for it forever.
            if (!stuck)
                shell.Dispose();
        }
    }

    // The terminating error fails the attempt, described by its error record as pwsh shows it.
    private static TaskAttemptException Failure(ErrorRecord record, IList<ErrorRecord> errors, IList<PSObject> output, Exception exception) =>
        new TaskAttemptException(record.ToString(), WithoutWrapper(record.ScriptStackTrace), exception)
            .With(TaskFarmContract.ErrorTypeProperty, record.Exception.GetType().FullName)
            .With(TaskFarmContract.RemoteStackTraceProperty, WithoutWrapper(record.ScriptStackTrace))
            .With(TaskFarmContract.OutputProperty, Serialize(output))
            .With(TaskFarmContract.ErrorsProperty, Serialize([.. errors, record]));

    // The script's stack ends with the wrapper's frame, which is the worker's, not the user's.
    private static string? WithoutWrapper(string? scriptStackTrace)
    {
        if (string.IsNullOrEmpty(scriptStackTrace))
            return null;
        int last = scriptStackTrace.TrimEnd().LastIndexOf('\n');
        return last < 0 ? scriptStackTrace : scriptStackTrace[..last].TrimEnd();
    }

    private static string? Serialize<T>(IList<T> items) =>
        items.Count == 0 ? null : PSSerializer.Serialize(items.ToArray(), TaskFarmContract.SerializationDepth);

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

    // A deserialized object[] comes back as a list.
    private static object?[] Items(object? value) =>
        Unwrap(value) is IList list ? [.. list.Cast<object?>()] : [value];

    /// <summary>Closes the runspace; one abandoned with a pipeline that would not stop is closed in the background.</summary>
    public void Dispose()
    {
        if (_stopped)
            _ = Task.Run(_runspace.Dispose);
        else
            _runspace.Dispose();
    }
}
