using System.Diagnostics;

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

    // The exception last thrown on each thread: what to name when one is found propagating.
    [ThreadStatic]
    private static Exception? _lastThrown;

    // "rank R of N", known from initialization on: MPI cannot be asked while it finalizes or after.
    private static string? _rankName;

    /// <summary>Aborts the job on an unhandled exception, and remembers what a propagating one was.</summary>
    public static void Install(int rank, int size)
    {
        _rankName = $"rank {rank} of {size}";
        AppDomain.CurrentDomain.UnhandledException +=
            (_, e) => AbortJob(e.ExceptionObject as Exception ?? new InvalidOperationException(e.ExceptionObject?.ToString()));
        AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            _lastThrown = e.Exception;
            _thrownCount++;
        };
    }

    /// <summary>
    /// The exception propagating through <paramref name="caller"/> (a <c>finally</c> block run while the stack unwinds
    /// towards a handler further out), thrown on this thread since <paramref name="since"/> (a
    /// <see cref="ThrownCount"/>); null when none is. An exception being handled (the caller is in a <c>catch</c>
    /// block) or one thrown before does not count.
    /// </summary>
    public static Exception? ExceptionInFlight(System.Diagnostics.StackFrame caller, long since)
    {
        if (_thrownCount <= since)
            return null;
        // Native AOT (no dynamic code) has no exception pointers and no IL offsets; its stack frames answer instead.
        bool propagating = System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported
            ? System.Runtime.InteropServices.Marshal.GetExceptionPointers() != IntPtr.Zero && !InCatchBlock(caller)
            : RunByExceptionDispatch(caller);
        return propagating ? _lastThrown ?? new InvalidOperationException("An exception of unknown type was propagating.") : null;
    }

    // Native AOT dispatches exceptions in managed code: a finally block run while an exception propagates is called by
    // System.Runtime.EH.InvokeSecondPass, which is then the frame right under the method the block belongs to (a catch
    // block is called by EH.DispatchEx; a block reached normally, by the program). The caller is found in the stack by
    // its instruction pointer, which stays that of its call until the call returns.
    private static bool RunByExceptionDispatch(System.Diagnostics.StackFrame caller)
    {
        var frames = new System.Diagnostics.StackTrace(false).GetFrames();
        for (int i = 0; i + 1 < frames.Length; i++)
        {
            if (frames[i].GetNativeIP() == caller.GetNativeIP())
                return System.Diagnostics.DiagnosticMethodInfo.Create(frames[i + 1]) is { DeclaringTypeName: "System.Runtime.EH", Name: "InvokeSecondPass" };
        }
        return false;
    }

    /// <summary>
    /// Aborts the job when an exception propagates through <paramref name="caller"/> (see
    /// <see cref="ExceptionInFlight"/>): the disposal of a collective object in a <c>finally</c> block would wait for
    /// ranks that never come. <paramref name="scope"/> names what the exception left, for the message.
    /// </summary>
    public static void AbortIfPropagating(System.Diagnostics.StackFrame caller, long since, string scope)
    {
        if (Environment.Initialized && !Environment.Finalized && ExceptionInFlight(caller, since) is { } propagating)
            AbortJob(propagating, propagating: true, scope);
    }

    /// <summary>How many exceptions were thrown on this thread so far.</summary>
    public static long ThrownCount => _thrownCount;

    [ThreadStatic]
    private static long _thrownCount;

    // Whether the call site is in a catch (or filter) handler of its method rather than a finally. Optimized code reports
    // the offset just before a handler for calls made in it, unoptimized code one inside it; the innermost handler wins.
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "Reached only on the JIT (ExceptionInFlight answers before it under Native AOT), where nothing is trimmed.")]
    private static bool InCatchBlock(System.Diagnostics.StackFrame caller)
    {
        int offset = caller.GetILOffset();
        if (offset < 0 || caller.GetMethod()?.GetMethodBody() is not { } body)
            return false;
        var handler = body.ExceptionHandlingClauses
            .Where(clause => (offset >= clause.HandlerOffset && offset < clause.HandlerOffset + clause.HandlerLength) || offset + 1 == clause.HandlerOffset)
            .OrderBy(clause => clause.HandlerLength)
            .FirstOrDefault();
        return handler?.Flags is System.Reflection.ExceptionHandlingClauseOptions.Clause or System.Reflection.ExceptionHandlingClauseOptions.Filter;
    }

    /// <summary>
    /// Prints the exception with the rank, then aborts the job with <see cref="UnhandledExceptionExitCode"/>.
    /// <paramref name="propagating"/>: the exception was not unhandled but left the environment's scope.
    /// </summary>
    public static void AbortJob(Exception exception, bool propagating = false, string scope = "MPI.Environment's scope")
    {
        // A second exception while aborting (another thread, or the abort itself) must not print twice.
        if (Interlocked.Exchange(ref _aborting, 1) != 0)
            return;
        var who = Who();
        Console.Out.Flush();
        // The structured record first, so the launcher learns the cause even if the abort cuts the rest short.
        if (propagating)
            Logging.RankLogging.ReportFatal(exception, "Exception left {Scope} on {Who}, aborting the job with exit code {ExitCode}", scope, who, UnhandledExceptionExitCode);
        else
            Logging.RankLogging.ReportFatal(exception, "Unhandled exception on {Who}, aborting the job with exit code {ExitCode}", who, UnhandledExceptionExitCode);
        var what = propagating ? $"exception left {scope}" : "unhandled exception";
        Console.Error.WriteLine($"[{who} on {System.Environment.MachineName}] {what}, aborting the job: {exception}");
        End(UnhandledExceptionExitCode, exiting: false);
    }

    /// <summary>
    /// The process exits with <paramref name="code"/> while MPI is active: says so and aborts the job with that code,
    /// so the ranks waiting for this one end too.
    /// </summary>
    public static void AbortOnExit(int code)
    {
        if (Interlocked.Exchange(ref _aborting, 1) != 0)
            return;
        var who = Who();
        Console.Out.Flush();
        Logging.RankLogging.ReportFatal(null, "{Who} exited with code {ExitCode} without finalizing MPI, aborting the job", who, code);
        Console.Error.WriteLine($"[{who} on {System.Environment.MachineName}] exited with code {code} without finalizing MPI, aborting the job.");
        // A process's exit status keeps the code's low 8 bits: 256 would tell mpiexec that all went well.
        End((code & 0xFF) != 0 ? code : 1, exiting: true);
    }

    /// <summary>A process that exited with code 0 without finalizing MPI still waits in MPI_Finalize.</summary>
    public static void WarnFinalizeWaits(TimeSpan waited) => Warn(
        "{Who} exited with code 0 without disposing MPI.Environment and has waited {Waited} in MPI_Finalize for the other ranks",
        [waited], $"exited with code 0 without disposing MPI.Environment and has waited {waited.TotalSeconds:0} s in " +
        "MPI_Finalize for the other ranks to finalize; a rank that leaves mid-job should exit with a non-zero code, which " +
        "aborts the job.");

    /// <summary>Says, at finalize, that this rank dropped <paramref name="bytes"/> of the payload of a serialized value (what follows its first 64 KiB) from <paramref name="source"/> that no receive took.</summary>
    public static void WarnDroppedPayload(int source, long bytes) => Warn(
        "{Who} dropped {Bytes} bytes of the payload of a serialized value from rank {Source} at finalize: no receive took them",
        [bytes, source], $"dropped {bytes} bytes of the payload of a serialized value from rank {source} at finalize: no " +
        "receive took them (the value's first 64 KiB were received as raw values into a buffer too small for them, or " +
        "never received).");

    /// <summary>Says that this rank has waited <paramref name="waited"/> at finalize for <paramref name="count"/> payload messages of serialized values it sent to be received.</summary>
    public static void WarnPayloadsNotReceived(TimeSpan waited, int count) => Warn(
        "{Who} has waited {Waited} at finalize for {Count} payload messages of serialized values it sent to be received",
        [waited, count], $"has waited {waited.TotalSeconds:0} s at finalize for {count} payload message(s) of serialized " +
        "values it sent to be received; a rank that received such a value's first 64 KiB as raw values on a communicator " +
        "it then disposed will never take them.");

    // A warning about this rank, to the launcher's log (template and values after {Who}) and to standard error.
    private static void Warn(string template, object?[] values, string text)
    {
        var who = Who();
        Logging.RankLogging.ReportWarning(template, [who, .. values]);
        Console.Error.WriteLine($"[{who} on {System.Environment.MachineName}] {text}");
    }

    private static string Who() => _rankName ?? "process " + System.Environment.ProcessId;

    // exiting: called as the process exits, which it goes on doing should the abort return.
    private static void End(int code, bool exiting)
    {
        Console.Error.Flush();
        var active = Environment.Initialized && !Environment.Finalized;
        // What was just written to standard error (the message above; records, on a node without the launcher's
        // filesystem) goes through mpiexec's forwarding, which Hydra stops as soon as the abort reaches it: give it a
        // moment to leave.
        if (active)
        {
            Thread.Sleep(200);
            Environment.Abort(code);
        }
        if (!exiting)
            System.Environment.Exit(code);
    }
}
