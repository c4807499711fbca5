using System.Diagnostics;
using System.Text;

namespace Tests.Support;

/// <summary>Runs a program to its end with an argument list (never a shell line) and gives back what it said.</summary>
public static class Command
{
    /// <summary>How long output still arriving after a program exited is waited for.</summary>
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(2);

    /// <summary>How a program ended and what it wrote.</summary>
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public List<string> Lines => [.. Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>Runs <paramref name="program"/>; fails the test when it does not end within <paramref name="timeout"/> (3 minutes).</summary>
    public static Result Run(string program, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // Terminal escapes from .NET programs would end up in what is compared.
        start.Environment.Remove("TERM");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var (exited, output, error) = Collect(process, timeout ?? TimeSpan.FromMinutes(3));
        if (!exited)
            NUnit.Framework.Assert.Fail($"{program} {string.Join(' ', arguments)} did not end in time");
        var result = new Result(process.ExitCode, output, error);
        // Indented, so that what a command printed (test.sh's own summary and FAILED lines, say) is not read as the
        // suite's when the log is searched.
        var printed = string.Join('\n', $"{result.Output}{result.Error}".TrimEnd('\n').Split('\n').Select(line => "  | " + line));
        NUnit.Framework.TestContext.Out.WriteLine($"{program}: exit {result.ExitCode}\n{printed}");
        return result;
    }

    /// <summary>
    /// Reads a started process's stdout and stderr until it exits (killed with its tree at <paramref name="timeout"/>),
    /// then for a short while longer: a daemon or helper it left holding the pipes (cluster.sh's daemons, a rank's
    /// helper) cannot hold the caller, as waiting for end-of-file would. Leftovers are not this method's to end.
    /// </summary>
    public static (bool Exited, string Output, string Error) Collect(Process process, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(process);
        var output = new StringBuilder();
        var error = new StringBuilder();
        var readers = new[] { Pump(process.StandardOutput, output), Pump(process.StandardError, error) };
        // Without reading through events, this returns when the process exits, not at end-of-file.
        bool exited = process.WaitForExit(timeout);
        if (!exited)
            process.Kill(entireProcessTree: true);
        Task.WaitAll(readers, Drain);
        process.WaitForExit(Drain);
        lock (output)
        {
            lock (error)
                return (exited, output.ToString(), error.ToString());
        }
    }

    // Each pipe is read on a thread of its own, so blocked pool threads cannot starve the reads; a read that a leftover
    // holder keeps open keeps only its thread.
    private static Task Pump(StreamReader reader, StringBuilder text)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            var buffer = new char[4096];
            try
            {
                for (int read; (read = reader.Read(buffer, 0, buffer.Length)) > 0;)
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
        { IsBackground = true }.Start();
        return done.Task;
    }
}
