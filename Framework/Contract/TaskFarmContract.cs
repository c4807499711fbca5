using System.Text.Json;
using System.Text.Json.Serialization;

namespace MPI.Logging;

/// <summary>
/// What the launcher of a task farm and the farm's worker program (<see cref="WorkerProgram"/>, started by mpiexec on
/// every rank) agree on. The launcher writes a <see cref="FarmDefinition"/> (the unfinished tasks) as JSON to a file in
/// the job's directory and passes its path as the worker's only argument. The lowest rank that can read that file
/// (the launcher's machine, or a filesystem shared with it) coordinates: it hands the tasks out over MPI and sends one
/// <see cref="ResultTemplate"/> record per finished task through the ordinary record channel (see
/// <see cref="JobContract"/>), so a result is in the launcher's hands, and then in the job store, as soon as it exists,
/// even if the job dies a moment later.
/// </summary>
public static class TaskFarmContract
{
    /// <summary>The worker program's file name (a .NET program, run with dotnet), shipped beside the module.</summary>
    public const string WorkerProgram = "spmd-taskworker.dll";

    /// <summary>The name of the farm definition file in a job's directory.</summary>
    public const string DefinitionFile = "farm.json";

    /// <summary>
    /// The record the coordinator sends when a task has finished for good (completed, or failed after its last
    /// attempt), with the properties named below. Its level is Information for a completed task, Error for a failed one.
    /// </summary>
    public const string ResultTemplate = "Task {TaskIndex} {Outcome} on rank {TaskRank} ({TaskHost}) after {Attempts} attempt(s)";

    /// <summary>
    /// The record the coordinator sends once it has read the definition and every rank is ready, with
    /// <see cref="TaskCountProperty"/> and <see cref="CoordinatorProperty"/>.
    /// </summary>
    public const string StartedTemplate = "Farm of {TaskCount} task(s) started, coordinated by rank {Coordinator}";

    /// <summary>The property holding a task's index (long, 0-based, the task's place in the whole farm's input).</summary>
    public const string TaskIndexProperty = "TaskIndex";

    /// <summary>The property holding <see cref="FarmOutcome"/>'s name.</summary>
    public const string OutcomeProperty = "Outcome";

    /// <summary>The property holding the rank (int, in MPI_COMM_WORLD) that ran the task's last attempt.</summary>
    public const string TaskRankProperty = "TaskRank";

    /// <summary>The property holding the host name where the task's last attempt ran.</summary>
    public const string TaskHostProperty = "TaskHost";

    /// <summary>The property holding how many times the task was run (int, 1 + retries).</summary>
    public const string AttemptsProperty = "Attempts";

    /// <summary>The property holding how long the task's last attempt ran (double, seconds).</summary>
    public const string ElapsedProperty = "Elapsed";

    /// <summary>
    /// The property holding the task's output: for a script block, the CliXml serialization (PSSerializer, depth
    /// <see cref="SerializationDepth"/>) of the object[] it wrote to its output stream; for a program, its standard
    /// output as text. Absent when there was none.
    /// </summary>
    public const string OutputProperty = "Output";

    /// <summary>
    /// The property holding a script block's error records (CliXml of an ErrorRecord[]: the non-terminating errors it
    /// wrote, then the terminating one if it failed). Absent when there were none.
    /// </summary>
    public const string ErrorsProperty = "Errors";

    /// <summary>The property holding a program's standard error as text. Absent when there was none.</summary>
    public const string StandardErrorProperty = "StandardError";

    /// <summary>The property holding a program's exit code (int). Absent for script blocks and for a program that was never started.</summary>
    public const string ExitCodeProperty = "ExitCode";

    /// <summary>For a failed task: what went wrong, one message (the exception's message, "exited with code 3", "ran past its time limit of 5 s").</summary>
    public const string ErrorMessageProperty = "ErrorMessage";

    /// <summary>For a failed task: the full name of the exception type that failed it, on the rank that ran it.</summary>
    public const string ErrorTypeProperty = "ErrorType";

    /// <summary>For a failed task: the stack trace on the rank that ran it (the script's stack for a script block), when there is one.</summary>
    public const string RemoteStackTraceProperty = "RemoteStackTrace";

