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
        Serilog.Log.Fatal(exception, "Unhandled exception on {Who}, aborting the job", who);
        Serilog.Log.CloseAndFlush();
        Console.Error.WriteLine($"[{who} on {System.Environment.MachineName}] unhandled exception, aborting the job: {exception}");
        Console.Error.Flush();
        // Records that travel on standard error (no record directory) go through mpiexec's forwarding, which Hydra
        // stops as soon as the abort reaches it: give what was just written a moment to leave the machine.
        if (Logging.RankLogging.UnderLauncher
            && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(Logging.JobContract.RecordDirectoryVariable)))
            Thread.Sleep(200);
        if (active)
            Environment.Abort(UnhandledExceptionExitCode);
        System.Environment.Exit(UnhandledExceptionExitCode);
    }
}
