using System.Diagnostics;
using System.Text;

namespace MPI.Launch;

/// <summary>How a program run by <see cref="ChildProcess.Run"/> ended and what it wrote.</summary>
/// <param name="ExitCode">The exit code; null when the program was killed at its deadline.</param>
/// <param name="Output">Its standard output (what arrived by the end).</param>
/// <param name="Error">Its standard error (what arrived by the end).</param>
/// <param name="TimedOut">Whether it was still running at the deadline (then it was killed).</param>
/// <param name="LeftBehind">How many processes it left holding its output after it ended (these were killed).</param>
public sealed record ChildResult(int? ExitCode, string Output, string Error, bool TimedOut, int LeftBehind);

/// <summary>
/// Runs a helper program (a host probe through ssh, sbatch, squeue...) to its end under a deadline, with an argument
/// list, never a shell line. Its output is read while it runs, and reading stops shortly after it exits: a process it
/// left in the background holding its stdout or stderr (ssh's ControlPersist master after a dropped connection does)
/// cannot hold the caller past the deadline, as waiting for end-of-file on those pipes would.
/// </summary>
/// <remarks>
/// Everything the program starts carries a marker variable in its environment. What still holds its pipes once it
/// has exited (or everything, at the deadline) was started for this run and has no one left to read it: it is killed.
/// A process that detached from the pipes (closed or redirected them) is left alone.
/// </remarks>
public static class ChildProcess
{
    /// <summary>The environment variable that marks the processes of one run.</summary>
    public const string MarkerVariable = "SPMD_CHILD_RUN";

    /// <summary>
    /// How long the end of the program's output is waited for after it exited, before what still holds its pipes (a
    /// process it left running) is killed. Without such a process the end comes at once; the bound is generous
    /// because this process's readers may be slow to run on a loaded machine.
    /// </summary>
    public static readonly TimeSpan Drain = TimeSpan.FromSeconds(2);

    // Once the holders are killed the pipes end, and what is buffered in them is still read; only a holder that
    // escaped the marker makes the reads be given up, after this.
    private static readonly TimeSpan LastDrain = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="arguments"/>, standard input closed, and returns within
    /// about <paramref name="deadline"/> (plus <see cref="Drain"/>) whatever the program and its descendants do.
    /// </summary>
    /// <param name="program">The program (a path, or a name looked up on PATH).</param>
    /// <param name="arguments">Its arguments, each passed as is.</param>
    /// <param name="deadline">How long it may run before it and everything it started are killed.</param>
    /// <param name="environment">Variables to set (a null value removes the variable).</param>
    /// <param name="workingDirectory">Where it runs (default: the current directory).</param>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    public static ChildResult Run(string program, IEnumerable<string> arguments, TimeSpan deadline,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        var marker = Guid.NewGuid().ToString("N");
        start.Environment[MarkerVariable] = marker;
        using var process = new Process { StartInfo = start };
        process.Start();
        process.StandardInput.Close();
        var output = new StringBuilder();
        var error = new StringBuilder();
        var readers = new[] { Pump(process.StandardOutput, output), Pump(process.StandardError, error) };
        // Without reading redirected output through events, this returns when the process exits, not at end-of-file.
        bool exited = process.WaitForExit(deadline);
        if (!exited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended just now.
            }
        }
        int leftBehind = 0;
        if (!Task.WaitAll(readers, Drain))
        {
            // Someone still holds the pipes: a descendant the program left running. It was started for this run only.
            leftBehind = KillMarked(marker);
            Task.WaitAll(readers, LastDrain);
        }
        else if (!exited)
        {
            KillMarked(marker);
        }
        process.WaitForExit(Drain);
        int? code = exited ? process.ExitCode : null;
        lock (output)
        {
            lock (error)
                return new ChildResult(code, output.ToString(), error.ToString(), !exited, leftBehind);
        }
    }

    // Reads a pipe to its end on a thread of its own: blocked pool threads (callers waiting for their children) must not
    // starve the reads, or output that had arrived would be given up. A read that never ends (a holder of the pipe that
    // escaped the marker) keeps only its thread.
    private static Task Pump(StreamReader reader, StringBuilder text)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var buffer = new char[4096];
            try
            {
                int read;
                while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
                {
                    lock (text)
                        text.Append(buffer, 0, read);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The pipe broke: what arrived is kept.
            }
            done.TrySetResult();
        })
        { IsBackground = true, Name = "child output" };
        thread.Start();
        return done.Task;
    }

    // Processes carrying this run's marker: kill them, and say how many there were.
    private static int KillMarked(string marker)
    {
        var found = new HashSet<int>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var marked = ProcessIdentity.WithEnvironment(MarkerVariable, marker).ToList();
            if (marked.Count == 0)
                break;
            foreach (int processId in marked)
            {
                found.Add(processId);
                _ = Signals.Send(processId, Signals.Kill);
            }
            Thread.Sleep(50);
        }
        return found.Count;
    }
}
