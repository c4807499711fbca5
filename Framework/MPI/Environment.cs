using System.Text;
using MPI.Native;

namespace MPI;

/// <summary>
/// The MPI environment of this process: initializes MPI on construction and finalizes it on disposal. Nested
/// environments are allowed; only the first initializes, and MPI cannot be initialized again once finalized.
/// </summary>
public sealed unsafe class Environment : IDisposable
{
    private static Threading _providedThreading;
    // Exceptions thrown on the creating thread before this environment: none of them can propagate out of its scope.
    private readonly long _thrownBefore;
    // Whether this environment initialized MPI: only that one finalizes it (nested ones leave it running).
    private readonly bool _initialized;
    private static string? _libraryVersion;
    private static System.Runtime.InteropServices.PosixSignalRegistration? _termination;
    private static volatile bool _terminated;

    /// <summary>Initializes MPI with <see cref="Threading.Serialized"/> support (MPI_Init_thread).</summary>
    /// <param name="args">The program's arguments (MPI.NET's form; not passed to MPI, which reads its own from the launcher).</param>
    /// <exception cref="ObjectDisposedException">MPI was already finalized in this process.</exception>
    /// <exception cref="MpiLibraryException">No usable MPI library, or one that does not match the launcher.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public Environment(ref string[] args) : this(ref args, Threading.Serialized) { }

