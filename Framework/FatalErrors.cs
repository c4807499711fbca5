using MPI.Native;

namespace MPI;

/// <summary>
/// What happens to an exception that escapes a rank: it is printed with the rank and host, then the whole job is
/// aborted with a non-zero code so that no other rank waits forever for this one.
/// </summary>
internal static class FatalErrors
{
    /// <summary>The exit code of a job aborted by an unhandled exception.</summary>
    public const int UnhandledExceptionExitCode = 1;

    private static int _aborting;

    public static void Install() => AppDomain.CurrentDomain.UnhandledException +=
        (_, e) => AbortJob(e.ExceptionObject as Exception ?? new InvalidOperationException(e.ExceptionObject?.ToString()));

    public static void AbortJob(Exception exception)
    {
        // A second exception while aborting (another thread, or the abort itself) must not print twice.
        if (Interlocked.Exchange(ref _aborting, 1) != 0)
            return;
        var active = Environment.Initialized && !Environment.Finalized;
        var who = active
            ? $"rank {Communicator.world.Rank} of {Communicator.world.Size}"
            : "process " + System.Environment.ProcessId;
        Console.Out.Flush();
        // The structured record first (when logging is set up), so the launcher learns the cause even if the
        // abort cuts the rest short.
        Serilog.Log.Fatal(exception, "Unhandled exception on {Who}, aborting the job with exit code {ExitCode}", who, UnhandledExceptionExitCode);
        Serilog.Log.CloseAndFlush();
        Console.Error.WriteLine($"[{who} on {System.Environment.MachineName}] unhandled exception, aborting the job: {exception}");
        Console.Error.Flush();
        // What was just written to standard error (the message above; records, on a node without the launcher's
        // filesystem) goes through mpiexec's forwarding, which Hydra stops as soon as the abort reaches it: give it a
        // moment to leave.
        if (active)
            Thread.Sleep(200);
        if (active)
            Environment.Abort(UnhandledExceptionExitCode);
        System.Environment.Exit(UnhandledExceptionExitCode);
    }
}
