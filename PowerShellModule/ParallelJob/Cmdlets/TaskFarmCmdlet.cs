using System.Management.Automation;
using MPI.Launch;
using MPI.Logging;

namespace MPI.PowerShell;

/// <summary>
/// The parameters of a task farm, shared by the cmdlets that start or submit one: what each task runs (a script
/// block, or a program with an argument template), the inputs, and the farm's limits.
/// </summary>
public abstract class TaskFarmCmdlet : JobOptionsCmdlet
{
    /// <summary>The parameter sets: a script block per input, or a program per input.</summary>
    protected const string ScriptBlockSet = "ScriptBlock", ProgramSet = "Program";

    private readonly List<PSObject?> _inputs = [];

    /// <summary><para>The script block each task runs, with the task's input as $_ (or $PSItem). $using:name reads a variable of this session (its value serialized, as remoting does). Text is parsed as a script block; one that does not parse is refused before anything starts.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptBlockSet)]
    [ScriptBlockTransformation]
    public ScriptBlock ScriptBlock { get; set; } = ScriptBlock.Create("");

    /// <summary><para>The program each task runs (a path, or a name on PATH of the hosts), with the arguments of -ArgumentTemplate; never through a shell.</para></summary>
    [Parameter(Mandatory = true, ParameterSetName = ProgramSet)]
    [Alias("FilePath")]
    public string Program { get; set; } = "";

    /// <summary><para>The program's arguments, in which {} stands for the task's input (also inside an argument: --size={}); without {} the input is the last argument.</para></summary>
    [Parameter(Position = 0, ParameterSetName = ProgramSet)]
    public string[] ArgumentTemplate { get; set; } = [];

