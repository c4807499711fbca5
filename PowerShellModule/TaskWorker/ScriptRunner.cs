using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.Json;
using MPI.Logging;

namespace MPI.PowerShell.TaskWorker;

/// <summary>
/// Runs a farm's script block, once per task, in runspaces of this process (one per computing thread, reused from
/// task to task). A runspace stopped at a time limit or broken is replaced.
/// </summary>
internal sealed class ScriptRunner : TaskRunner
{
    private readonly FarmDefinition _definition;
    private readonly ConcurrentBag<TaskRunspace> _idle = [];
    private Task<TaskRunspace>? _first;

    /// <summary>A runner whose first runspace is <paramref name="early"/> (see <see cref="OpenEarly"/>) or opened now, in the background.</summary>
    public ScriptRunner(FarmDefinition definition, Task<Runspace>? early)
    {
        _definition = definition;
        _first = Task.Run(async () => new TaskRunspace(definition, early is null ? Open() : await early.ConfigureAwait(false)));
    }

    /// <summary>
    /// Starts opening a runspace at once, before MPI and the farm start (it takes a good part of a second), when this
    /// rank can read the definition file and it is a farm of script blocks; null otherwise.
    /// </summary>
    public static Task<Runspace>? OpenEarly(string definitionPath) =>
        PeekKind(definitionPath) == FarmKind.ScriptBlock ? Task.Run(Open) : null;

    /// <summary>A runspace with every default command (InitialSessionState.CreateDefault), open.</summary>
    public static Runspace Open()
    {
        var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault());
        runspace.Open();
        return runspace;
    }

    // The kind is the definition's first property: the file's first bytes tell it without reading every task.
    private static FarmKind? PeekKind(string definitionPath)
    {
        try
        {
            var start = new byte[4096];
            int read;
            using (var file = File.OpenRead(definitionPath))
                read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            var reader = new Utf8JsonReader(start.AsSpan(0, read), isFinalBlock: read < start.Length, default);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("kind"u8))
                    return reader.Read() && Enum.TryParse<FarmKind>(reader.GetString(), ignoreCase: true, out var kind) ? kind : null;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            // Not readable here, or not JSON: the farm will say so; the runspace is opened later if needed.
        }
        return null;
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
        return _idle.TryTake(out var runspace) ? runspace : new TaskRunspace(_definition, Open());
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        // A rank that ran no task still has its first runspace opening (or failed to open it).
        if (Interlocked.Exchange(ref _first, null) is { } first && ((IAsyncResult)first).AsyncWaitHandle.WaitOne() && first.IsCompletedSuccessfully)
            first.Result.Dispose();
        while (_idle.TryTake(out var runspace))
            runspace.Dispose();
        base.Dispose();
    }
}

/// <summary>
/// One runspace with the farm's using variables, arguments and parsed script block, running one task at a time in one
/// long pipeline fed an input per task: far cheaper than a pipeline per task. A task that ends the pipeline (a
/// terminating error, <c>exit</c>) gets a new one for the next task.
/// </summary>
internal sealed class TaskRunspace : IDisposable
{
    // Pipes each input, as one object, into the script block with the farm's arguments ($_, $PSItem, $input and a
    // process block all see it, as in ForEach-Object), then says the task ended. The script block runs in a scope of its
    // own, so what one task sets does not reach the next.
    private const string Wrapper = "param($__farmScript, $__farmArguments, $__farmEnded)\nprocess { ,$_ | & $__farmScript @__farmArguments; $null = $__farmEnded.Set() }";

    // How long a stopped pipeline may take to end; one that does not is abandoned with its runspace.
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly Runspace _runspace;
    private readonly ScriptBlock? _script;
    private readonly ParseException? _parseError;
    private readonly object?[] _arguments;
    private readonly double? _timeLimitSeconds;
    private readonly AutoResetEvent _ended = new(false);
    private Pipeline? _pipeline;
    private bool _stopped;

    /// <summary>Takes <paramref name="runspace"/> (open) for the farm: defines its using variables and starts the pipeline.</summary>
    /// <exception cref="PSInvalidOperationException">The definition's CliXml cannot be read.</exception>
    public TaskRunspace(FarmDefinition definition, Runspace runspace)
    {
        _runspace = runspace;
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
        if (definition.UsingValues is not null && Unwrap(PSSerializer.Deserialize(definition.UsingValues)) is IDictionary values)
        {
            foreach (DictionaryEntry entry in values)
                _runspace.SessionStateProxy.SetVariable($"__using_{entry.Key}", entry.Value);
        }
        if (_script is not null)
            _pipeline = new Pipeline(_runspace, _script, _arguments, _ended);
    }

