using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MPI.Logging;

namespace MPI.PowerShell.TaskWorker;

/// <summary>
/// Runs a farm's program, once per task, with the task's arguments (an argument list, never a shell line), capturing
/// its standard output and error and its exit code. A program still running when its time limit passes, or when this
/// rank is told to stop or exits, is killed with every process it started.
/// </summary>
internal sealed partial class ProgramRunner : TaskRunner
{
    // How long output is still read after the program exited: a process it left behind may hold the pipes open.
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(5);

    private static readonly Lock Gate = new();
    private static readonly HashSet<Process> Running = [];
    private static bool _ending;
    private static PosixSignalRegistration? _termination;

    private readonly string _program;
    private readonly double? _timeLimitSeconds;

    public ProgramRunner(FarmDefinition definition)
    {
        _program = definition.Program!;
        _timeLimitSeconds = definition.TaskTimeLimitSeconds;
        lock (Gate)
        {
            if (_termination is null)
            {
                // SIGTERM: mpiexec ending the job. The framework's handler reports it; the process then exits.
                _termination = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => KillAll());
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            }
        }
    }

    /// <inheritdoc/>
    public override TaskOutput Run(FarmTask task, CancellationToken timeLimit)
    {
        var start = new ProcessStartInfo(_program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in task.Arguments ?? [])
            start.ArgumentList.Add(argument);
        using var process = Start(start);
        try
        {
            process.StandardInput.Close();
            // Both pipes at once: a program that fills one while the other is not read would wait forever.
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            bool timedOut = false;
            try
            {
                process.WaitForExitAsync(timeLimit).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (timeLimit.IsCancellationRequested)
            {
                timedOut = true;
                Kill(process);
                process.WaitForExit();
            }
            Task.WhenAll(output, error).Wait(Drain, CancellationToken.None);
            string? stdout = Text(output), stderr = Text(error);
            if (timedOut)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"ran past its time limit of {_timeLimitSeconds} s"))
                    .With(TaskFarmContract.OutputProperty, stdout)
                    .With(TaskFarmContract.StandardErrorProperty, stderr);
            }
            bool interrupted;
            lock (Gate)
                interrupted = _ending;
            // Killed because the rank was told to stop (the job is stopping): no outcome of the task's own.
            if (interrupted && process.ExitCode != 0)
                throw new TaskInterruptedException();
            if (process.ExitCode != 0)
            {
                throw new TaskAttemptException(string.Create(CultureInfo.InvariantCulture, $"exited with code {process.ExitCode}"))
                    .With(TaskFarmContract.OutputProperty, stdout)
                    .With(TaskFarmContract.StandardErrorProperty, stderr)
                    .With(TaskFarmContract.ExitCodeProperty, process.ExitCode.ToString(CultureInfo.InvariantCulture));
            }
            return new TaskOutput(stdout, null, stderr, process.ExitCode);
        }
        finally
        {
            lock (Gate)
                Running.Remove(process);
        }
    }

    private Process Start(ProcessStartInfo start)
    {
        lock (Gate)
        {
            // A program started after the rank was told to stop would outlive it.
            if (_ending)
                throw new TaskInterruptedException();
            CloseOnExec();
            try
            {
                var process = Process.Start(start)!;
                Running.Add(process);
                return process;
            }
            catch (Win32Exception exception)
            {
                throw new TaskAttemptException($"Program {_program} could not be started on {System.Environment.MachineName}: {exception.Message}", exception)
                    .With(TaskFarmContract.ErrorTypeProperty, exception.GetType().FullName);
            }
        }
    }

    // The MPI library opens descriptors (its sockets, mpiexec's pipes) that a program would inherit: one that outlives
    // its task (a daemon) would then hold mpiexec open after the job ended. .NET's own are close-on-exec already.
    private static void CloseOnExec()
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), out int descriptor) && descriptor > 2)
            {
                int flags = Fcntl(descriptor, GetDescriptorFlags, 0);
                if (flags >= 0 && (flags & CloseOnExecFlag) == 0)
                    _ = Fcntl(descriptor, SetDescriptorFlags, flags | CloseOnExecFlag);
            }
        }
    }

    private const int GetDescriptorFlags = 1, SetDescriptorFlags = 2, CloseOnExecFlag = 1; // F_GETFD, F_SETFD, FD_CLOEXEC

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int descriptor, int command, int argument);

    private static string? Text(Task<string> read) =>
        read.IsCompletedSuccessfully && read.Result.Length > 0 ? read.Result : null;

    private static void KillAll()
    {
        lock (Gate)
        {
            _ending = true;
            foreach (var process in Running)
                Kill(process);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception exception) when (exception is InvalidOperationException or Win32Exception)
        {
            // It ended on its own meanwhile.
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        KillAll();
        base.Dispose();
    }
}
