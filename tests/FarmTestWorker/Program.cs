// FarmTestWorker <farm.json>
// A small worker of the task-farm contract (MPI.Logging.TaskFarmContract), for program farms, that the launcher's
// tests run under mpiexec as they would the PowerShell worker: rank 0 reads the definition, hands the tasks out one
// at a time to the other ranks (runs them itself when it is alone) and logs one result record per task as it
// finishes. A task runs the farm's program with the task's arguments (no shell), its output, standard error and exit
// code kept; a task that exits non-zero is run again up to MaxRetries times; one past TaskTimeLimitSeconds is killed.
// Tests make a rank die by a task whose program kills its parent (the rank).
using System.Diagnostics;
using System.Text.Json;
using MPI;
using MPI.Logging;
using Serilog.Events;

const int TaskTag = 1, ResultTag = 2;
MPI.Environment.Run(world =>
{
    var log = RankLogging.Configure();
    if (world.Rank == 0)
    {
        var definition = TaskFarmContract.Read(args[0]);
        log.Information(TaskFarmContract.StartedTemplate, definition.Tasks.Count, 0);
        var pending = new Queue<FarmTask>(definition.Tasks);
        if (world.Size == 1)
        {
            while (pending.TryDequeue(out var task))
                Report(Run(definition, task, 0));
        }
        else
        {
            int busy = 0;
            for (int worker = 1; worker < world.Size; worker++)
                busy += Hand(worker) ? 1 : 0;
            while (busy > 0)
            {
                world.Receive(Communicator.anySource, ResultTag, out string result, out var status);
                Report(JsonSerializer.Deserialize<Result>(result)!);
                if (!Hand(status.Source))
                    busy--;
            }
        }

        // Gives a worker its next task, or tells it there is none (an empty message).
        bool Hand(int worker)
        {
            var next = pending.TryDequeue(out var task) ? JsonSerializer.Serialize(task) : "";
            world.Send(next, worker, TaskTag);
            return next.Length > 0;
        }

        void Report(Result result) => log
            .ForContext(TaskFarmContract.ElapsedProperty, result.Elapsed)
            .ForContext(TaskFarmContract.OutputProperty, result.Output)
            .ForContext(TaskFarmContract.StandardErrorProperty, result.StandardError)
            .ForContext(TaskFarmContract.ExitCodeProperty, result.ExitCode)
            .ForContext(TaskFarmContract.ErrorMessageProperty, result.ErrorMessage)
            .ForContext(TaskFarmContract.ErrorTypeProperty, result.ErrorType)
            .Write(result.Outcome == FarmOutcome.Completed ? LogEventLevel.Information : LogEventLevel.Error, TaskFarmContract.ResultTemplate,
                result.Index, result.Outcome.ToString(), result.Rank, result.Host, result.Attempts);
    }
    else
    {
        var definition = TaskFarmContract.Read(args[0]);
        while (world.Receive<string>(0, TaskTag) is { Length: > 0 } next)
            world.Send(JsonSerializer.Serialize(Run(definition, JsonSerializer.Deserialize<FarmTask>(next)!, world.Rank)), 0, ResultTag);
    }
    Serilog.Log.CloseAndFlush();
});

static Result Run(FarmDefinition definition, FarmTask task, int rank)
{
    Result result;
    int attempt = 0;
    do
    {
        attempt++;
        result = RunOnce(definition, task, rank) with { Attempts = attempt };
    }
    while (result.Outcome == FarmOutcome.Failed && attempt <= definition.MaxRetries);
    return result;
}

static Result RunOnce(FarmDefinition definition, FarmTask task, int rank)
{
    var failed = new Result(task.Index, FarmOutcome.Failed, rank, System.Environment.MachineName, 1, 0, null, null, null, null, null);
    if (definition.Kind != FarmKind.Program)
        return failed with { ErrorMessage = "This test worker runs program farms only.", ErrorType = typeof(NotSupportedException).FullName };
    var start = new ProcessStartInfo(definition.Program!) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in task.Arguments ?? [])
        start.ArgumentList.Add(argument);
    var clock = Stopwatch.StartNew();
    Process process;
    try
    {
        process = Process.Start(start)!;
    }
    catch (System.ComponentModel.Win32Exception e)
    {
        return failed with { ErrorMessage = $"{definition.Program} could not start: {e.Message}", ErrorType = e.GetType().FullName };
    }
    using (process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var limit = definition.TaskTimeLimitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return failed with
            {
                Elapsed = clock.Elapsed.TotalSeconds,
                ErrorMessage = $"ran past its time limit of {definition.TaskTimeLimitSeconds} s",
                ErrorType = typeof(TimeoutException).FullName,
            };
        }
        process.WaitForExit();
        var said = new Result(task.Index, process.ExitCode == 0 ? FarmOutcome.Completed : FarmOutcome.Failed, rank, System.Environment.MachineName, 1,
            clock.Elapsed.TotalSeconds, NullIfEmpty(output.Result), NullIfEmpty(error.Result), process.ExitCode, null, null);
        return process.ExitCode == 0 ? said : said with { ErrorMessage = $"exited with code {process.ExitCode}" };
    }
}

static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

/// <summary>One task's end, as a worker rank sends it to the coordinator.</summary>
internal sealed record Result(long Index, FarmOutcome Outcome, int Rank, string Host, int Attempts, double Elapsed,
    string? Output, string? StandardError, int? ExitCode, string? ErrorMessage, string? ErrorType);