    /// <summary>Whether another task may run here: not stopped at a time limit, and open.</summary>
    public bool Usable => !_stopped && _runspace.RunspaceStateInfo.State == RunspaceState.Opened;

    /// <summary>Runs the script block with the task's input as <c>$_</c>.</summary>
    /// <exception cref="TaskAttemptException">A terminating error (Data: Errors, Output so far, ErrorType, the script's stack).</exception>
    /// <exception cref="TimeoutException"><paramref name="timeLimit"/> was cancelled before the script ended; it was stopped.</exception>
    public TaskOutput Run(FarmTask task, CancellationToken timeLimit)
    {
        if (_parseError is not null)
            throw Failure(_parseError.ErrorRecord, [], [], _parseError);
        var pipeline = _pipeline ??= new Pipeline(_runspace, _script!, _arguments, _ended);
        pipeline.Input.Add(task.Input is null ? null : PSSerializer.Deserialize(task.Input));
        switch (WaitHandle.WaitAny([_ended, pipeline.Invocation.AsyncWaitHandle, timeLimit.WaitHandle]))
        {
            case 0:
                return new TaskOutput(Serialize(pipeline.Output.ReadAll()), Serialize(pipeline.Shell.Streams.Error.ReadAll()), null, null);
            case 1:
                // The task ended the pipeline: a terminating error, or exit (or break) which ends it as a success.
                _pipeline = null;
                using (pipeline)
                {
                    try
                    {
                        pipeline.Shell.EndInvoke(pipeline.Invocation);
                    }
                    catch (RuntimeException exception)
                    {
                        var record = (exception as IContainsErrorRecord)?.ErrorRecord ?? new ErrorRecord(exception, "TaskFailed", ErrorCategory.NotSpecified, null);
                        throw Failure(record, pipeline.Shell.Streams.Error.ReadAll(), pipeline.Output.ReadAll(), exception);
                    }
                    return new TaskOutput(Serialize(pipeline.Output.ReadAll()), Serialize(pipeline.Shell.Streams.Error.ReadAll()), null, null);
                }
            default:
                _stopped = true;
                _pipeline = null;
                bool ended = pipeline.Shell.BeginStop(null, null).AsyncWaitHandle.WaitOne(StopGrace);
                // What the task wrote before its limit is read before the pipeline's collections are disposed.
                var timeout = new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"ran past its time limit of {_timeLimitSeconds} s"))
                    .With(TaskFarmContract.OutputProperty, Serialize(pipeline.Output.ReadAll()))
                    .With(TaskFarmContract.ErrorsProperty, Serialize(pipeline.Shell.Streams.Error.ReadAll()));
                // A pipeline that would not stop keeps its thread, and disposing it would wait for it forever.
                if (ended)
                    pipeline.Dispose();
                throw timeout;
        }
    }

    // The terminating error fails the attempt, described by its error record as pwsh shows it (and by the exception
    // that carries the record when the record's own only points back to it, as a parse error's does).
    private static TaskAttemptException Failure(ErrorRecord record, IList<ErrorRecord> errors, IList<PSObject> output, Exception exception) =>
        new TaskAttemptException(record.ToString(), WithoutWrapper(record.ScriptStackTrace), exception)
            .With(TaskFarmContract.ErrorTypeProperty, (record.Exception is ParentContainsErrorRecordException ? exception : record.Exception).GetType().FullName)
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

    /// <summary>Ends the pipeline and closes the runspace; one abandoned with a pipeline that would not stop is closed in the background.</summary>
    public void Dispose()
    {
        if (_stopped)
        {
            _ = Task.Run(_runspace.Dispose);
            return;
        }
        _pipeline?.Dispose();
        _runspace.Dispose();
        _ended.Dispose();
    }

    /// <summary>The wrapper running in the runspace, waiting for inputs.</summary>
    private sealed class Pipeline : IDisposable
    {
        public Pipeline(Runspace runspace, ScriptBlock script, object?[] arguments, AutoResetEvent ended)
        {
            Shell = System.Management.Automation.PowerShell.Create(runspace);
            Shell.AddScript(Wrapper, useLocalScope: true).AddParameter("__farmScript", script)
                .AddParameter("__farmArguments", arguments).AddParameter("__farmEnded", ended);
            Invocation = Shell.BeginInvoke(Input, Output);
        }

        public System.Management.Automation.PowerShell Shell { get; }

        public PSDataCollection<object?> Input { get; } = [];

        public PSDataCollection<PSObject> Output { get; } = [];

        public IAsyncResult Invocation { get; }

        public void Dispose()
        {
            Input.Complete();
            if (!Invocation.IsCompleted)
                Invocation.AsyncWaitHandle.WaitOne(StopGrace);
            Shell.Dispose();
            Input.Dispose();
            Output.Dispose();
        }
    }
}