    /// <summary>
    /// Initializes MPI (MPI_Init_thread), asking for the given thread support level; <see cref="Threading"/> then
    /// tells the level granted, which may be lower. Sets MPI_ERRORS_RETURN on MPI_COMM_WORLD and MPI_COMM_SELF, so MPI
    /// errors become exceptions, and sets <see cref="Communicator.world"/> and <see cref="Communicator.self"/>. When
    /// MPI is already initialized, this environment is nested and does nothing.
    /// </summary>
    /// <param name="args">The program's arguments (MPI.NET's form; not passed to MPI, which reads its own from the launcher).</param>
    /// <param name="threading">The thread support level to ask for.</param>
    /// <exception cref="ObjectDisposedException">MPI was already finalized in this process.</exception>
    /// <exception cref="MpiLibraryException">No usable MPI library, or one that does not match the launcher.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public Environment(ref string[] args, Threading threading)
    {
        _ = args;
        _thrownBefore = FatalErrors.ThrownCount;
        if (Finalized)
            throw new ObjectDisposedException(nameof(Environment),
                "MPI has already been finalized in this process and cannot be initialized again.");
        if (Initialized)
            return;
        _initialized = true;
        Mpi.Load();
        var abi = Mpi.Abi;
        LibrarySettings.BeforeInit(abi.Kind);
        int provided = 0;
        Mpi.Check(Mpi.Init_thread(null, null, ToNative(threading), &provided));
        _providedThreading = FromNative(provided);
        Communicator.world = new Intracommunicator(CommHandle.Adopt(abi.CommWorld), predefined: true);
        Communicator.self = new Intracommunicator(CommHandle.Adopt(abi.CommSelf), predefined: true);
        RefuseForeignLauncher();
        FatalErrors.Install(Communicator.world.Rank, Communicator.world.Size);
        Logging.RankLogging.ReportStartToLauncher();
        // mpiexec ends a failed or stopped job's ranks with SIGTERM, on which .NET exits through the handlers below:
        // finalizing then would wait for peers that are going too, until mpiexec gives up and kills the rank.
        int rank = Communicator.world.Rank;
        _termination = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, _ =>
            {
                _terminated = true;
                Logging.RankLogging.ReportTerminationToLauncher(rank);
            });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => EndAtProcessExit();
        // After the handler above, so the launcher hears "finished" before the exit code.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (!_terminated)
                Logging.RankLogging.ReportExitToLauncher(rank);
        };
    }

    /// <summary>
    /// Finalizes MPI unless it already is or this environment is nested in the one that initialized it. Disposed while an exception propagates out of its <c>using</c> block
    /// (even one caught further out), it aborts the whole job instead, as an uncaught exception does: finalizing
    /// would wait forever for the ranks still waiting for this one. Finalizing is MPI_Finalize, after the
    /// framework's own buffered sends complete; it waits for every other rank to finalize too.
    /// </summary>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public void Dispose()
    {
        if (Initialized && !Finalized && FatalErrors.ExceptionInFlight(new System.Diagnostics.StackFrame(1), _thrownBefore) is { } propagating)
            FatalErrors.AbortJob(propagating, propagating: true);
        if (_initialized)
            FinalizeIfActive();
    }

    /// <summary>
    /// Initializes MPI (MPI_Init_thread, <see cref="Threading.Serialized"/>) with this process's command line, runs
    /// <paramref name="action"/> on the world communicator and finalizes MPI (MPI_Finalize). With
    /// <paramref name="cleanupEnvironment"/>, an exception that escapes the action is printed with the rank and
    /// aborts the whole job (MPI_Abort); without it, MPI is left initialized and the exception propagates.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">MPI was already finalized in this process.</exception>
    /// <exception cref="MpiLibraryException">No usable MPI library, or one that does not match the launcher.</exception>
    public static void Run(Action<Intracommunicator> action, bool cleanupEnvironment = true)
    {
        var args = System.Environment.GetCommandLineArgs();
        Run(ref args, Threading.Serialized, action, cleanupEnvironment);
    }

    /// <summary>As <see cref="Run(Action{Intracommunicator}, bool)"/>, with <paramref name="args"/> (MPI.NET's form; not passed to MPI).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">MPI was already finalized in this process.</exception>
    /// <exception cref="MpiLibraryException">No usable MPI library, or one that does not match the launcher.</exception>
    public static void Run(ref string[] args, Action<Intracommunicator> action, bool cleanupEnvironment = true) =>
        Run(ref args, Threading.Serialized, action, cleanupEnvironment);

    /// <summary>
    /// As <see cref="Run(Action{Intracommunicator}, bool)"/>, asking MPI for the <paramref name="threading"/> level
    /// (see <see cref="Threading"/> for what was granted).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">MPI was already finalized in this process.</exception>
    /// <exception cref="MpiLibraryException">No usable MPI library, or one that does not match the launcher.</exception>
    public static void Run(ref string[] args, Threading threading, Action<Intracommunicator> action,
        bool cleanupEnvironment = true)
    {
        ArgumentNullException.ThrowIfNull(action);
        var environment = new Environment(ref args, threading);
        if (!cleanupEnvironment)
        {
            action(Communicator.world);
            return;
        }
        try
        {
            action(Communicator.world);
        }
#pragma warning disable CA1031 // Any exception must abort the job rather than leave the other ranks waiting.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            FatalErrors.AbortJob(exception);
        }
        environment.Dispose();
    }

    /// <summary>
    /// Aborts every process of the job (MPI_Abort on the world communicator) after flushing this process's console
    /// output; <paramref name="errorCode"/> becomes the job's exit code where the implementation passes it on.
    /// </summary>
    /// <exception cref="InvalidOperationException">MPI is not initialized (no <see cref="Environment"/> was created).</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static void Abort(int errorCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Mpi.Check(Mpi.Abort(Mpi.Abi.CommWorld, errorCode));
    }

    /// <summary>Whether MPI has been initialized in this process (MPI_Initialized; false before the library is loaded). Stays true after finalize.</summary>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static bool Initialized
    {
        get
        {
            if (!Mpi.IsLoaded)
                return false;
            int flag = 0;
            Mpi.Check(Mpi.Initialized(&flag));
            return flag != 0;
        }
    }

    /// <summary>Whether MPI has been finalized in this process (MPI_Finalized; false before the library is loaded).</summary>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static bool Finalized
    {
        get
        {
            if (!Mpi.IsLoaded)
                return false;
            int flag = 0;
            Mpi.Check(Mpi.Finalized(&flag));
            return flag != 0;
        }
    }

    /// <summary>
    /// The thread support level MPI granted (MPI_Init_thread's <c>provided</c>), which may be lower than the level
    /// asked for; <see cref="Threading.Single"/> before MPI is initialized. To stop unless a level was granted, call
    /// <see cref="RequireThreading"/>.
    /// </summary>
    /// <remarks>
    /// The level is a promise the program makes, not one the framework checks: calling MPI from two threads at
    /// once under <see cref="Threading.Serialized"/> or less is undefined behaviour in MPI (crashes, lost or
    /// mismatched messages) and is not detected, since detecting it would cost an atomic operation in every call.
    /// </remarks>
    public static Threading Threading => _providedThreading;

    /// <summary>
    /// Throws unless MPI granted at least <paramref name="required"/> thread support (MPI's levels are ordered
    /// Single &lt; Funneled &lt; Serialized &lt; Multiple). A program that calls MPI from several threads at once calls
    /// <c>Environment.RequireThreading(Threading.Multiple)</c> right after initializing with that level: MPI may grant
    /// less without an error, and <see cref="Threading"/> alone is easy to forget to read.
    /// </summary>
    /// <param name="required">The least level the program can run with.</param>
    /// <exception cref="InvalidOperationException">MPI is not initialized (no <see cref="Environment"/> was created).</exception>
    /// <exception cref="ThreadingNotProvidedException">MPI granted less than <paramref name="required"/>; the message names
    /// both levels, the library and what to do.</exception>
    public static void RequireThreading(Threading required)
    {
        if (!Initialized)
            throw new InvalidOperationException(
                "MPI is not initialized, so no thread support level has been granted yet: create an MPI.Environment first.");
        if (_providedThreading < required)
            throw new ThreadingNotProvidedException(required, _providedThreading, $"{Mpi.LibraryName} ({LibraryVersionLine})");
    }

    /// <summary>Whether the calling thread is the one that initialized MPI (MPI_Is_thread_main).</summary>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    /// <exception cref="InvalidOperationException">No MPI library is loaded yet (no <see cref="Environment"/> was created).</exception>
    public static bool IsMainThread
    {
        get
        {
            Mpi.RequireLoaded();
            int flag = 0;
            Mpi.Check(Mpi.Is_thread_main(&flag));
            return flag != 0;
        }
    }

    /// <summary>The name of the processor (usually the host name) this rank runs on (MPI_Get_processor_name).</summary>
    /// <exception cref="InvalidOperationException">MPI is not initialized (no <see cref="Environment"/> was created).</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static string ProcessorName
    {
        get
        {
            var buffer = stackalloc byte[Mpi.Abi.MaxProcessorName + 1];
            int length = 0;
            Mpi.Check(Mpi.Get_processor_name(buffer, &length));
            return Encoding.UTF8.GetString(buffer, length);
        }
    }

    /// <summary>
    /// Wall-clock time in seconds since an arbitrary point in the past (MPI_Wtime); compare two readings of the same
    /// process, or of different ranks only when <see cref="IsTimeGlobal"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No MPI library is loaded yet (no <see cref="Environment"/> was created).</exception>
    public static double Time
    {
        get
        {
            Mpi.RequireLoaded();
            return Mpi.Wtime();
        }
    }

    /// <summary>The resolution of <see cref="Time"/> in seconds (MPI_Wtick).</summary>
    /// <exception cref="InvalidOperationException">No MPI library is loaded yet (no <see cref="Environment"/> was created).</exception>
    public static double TimeResolution
    {
        get
        {
            Mpi.RequireLoaded();
            return Mpi.Wtick();
        }
    }

    /// <summary>Whether <see cref="Time"/> is synchronized across all ranks (the MPI_WTIME_IS_GLOBAL attribute of MPI_COMM_WORLD).</summary>
    /// <exception cref="InvalidOperationException">MPI is not initialized (no <see cref="Environment"/> was created).</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static bool IsTimeGlobal => WorldAttribute(Mpi.Abi.KeyWtimeIsGlobal) is { } value && value != 0;

    /// <summary>
    /// The largest tag value a message may carry (the MPI_TAG_UB attribute of MPI_COMM_WORLD; at least 32767). Tags
    /// go from 0 to this value.
    /// </summary>
    /// <exception cref="InvalidOperationException">MPI is not initialized (no <see cref="Environment"/> was created).</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static int MaxTag => WorldAttribute(Mpi.Abi.KeyTagUpperBound) ?? 32767;

    /// <summary>The rank of the host process in the world communicator (the MPI_HOST attribute), or null when there is none.</summary>
    /// <exception cref="InvalidOperationException">MPI is not initialized (no <see cref="Environment"/> was created).</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static int? HostRank => RankAttribute(Mpi.Abi.KeyHost);

    /// <summary>
    /// The rank of a process that can do regular I/O (the MPI_IO attribute), or null when none can;
    /// <see cref="Communicator.anySource"/> when every process can.
    /// </summary>
    /// <exception cref="InvalidOperationException">MPI is not initialized (no <see cref="Environment"/> was created).</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static int? IORank => RankAttribute(Mpi.Abi.KeyIO);

    /// <summary>
    /// The MPI library's own version text (MPI_Get_library_version), possibly several lines; loads the library if
    /// needed, so it works before MPI is initialized. Read once per process.
    /// </summary>
    /// <exception cref="MpiLibraryException">No usable MPI library.</exception>
    public static string LibraryVersion
    {
        get
        {
            if (_libraryVersion is null)
            {
                Mpi.Load();
                var buffer = new byte[Mpi.Abi.MaxLibraryVersionString + 1];
                int length = 0;
                fixed (byte* p = buffer)
                    Mpi.Check(Mpi.Get_library_version(p, &length));
                _libraryVersion = Encoding.UTF8.GetString(buffer, 0, length).TrimEnd('\0', '\n', ' ');
            }
            return _libraryVersion;
        }
    }

    /// <summary>The first line of <see cref="LibraryVersion"/>, e.g. "Open MPI v4.1.4, ...".</summary>
    /// <exception cref="MpiLibraryException">No usable MPI library.</exception>
    public static string LibraryVersionLine => LibraryVersion.Split('\n', 2)[0].Trim();

    /// <summary>Which ABI the loaded library speaks; loads the library if needed (no MPI call).</summary>
    /// <exception cref="MpiLibraryException">No usable MPI library.</exception>
    public static MpiAbiKind AbiKind
    {
        get
        {
            Mpi.Load();
            return Mpi.Abi.Kind;
        }
    }

    /// <summary>The file name of the loaded MPI library (as it was opened, e.g. <c>libmpi.so.40</c>); loads it if needed.</summary>
    /// <exception cref="MpiLibraryException">No usable MPI library.</exception>
    public static string LibraryName
    {
        get
        {
            Mpi.Load();
            return Mpi.LibraryName;
        }
    }

    /// <summary>
    /// The exception this library throws for an MPI error code (as MPI.NET's method of the same name):
    /// <see cref="MessageTruncatedException"/>, <see cref="MpiArgumentException"/> or <see cref="MpiException"/> by
    /// the code's error class (MPI_Error_class), with the library's text (MPI_Error_string). Returned, not thrown.
    /// </summary>
    /// <exception cref="InvalidOperationException">No MPI library is loaded yet (no <see cref="Environment"/> was created).</exception>
    public static Exception TranslateErrorIntoException(int errorCode) => ErrorTranslation.ToException(errorCode);

    // The process exits while MPI is still active: Environment.Exit, or a return from Main, without disposing the
    // environment. A non-zero code means this rank gave up mid-job, and the others may be waiting for it: the job is
    // aborted with that code. Code 0 is taken as the program's end: MPI is finalized, which waits for every other
    // rank to finalize too, saying so if that takes long, since a rank that leaves mid-job with 0 makes the others
    // wait for ever.
    private static void EndAtProcessExit()
    {
        if (!Initialized || Finalized || _terminated)
            return;
        int code = System.Environment.ExitCode;
        if (code != 0)
            FatalErrors.AbortOnExit(code);
        using var patience = new Timer(_ => FatalErrors.WarnFinalizeWaits(FinalizeWarningDelay), null,
            FinalizeWarningDelay, Timeout.InfiniteTimeSpan);
        FinalizeIfActive();
    }

    private static readonly TimeSpan FinalizeWarningDelay = TimeSpan.FromSeconds(10);

    private static void FinalizeIfActive()
    {
        if (!Initialized || Finalized || _terminated)
            return;
        Console.Out.Flush();
        // The finish is reported once this rank's serialized payloads are received: until then it is still communicating.
        DetachedSends.CompleteAtFinalize(Communicator.world, Logging.RankLogging.ReportFinishToLauncher, FatalErrors.WarnDroppedPayload,
            FatalErrors.WarnPayloadsNotReceived);
        SelfSends.DropUnreceived();
        ForgottenWindows.FreeAll();
        Reductions.FreeAll();
        Datatypes.FreeCreated();
        int rank = Communicator.world.Rank;
        Communicator.world.FreeShadow();
        Communicator.self.FreeShadow();
        Mpi.Check(Mpi.Finalize());
        Logging.RankLogging.ReportFinalizedToLauncher(rank);
    }

    // A library started by the other implementation's mpiexec initializes as a singleton: N ranks that each
    // believe they are alone. Stop instead of computing a wrong answer N times.
    private static void RefuseForeignLauncher()
    {
        var expected = LibraryLocator.LauncherWorldSize();
        if (expected is not > 1 || Communicator.world.Size != 1)
            return;
        var launcher = LibraryLocator.DetectLauncher(out var evidence);
        var message =
            $"MPI library mismatch: this process was started by {LibraryLocator.LauncherDisplayName(launcher)} " +
            $"({evidence}) but loaded {Mpi.LibraryName} ({LibraryVersionLine}), which sees a world of 1 rank; " +
            $"every rank would run alone. Start the program with the mpiexec of the library it loads, or set " +
            $"{LibraryLocator.LibraryVariable} to the library of the mpiexec that started it.";
        Mpi.Finalize();
        throw new MpiLibraryException(message);
    }

    private static int? WorldAttribute(int key)
    {
        void* value = null;
        int flag = 0;
        Mpi.Check(Mpi.Comm_get_attr(Mpi.Abi.CommWorld, key, &value, &flag));
        return flag != 0 && value != null ? *(int*)value : null;
    }

    private static int? RankAttribute(int key) =>
        WorldAttribute(key) is { } rank && rank != Mpi.Abi.ProcNull && rank != Mpi.Abi.Undefined
            ? Ranks.FromNative(rank)
            : null;

    private static int ToNative(Threading level)
    {
        var abi = Mpi.Abi;
        return level switch
        {
            Threading.Single => abi.ThreadSingle,
            Threading.Funneled => abi.ThreadFunneled,
            Threading.Serialized => abi.ThreadSerialized,
            _ => abi.ThreadMultiple,
        };
    }

    private static Threading FromNative(int level)
    {
        var abi = Mpi.Abi;
        if (level == abi.ThreadMultiple)
            return Threading.Multiple;
        if (level == abi.ThreadSerialized)
            return Threading.Serialized;
        return level == abi.ThreadFunneled ? Threading.Funneled : Threading.Single;
    }
}
