using MPI.Logging;

namespace MPI.PowerShell.TaskWorker;

/// <summary>Runs one attempt of a task on this rank: a script block in a runspace, or a program.</summary>
internal abstract class TaskRunner : IDisposable
{
    /// <summary>The runner for what <paramref name="definition"/>'s tasks run; <paramref name="early"/>: a runspace opened before the definition was known (<see cref="ScriptRunner.OpenEarly"/>).</summary>
    public static TaskRunner For(FarmDefinition definition, Task<System.Management.Automation.Runspaces.Runspace>? early) => definition.Kind switch
    {
        FarmKind.Program => new ProgramRunner(definition),
        _ => new ScriptRunner(definition, early),
    };

    /// <summary>
    /// Runs one attempt of <paramref name="task"/>; <paramref name="timeLimit"/> is cancelled when the attempt has run
    /// past the farm's time limit.
    /// </summary>
    /// <exception cref="TaskAttemptException">The attempt failed (its Data carries what it produced).</exception>
    /// <exception cref="TimeoutException">The attempt ran past its time limit.</exception>
    public abstract TaskOutput Run(FarmTask task, CancellationToken timeLimit);

    /// <summary>Releases what the runner holds (runspaces, running programs).</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>What a task that completed produced, sent from the rank that ran it to the coordinator.</summary>
/// <param name="Output">See <see cref="TaskFarmContract.OutputProperty"/>; null when there was none.</param>
/// <param name="Errors">See <see cref="TaskFarmContract.ErrorsProperty"/>; null when there were none.</param>
/// <param name="StandardError">See <see cref="TaskFarmContract.StandardErrorProperty"/>; null when there was none.</param>
/// <param name="ExitCode">A program's exit code; null for a script block.</param>
public sealed record TaskOutput(string? Output, string? Errors, string? StandardError, int? ExitCode);

/// <summary>
/// A failed attempt, as the worker describes it: <see cref="Exception.Data"/> holds its result properties under the
/// names of <see cref="TaskFarmContract"/> (as strings), which the farm carries to the coordinator; the stack trace is
/// the one of where it failed (a script's stack for a script block).
/// </summary>
public sealed class TaskAttemptException : Exception
{
    private readonly string? _stackTrace;

    /// <summary>An attempt that failed with <paramref name="message"/> (and no stack trace of its own).</summary>
    public TaskAttemptException(string message) : base(message) { }

    /// <summary>An attempt that failed with <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public TaskAttemptException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>An attempt that failed with <paramref name="message"/> at <paramref name="stackTrace"/>.</summary>
    public TaskAttemptException(string message, string? stackTrace, Exception? innerException) : base(message, innerException) =>
        _stackTrace = stackTrace;

    /// <summary>An attempt that failed (no message of its own).</summary>
    public TaskAttemptException() { }

    /// <summary>Where the attempt failed: the script's stack for a script block, else where this was thrown.</summary>
    public override string? StackTrace => _stackTrace ?? base.StackTrace;
}

/// <summary>
/// An attempt cut off because its rank was told to stop (the job is stopping): the task has no outcome of its own, so
/// none is reported, and it runs again when the farm is resumed.
/// </summary>
public sealed class TaskInterruptedException : Exception
{
    /// <summary>An attempt cut off by its rank stopping.</summary>
    public TaskInterruptedException() : base("The rank was told to stop while the task ran.") { }

    /// <summary>An attempt cut off by its rank stopping, described by <paramref name="message"/>.</summary>
    public TaskInterruptedException(string message) : base(message) { }

    /// <summary>An attempt cut off by its rank stopping, described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public TaskInterruptedException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>How a runner attaches what a failed attempt produced to the exception that fails it.</summary>
internal static class AttemptData
{
    /// <summary>Adds <paramref name="value"/> to the exception's Data under <paramref name="name"/> unless it is null; returns the exception.</summary>
    public static T With<T>(this T exception, string name, string? value) where T : Exception
    {
        if (value is not null)
            exception.Data[name] = value;
        return exception;
    }
}
