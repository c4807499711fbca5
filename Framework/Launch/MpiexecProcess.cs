using System.Diagnostics;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// A job's mpiexec process: started with the job's command (arguments as a list, variables in its environment, the
/// job id and exit channel too, so everything it starts carries them), standard input closed, its output read line
/// by line; asked to stop with SIGTERM, killed with everything it started after a grace period or at once.
/// </summary>
internal sealed class MpiexecProcess : IDisposable
{
    private readonly Process _process;

    /// <summary>Starts <paramref name="command"/> for job <paramref name="jobId"/>, whose ranks report their end on <paramref name="exitChannel"/>.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">mpiexec could not be started.</exception>
    public MpiexecProcess(MpiexecCommand command, string jobId, string exitChannel)
    {
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
            start.ArgumentList.Add(argument);
        // mpiexec itself carries the job id too, so the sweep at the end finds everything the job started.
        start.Environment[JobContract.JobIdVariable] = jobId;
        start.Environment[JobContract.ExitChannelVariable] = exitChannel;
        // The variables' values: the arguments only name them.
        foreach (var (name, value) in command.Environment)
            start.Environment[name] = value;
        // Terminal-mode escapes from .NET's console would end up in the logs.
        start.Environment.Remove("TERM");
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        try
        {
            _process.Start();
            _process.StandardInput.Close();
        }
        catch
        {
            _process.Dispose();
            throw;
        }
    }

    /// <summary>mpiexec's exit code (once <see cref="ReadOutput"/>'s task has completed).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Hands each line mpiexec writes to <paramref name="line"/> with the pipe it came on ("stdout" or "stderr"), the
    /// two pipes read concurrently; completes once both have ended and mpiexec has exited.
    /// </summary>
    public Task ReadOutput(Action<string, string> line)
    {
        var readers = new[] { Pump(_process.StandardOutput, "stdout", line), Pump(_process.StandardError, "stderr", line) };
        return Task.Run(async () =>
        {
            await Task.WhenAll(readers).ConfigureAwait(false);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        });
    }

    /// <summary>Asks mpiexec to end the job (it forwards SIGTERM to the ranks), and kills everything after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        // If mpiexec is already gone, so much the better.
        _ = Signals.Send(_process.Id, Signals.Terminate);
        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillAll();
        }
    }

    /// <summary>Kills mpiexec and every process it started on this machine.</summary>
    public void KillAll()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // mpiexec has ended already; the sweep at the end takes what it left.
        }
    }

    /// <summary>Frees the process handle.</summary>
    public void Dispose() => _process.Dispose();

    private static async Task Pump(StreamReader reader, string pipe, Action<string, string> line)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } text)
            line(text, pipe);
    }
}