    /// <summary><para>The inputs, one task each, from the pipeline or given here (an array gives one task per element).</para></summary>
    [Parameter(ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public PSObject?[] InputObject { get; set; } = [];

    /// <summary><para>Arguments passed to the script block of every task ($args, or its param block), serialized as remoting does.</para></summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    [Alias("Args")]
    public object?[] ArgumentList { get; set; } = [];

    /// <summary><para>How many tasks run at once: the farm's ranks (each runs one task at a time). By default as many as the hosts have slots, or this machine's CPU count.</para></summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    [Alias("Ranks")]
    public int ThrottleLimit { get; set; }

    /// <summary><para>How many more times a failed task is run (a terminating error, a non-zero exit code, its time limit); 0 by default. A task may so run more than once.</para></summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxRetries { get; set; }

    /// <summary><para>A task's attempt fails when it runs longer than this (then it is retried, up to -MaxRetries).</para></summary>
    [Parameter]
    public TimeSpan? TaskTimeLimit { get; set; }

    /// <summary><para>How many times the farm restarts by itself, on the hosts that still answer, after a rank or host was lost (1 by default); only unfinished tasks run again.</para></summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxRestarts { get; set; } = 1;

    /// <summary><para>How many tasks go to a rank at a time (1 by default; 0 lets the farm choose from the task count and the ranks). Larger chunks make tiny tasks faster.</para></summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int ChunkSize { get; set; } = 1;

    /// <summary>Gathers the inputs from the pipeline (or -InputObject).</summary>
    protected override void ProcessRecord() => _inputs.AddRange(InputObject ?? [null]);

    /// <summary>
    /// The farm the parameters describe, on <paramref name="hosts"/> (ranks default to <paramref name="defaultRanks"/>),
    /// or null after writing the error that refused it: a $using: variable not defined, an input that cannot be
    /// serialized, a time limit that is not positive.
    /// </summary>
    protected TaskFarmSpec? FarmSpec(IReadOnlyList<HostSlots> hosts, int defaultRanks)
    {
        if (Build(this, Request()) is not { } definition)
            return null;
        return new TaskFarmSpec
        {
            Job = Spec(TaskFarmJob.DefaultWorker, [], ThrottleLimit > 0 ? ThrottleLimit : defaultRanks, hosts),
            Definition = definition,
            MaxRestarts = MaxRestarts,
        };
    }

    /// <summary>What -WhatIf and -Confirm name: the tasks and what they run.</summary>
    protected string Describe(TaskFarmSpec spec) => Request().Describe(spec);

    /// <summary>The inputs as the job's tasks keep them: the objects given (not their PSObject wrappers, but for custom objects).</summary>
    protected IReadOnlyList<object?> InputValues() => Request().InputValues();

    private FarmRequest Request() => new(ParameterSetName == ProgramSet ? null : ScriptBlock, ParameterSetName == ProgramSet ? PathOrName(Program) : null,
        ArgumentTemplate, _inputs, ArgumentList, MaxRetries, TaskTimeLimit, ChunkSize);

    /// <summary>
    /// The definition of the farm <paramref name="request"/> describes, or null after <paramref name="cmdlet"/> wrote
    /// the error that refused it (nothing is started then).
    /// </summary>
    internal static FarmDefinition? Build(PSCmdlet cmdlet, FarmRequest request)
    {
        if (request.TaskTimeLimit is { } limit && limit <= TimeSpan.Zero)
        {
            cmdlet.WriteError(Error(new PSArgumentException($"A task's time limit must be positive, not {limit}."),
                "InvalidTaskTimeLimit", ErrorCategory.InvalidArgument, limit, "Give a positive time span, or leave -TaskTimeLimit out for none."));
            return null;
        }
        var definition = new FarmDefinition
        {
            Kind = request.ScriptBlock is null ? FarmKind.Program : FarmKind.ScriptBlock,
            MaxRetries = request.MaxRetries,
            TaskTimeLimitSeconds = request.TaskTimeLimit?.TotalSeconds,
            ChunkSize = request.ChunkSize,
        };
        var tasks = new List<FarmTask>(request.Inputs.Count);
        for (int i = 0; i < request.Inputs.Count; i++)
        {
            if (Serialized(cmdlet, request.Inputs, i) is not { } xml)
                return null;
            tasks.Add(request.ScriptBlock is null
                ? new FarmTask(i, xml, TaskFarmSpec.ExpandTemplate(request.ArgumentTemplate, LanguagePrimitives.ConvertTo<string>(request.Inputs[i]) ?? ""))
                : new FarmTask(i, xml));
        }
        definition = definition with { Tasks = tasks };
        if (request.ScriptBlock is null)
            return definition with { Program = request.Program };
        FarmScript script;
        try
        {
            script = FarmScript.Prepare(request.ScriptBlock, cmdlet.SessionState);
        }
        catch (ItemNotFoundException e)
        {
            cmdlet.WriteError(Error(e, "UsingVariableNotFound", ErrorCategory.ObjectNotFound, request.ScriptBlock, "Define the variable in this scope before starting the farm, or remove $using: from it."));
            return null;
        }
        catch (ParseException e)
        {
            cmdlet.WriteError(Error(e, "ScriptBlockParseError", ErrorCategory.ParserError, request.ScriptBlock, "Correct the script block so that it parses."));
            return null;
        }
        cmdlet.WriteVerbose($"Script run on the ranks: {script.Script}");
        string? arguments;
        try
        {
            arguments = request.ArgumentList.Count == 0 ? null : FarmScript.Serialize(request.ArgumentList.ToArray());
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            cmdlet.WriteError(Error(new PSArgumentException($"The argument list cannot be serialized: {e.Message}", e),
                "ArgumentListNotSerializable", ErrorCategory.InvalidArgument, request.ArgumentList, "Pass values PowerShell can serialize (as for remoting)."));
            return null;
        }
        return definition with { Script = script.Script, UsingValues = script.UsingValues, ArgumentList = arguments };
    }

    // The CliXml of input i, or null after an error record naming its position.
    private static string? Serialized(PSCmdlet cmdlet, IReadOnlyList<PSObject?> inputs, int index)
    {
        try
        {
            return FarmScript.Serialize(inputs[index]);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            cmdlet.WriteError(Error(new PSArgumentException($"Input {index} cannot be serialized, so no task was started: {e.Message}", e),
                "InputNotSerializable", ErrorCategory.InvalidData, inputs[index], "Pass values PowerShell can serialize (as for remoting), e.g. their properties with Select-Object."));
            return null;
        }
    }
}

/// <summary>What a farm runs, as the parameters of Start-ParallelTaskJob or Submit-ParallelBatchJob give it.</summary>
/// <param name="ScriptBlock">The script block of each task; null for a program farm.</param>
/// <param name="Program">The program of each task (a full path, or a name on PATH); null for a script block farm.</param>
/// <param name="ArgumentTemplate">The program's arguments, {} standing for the input.</param>
/// <param name="Inputs">One input per task, in order.</param>
/// <param name="ArgumentList">The script block's arguments.</param>
/// <param name="MaxRetries">More attempts of a failed task.</param>
/// <param name="TaskTimeLimit">The limit of each attempt.</param>
/// <param name="ChunkSize">Tasks per message (0: automatic).</param>
internal sealed record FarmRequest(ScriptBlock? ScriptBlock, string? Program, IReadOnlyList<string> ArgumentTemplate, IReadOnlyList<PSObject?> Inputs,
    IReadOnlyList<object?> ArgumentList, int MaxRetries, TimeSpan? TaskTimeLimit, int ChunkSize)
{
    /// <summary>What -WhatIf and -Confirm name: the tasks and what they run.</summary>
    public string Describe(TaskFarmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var what = ScriptBlock is null ? $"{Program} {string.Join(' ', ArgumentTemplate)}" : "{" + ScriptBlock + "}";
        return $"{spec.Definition.Tasks.Count} task(s) of {what.Trim()} on {spec.Job.Ranks} rank(s)";
    }

    /// <summary>The inputs as the job's tasks keep them: the objects given (not their PSObject wrappers, but for custom objects).</summary>
    public IReadOnlyList<object?> InputValues() =>
        [.. Inputs.Select(input => input is null || input.ImmediateBaseObject is PSCustomObject ? (object?)input : input.BaseObject)];
}

/// <summary>Turns text given where a script block is expected into one, refusing text that does not parse with its parse errors.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ScriptBlockTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>The script block of <paramref name="inputData"/> when it is text; anything else as it is.</summary>
    /// <exception cref="ArgumentTransformationMetadataException">The text does not parse.</exception>
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        if ((inputData is PSObject wrapped ? wrapped.BaseObject : inputData) is not string text)
            return inputData;
        try
        {
            return FarmScript.Parse(text);
        }
        catch (ParseException e)
        {
            throw new ArgumentTransformationMetadataException($"The script block does not parse: {e.Message}", e);
        }
    }
}
