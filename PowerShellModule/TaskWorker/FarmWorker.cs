using System.Globalization;
using System.Text.Json;
using MPI.Logging;
using Serilog.Events;

namespace MPI.PowerShell.TaskWorker;

/// <summary>
/// What every rank of a PowerShell task farm does: agree on the coordinator (the lowest rank that can read the
/// definition file), learn what the tasks run, then run them with the C# farm, the coordinator computing too, so the
/// number of ranks is the number of tasks running at once. The coordinator reports each task's final outcome as one
/// <see cref="TaskFarmContract.ResultTemplate"/> record as soon as it has it.
/// </summary>
internal static class FarmWorker
{
    /// <summary>
    /// Runs this rank's part of the farm defined in <paramref name="definitionPath"/> (collective); script blocks run in
    /// <paramref name="early"/> first when this rank started opening a runspace before MPI (see <see cref="ScriptRunner.OpenEarly"/>).
    /// </summary>
    /// <exception cref="IOException">No rank can read the definition file.</exception>
    /// <exception cref="InvalidDataException">The definition file does not hold a usable farm definition.</exception>
    public static void Run(Intracommunicator world, string definitionPath, Task<System.Management.Automation.Runspaces.Runspace>? early, Serilog.ILogger log)
    {
        int coordinator = ChooseCoordinator(world, definitionPath);
        var definition = ShareDefinition(world, coordinator, definitionPath);
        using var runner = TaskRunner.For(definition, early);
        var options = new TaskFarmOptions
        {
            Coordinator = coordinator,
            CoordinatorComputes = true,
            MaxRetries = definition.MaxRetries,
            TaskTimeLimit = definition.TaskTimeLimitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            ChunkSize = definition.ChunkSize,
        };
        using var farm = TaskFarm<FarmTask, TaskOutput>.Start(world, runner.Run, options);
        if (!farm.IsCoordinator)
            return;
        log.Information(TaskFarmContract.StartedTemplate, definition.Tasks.Count, coordinator);
        foreach (var result in farm.MapUnordered(definition.Tasks).ToBlockingEnumerable())
            Report(log, result);
    }

    // Every rank says whether it can open the file; the lowest that can coordinates.
    private static int ChooseCoordinator(Intracommunicator world, string definitionPath)
    {
        string? problem = null;
        try
        {
            using var _ = File.OpenRead(definitionPath);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            problem = exception.Message;
        }
        int coordinator = world.Allreduce(problem is null ? world.Rank : int.MaxValue, Operation<int>.Min);
        if (coordinator == int.MaxValue)
            throw new IOException(
                $"No rank of the farm can read its definition file {definitionPath} ({problem}); the first host must see the launcher's filesystem.");
        return coordinator;
    }

    // The coordinator reads the whole definition; the others need only what the tasks run, not the tasks themselves.
    private static FarmDefinition ShareDefinition(Intracommunicator world, int coordinator, string definitionPath)
    {
        FarmDefinition? definition = null;
        string shared = "";
        if (world.Rank == coordinator)
        {
            definition = Read(definitionPath);
            shared = JsonSerializer.Serialize(definition with { Tasks = [] }, TaskFarmContract.JsonOptions);
        }
        world.Broadcast(ref shared, coordinator);
        definition ??= JsonSerializer.Deserialize<FarmDefinition>(shared, TaskFarmContract.JsonOptions)!;
        Validate(definition, definitionPath);
        return definition;
    }

    private static FarmDefinition Read(string definitionPath)
    {
        try
        {
            return TaskFarmContract.Read(definitionPath);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"The farm definition file {definitionPath} is not valid: {exception.Message}", exception);
        }
    }

    private static void Validate(FarmDefinition definition, string definitionPath)
    {
        string? missing = definition.Kind switch
        {
            FarmKind.ScriptBlock when string.IsNullOrEmpty(definition.Script) => "script",
            FarmKind.Program when string.IsNullOrEmpty(definition.Program) => "program",
            _ => null,
        };
        if (missing is not null)
            throw new InvalidDataException($"The farm definition file {definitionPath} is of kind {definition.Kind} but names no {missing}.");
        if (definition.MaxRetries < 0 || definition.ChunkSize < 0 || definition.TaskTimeLimitSeconds <= 0)
            throw new InvalidDataException(
                $"The farm definition file {definitionPath} has a negative retry count or chunk size, or a time limit that is not positive.");
    }

    // One record per task, with exactly the contract's properties; absent ones are left out.
    private static void Report(Serilog.ILogger log, TaskResult<FarmTask, TaskOutput> result)
    {
        // A task cut off by the job stopping has no result: saved, it would keep a resumed farm from running it again.
        if (result.Exception?.RemoteExceptionType == typeof(TaskInterruptedException).FullName)
            return;
        var properties = new List<(string Name, object Value)>
        {
            (TaskFarmContract.ElapsedProperty, result.Elapsed.TotalSeconds),
        };
        void Add(string name, object? value)
        {
            if (value is not null)
                properties.Add((name, value));
        }
        if (result.Succeeded)
        {
            var output = result.Value!;
            Add(TaskFarmContract.OutputProperty, output.Output);
            Add(TaskFarmContract.ErrorsProperty, output.Errors);
            Add(TaskFarmContract.StandardErrorProperty, output.StandardError);
            Add(TaskFarmContract.ExitCodeProperty, output.ExitCode);
        }
        else
        {
            var failure = result.Exception!;
            var data = failure.RemoteData;
            Add(TaskFarmContract.OutputProperty, data.GetValueOrDefault(TaskFarmContract.OutputProperty));
            Add(TaskFarmContract.ErrorsProperty, data.GetValueOrDefault(TaskFarmContract.ErrorsProperty));
            Add(TaskFarmContract.StandardErrorProperty, data.GetValueOrDefault(TaskFarmContract.StandardErrorProperty));
            if (data.TryGetValue(TaskFarmContract.ExitCodeProperty, out var exitCode))
                Add(TaskFarmContract.ExitCodeProperty, int.Parse(exitCode, CultureInfo.InvariantCulture));
            Add(TaskFarmContract.ErrorMessageProperty, data.GetValueOrDefault(TaskFarmContract.ErrorMessageProperty) ?? failure.RemoteMessage);
            Add(TaskFarmContract.ErrorTypeProperty, data.GetValueOrDefault(TaskFarmContract.ErrorTypeProperty) ?? failure.RemoteExceptionType);
            Add(TaskFarmContract.RemoteStackTraceProperty, data.GetValueOrDefault(TaskFarmContract.RemoteStackTraceProperty) ?? failure.RemoteStackTrace);
        }
        var logger = log;
        foreach (var (name, value) in properties)
            logger = logger.ForContext(name, value);
        logger.Write(result.Succeeded ? LogEventLevel.Information : LogEventLevel.Error, TaskFarmContract.ResultTemplate,
            result.Input.Index, (result.Succeeded ? FarmOutcome.Completed : FarmOutcome.Failed).ToString(), result.Rank, result.Host, result.Attempts);
    }
}
