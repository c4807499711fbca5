using System.Globalization;

namespace MPI;

/// <summary>
/// A task of a <see cref="TaskFarm{TInput, TResult}"/> failed: its function threw (on whichever rank ran it), its
/// input or result could not be serialized, or it ran past <see cref="TaskFarmOptions.TaskTimeLimit"/>, on its last
/// attempt. The one exception type of every task failure; the remote exception itself does not travel, its type
/// name, message, stack trace and string-valued <see cref="Exception.Data"/> entries do.
/// </summary>
public sealed class TaskFailedException : Exception
{
    /// <summary>A failure with no task behind it (for serializers and tests); prefer the farm's own.</summary>
    public TaskFailedException() : this("A task failed.") { }

    /// <summary>A failure described by <paramref name="message"/> alone.</summary>
    public TaskFailedException(string message) : this(message, null) { }

    /// <summary>A failure described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public TaskFailedException(string message, Exception? innerException) : base(message, innerException)
    {
        Host = "";
        RemoteExceptionType = innerException?.GetType().FullName ?? "";
        RemoteData = new Dictionary<string, string>();
    }

    internal TaskFailedException(long taskIndex, int rank, string host, int attempts, string remoteType,
        string remoteMessage, string? remoteStackTrace, IReadOnlyDictionary<string, string> remoteData)
        : base(string.Format(CultureInfo.InvariantCulture, "Task {0} failed on rank {1} ({2}) after {3} attempt(s): {4}",
            taskIndex, rank, host, attempts, remoteMessage))
    {
        TaskIndex = taskIndex;
        Rank = rank;
        Host = host;
        Attempts = attempts;
        RemoteExceptionType = remoteType;
        RemoteMessage = remoteMessage;
        RemoteStackTrace = remoteStackTrace;
        RemoteData = remoteData;
    }

    /// <summary>The task's index: its place in the Map/MapUnordered input (0-based); for Submit, the farm's count of submitted tasks before it.</summary>
    public long TaskIndex { get; }

    /// <summary>The rank (in the farm's communicator) that ran the failed attempt.</summary>
    public int Rank { get; }

    /// <summary>The name of the host that ran the failed attempt.</summary>
    public string Host { get; }

    /// <summary>How many times the task was run (1 plus the retries used).</summary>
    public int Attempts { get; }

    /// <summary>The full name of the exception's type on the rank that ran the task (<c>System.TimeoutException</c> for the time limit).</summary>
    public string RemoteExceptionType { get; }

    /// <summary>The remote exception's message.</summary>
    public string RemoteMessage { get; } = "";

    /// <summary>The remote exception's stack trace (<see cref="Exception.StackTrace"/> on the rank that ran the task), when there was one.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>The string-valued entries of the remote exception's <see cref="Exception.Data"/> (keys as strings).</summary>
    public IReadOnlyDictionary<string, string> RemoteData { get; }

    /// <summary>This exception as <see cref="Exception.ToString"/> shows it, followed by the remote exception's type, message and stack trace.</summary>
    public override string ToString() => RemoteStackTrace is null
        ? base.ToString()
        : $"{base.ToString()}{System.Environment.NewLine}   --- {RemoteExceptionType} on rank {Rank} ({Host}): {RemoteMessage}{System.Environment.NewLine}{RemoteStackTrace}";
}
