using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// One task's result as the farm saved it (a line of its results file), from the worker's
/// <see cref="TaskFarmContract.ResultTemplate"/> record.
/// </summary>
/// <param name="Index">The task's index in the farm (0-based).</param>
/// <param name="Outcome">Whether it completed or failed (after its retries).</param>
/// <param name="Attempts">How many times it was run in the attempt that finished it (1 + retries).</param>
/// <param name="Rank">The rank (in that attempt's MPI_COMM_WORLD) that ran its last try, when said.</param>
/// <param name="Host">The host that ran its last try, when said.</param>
/// <param name="Elapsed">How long its last try ran, in seconds.</param>
/// <param name="Output">Its output: CliXml of the objects a script block wrote, or a program's standard output; null for none.</param>
/// <param name="Errors">A script block's error records (CliXml); null for none.</param>
/// <param name="StandardError">A program's standard error; null for none.</param>
/// <param name="ExitCode">A program's exit code; null for a script block or a program that never started.</param>
/// <param name="ErrorMessage">For a failed task: what went wrong.</param>
/// <param name="ErrorType">For a failed task: the full name of the exception type that failed it.</param>
/// <param name="RemoteStackTrace">For a failed task: the stack trace where it ran, when there is one.</param>
/// <param name="AttemptId">The id of the farm's attempt (a job of the store) that ran it.</param>
public sealed record FarmTaskResult(long Index, FarmOutcome Outcome, int Attempts, int? Rank, string? Host, double Elapsed,
    string? Output, string? Errors, string? StandardError, int? ExitCode, string? ErrorMessage, string? ErrorType, string? RemoteStackTrace, string AttemptId)
{
    /// <summary>
    /// The result a worker's <see cref="TaskFarmContract.ResultTemplate"/> record of attempt <paramref name="attemptId"/>
    /// holds; null for any other record, or one without a task index or outcome.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static FarmTaskResult? FromRecord(LogRecord record, string attemptId)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(attemptId);
        var properties = record.Properties;
        if (record.Template != TaskFarmContract.ResultTemplate
            || Number(properties, TaskFarmContract.TaskIndexProperty) is not { } index
            || !Enum.TryParse<FarmOutcome>(Text(properties, TaskFarmContract.OutcomeProperty), ignoreCase: false, out var outcome))
            return null;
        return new FarmTaskResult((long)index, outcome,
            (int)(Number(properties, TaskFarmContract.AttemptsProperty) ?? 1),
            (int?)Number(properties, TaskFarmContract.TaskRankProperty),
            Text(properties, TaskFarmContract.TaskHostProperty),
            Number(properties, TaskFarmContract.ElapsedProperty) ?? 0,
            Text(properties, TaskFarmContract.OutputProperty),
            Text(properties, TaskFarmContract.ErrorsProperty),
            Text(properties, TaskFarmContract.StandardErrorProperty),
            (int?)Number(properties, TaskFarmContract.ExitCodeProperty),
            Text(properties, TaskFarmContract.ErrorMessageProperty),
            Text(properties, TaskFarmContract.ErrorTypeProperty),
            Text(properties, TaskFarmContract.RemoteStackTraceProperty),
            attemptId);
    }

    private static double? Number(IReadOnlyDictionary<string, object?> properties, string name) =>
        properties.TryGetValue(name, out var value) ? value switch
        {
            long integer => integer,
            double real => real,
            string text when double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        } : null;

    private static string? Text(IReadOnlyDictionary<string, object?> properties, string name) =>
        properties.TryGetValue(name, out var value) ? value as string : null;
}

/// <summary>A task farm's progress and history, in its manifest (<see cref="JobManifest.Farm"/>).</summary>
/// <param name="TaskCount">How many tasks the farm has.</param>
/// <param name="Completed">How many have completed (saved results).</param>
/// <param name="Failed">How many have failed after their retries (saved results).</param>
/// <param name="Restarts">How many times the farm was started again by itself after a rank or host was lost.</param>
/// <param name="Attempts">The ids of the farm's attempts (jobs of the store, one mpiexec run each), oldest first.</param>
public sealed record FarmSummary(int TaskCount, int Completed, int Failed, int Restarts, IReadOnlyList<string> Attempts)
{
    /// <summary>How many automatic restarts the farm may use (per run: a resumed farm gets them again).</summary>
    public int MaxRestarts { get; init; }

    /// <summary>How many tasks have no result yet.</summary>
    public int Unfinished => TaskCount - Completed - Failed;
}