    /// <summary>The property holding the number of tasks in a <see cref="StartedTemplate"/> record (int).</summary>
    public const string TaskCountProperty = "TaskCount";

    /// <summary>The property holding the coordinating rank in a <see cref="StartedTemplate"/> record (int).</summary>
    public const string CoordinatorProperty = "Coordinator";

    /// <summary>How deep objects are serialized (CliXml), as PowerShell remoting does by default.</summary>
    public const int SerializationDepth = 1;

    /// <summary>The JSON settings of the definition file (camelCase names, enums as strings).</summary>
    /// <remarks>Source-generated (<see cref="FarmJson"/>), so reading and writing it needs no reflection (Native AOT).</remarks>
    public static JsonSerializerOptions JsonOptions { get; } = FarmJson.Default.Options;

    /// <summary>Writes <paramref name="definition"/> to <paramref name="path"/> (replacing it) as JSON.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, FarmDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(definition);
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, definition, FarmJson.Default.FarmDefinition);
    }

    /// <summary>Reads the definition file at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="JsonException">The file does not hold a farm definition.</exception>
    public static FarmDefinition Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize(stream, FarmJson.Default.FarmDefinition)
            ?? throw new JsonException($"{path} holds no farm definition.");
    }
}

/// <summary>The farm definition's JSON contract, generated at compile time: camelCase names, enums as strings.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, WriteIndented = false)]
[JsonSerializable(typeof(FarmDefinition))]
internal sealed partial class FarmJson : JsonSerializerContext;

/// <summary>What a farm's tasks run.</summary>
public enum FarmKind
{
    /// <summary>A PowerShell script block, once per input, in a runspace on the rank (no pwsh needed there).</summary>
    ScriptBlock,

    /// <summary>A program, once per input, with that task's argument list (never through a shell).</summary>
    Program,
}

/// <summary>How a task ended for good.</summary>
public enum FarmOutcome
{
    /// <summary>It ran to its end (a script block without a terminating error; a program that exited with 0).</summary>
    Completed,

    /// <summary>Its last attempt failed: a terminating error, a non-zero exit code, its time limit, or a program that could not start.</summary>
    Failed,
}

/// <summary>The farm definition file: what every task runs, the tasks still to run, and the limits.</summary>
public sealed record FarmDefinition
{
    /// <summary>What the tasks run.</summary>
    public required FarmKind Kind { get; init; }

    /// <summary>
    /// For <see cref="FarmKind.ScriptBlock"/>: the script block's text, with each <c>$using:name</c> already rewritten to
    /// <c>$__using_name</c> (the worker defines those variables from <see cref="UsingValues"/>); <c>$_</c> and
    /// <c>$PSItem</c> are the task's input.
    /// </summary>
    public string? Script { get; init; }

    /// <summary>For a script block: CliXml of a hashtable from each using variable's name (without <c>$using:</c>) to its value.</summary>
    public string? UsingValues { get; init; }

    /// <summary>For a script block: CliXml of an object[] passed as its arguments (<c>$args</c>, or its param block).</summary>
    public string? ArgumentList { get; init; }

    /// <summary>For <see cref="FarmKind.Program"/>: the program's path (each task gives its own arguments).</summary>
    public string? Program { get; init; }

    /// <summary>How many more times a failed task is run (0: none).</summary>
    public int MaxRetries { get; init; }

    /// <summary>A task's attempt fails when it runs longer (seconds); null for no limit.</summary>
    public double? TaskTimeLimitSeconds { get; init; }

    /// <summary>How many tasks go to a rank at a time (1: one by one; 0: chosen by the farm).</summary>
    public int ChunkSize { get; init; } = 1;

    /// <summary>The tasks to run (only the unfinished ones of a resumed or restarted farm), in index order.</summary>
    public IReadOnlyList<FarmTask> Tasks { get; init; } = [];
}

/// <summary>One task of a farm.</summary>
/// <param name="Index">The task's index in the whole farm's input (0-based): results are reported under it.</param>
/// <param name="Input">For a script block: CliXml of the input object (<c>$_</c>).</param>
/// <param name="Arguments">For a program: this task's arguments (the template with each <c>{}</c> replaced by the input).</param>
public sealed record FarmTask(long Index, string? Input = null, IReadOnlyList<string>? Arguments = null);
