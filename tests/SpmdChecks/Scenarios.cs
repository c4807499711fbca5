using MPI;

namespace SpmdChecks;

/// <summary>Failures the tests provoke on purpose, to see that the job ends promptly and says why.</summary>
internal static partial class Scenarios
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "strlen")]
    private static partial nint StringLength(nint text);

    public static void FailOnOneRank(Intracommunicator world, int failingRank)
    {
        if (world.Rank == failingRank)
            throw new InvalidOperationException($"deliberate failure on rank {failingRank}");
        // Everyone else waits for a message the failing rank will never send.
        world.Receive<int>(failingRank, 0);
    }

    /// <summary>
    /// Rank <paramref name="rank"/> leaves the job without disposing the environment while the others wait for it in
    /// Barrier: the job must end with its code (1 for the exception), not hang.
    /// </summary>
    public static int LeaveMidJob(string[] args, int rank, string how, int code)
    {
        if (how == "throw-caught")
        {
            try
            {
                using (new MPI.Environment(ref args))
                {
                    if (Communicator.world.Rank == rank)
                        throw new InvalidOperationException($"boom on rank {rank}");
                    Communicator.world.Barrier();
                }
            }
#pragma warning disable CA1031 // What user code does: catch everything outside the using block.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Console.Error.WriteLine(e);
                return code;
            }
            return 0;
        }
        if (how == "dispose-in-catch")
        {
            var handled = new MPI.Environment(ref args);
            try
            {
                Communicator.world.Barrier();
                throw new InvalidOperationException("handled");
            }
            catch (InvalidOperationException)
            {
                Console.WriteLine($"rank {Communicator.world.Rank} done");
                handled.Dispose();
            }
            return 0;
        }
        if (how == "using-in-catch")
        {
            try
            {
                throw new InvalidOperationException("before MPI");
            }
            catch (InvalidOperationException)
            {
                using (new MPI.Environment(ref args))
                {
                    Communicator.world.Barrier();
                    Console.WriteLine($"rank {Communicator.world.Rank} done");
                }
            }
            return 0;
        }
        var environment = new MPI.Environment(ref args);
        if (Communicator.world.Rank == rank)
        {
            if (how == "exit")
                System.Environment.Exit(code);
            return code;
        }
        Communicator.world.Barrier();
        environment.Dispose();
        return 0;
    }

    /// <summary>
    /// Rank 0 sends rank 1 values too large for a header message (so each has a payload), on the world and on a
    /// communicator of two left undisposed; rank 1 receives each as raw values into a buffer too small for it (a
    /// truncation, caught) and takes no payload; rank 0 sends itself such values and never receives them. Then every
    /// rank ends normally.
    /// </summary>
    public static void UnreceivedPayloads(Intracommunicator world)
    {
        var pair = world.Split(world.Rank < 2 ? 0 : 1, world.Rank);
        // 20,000 doubles: 160,000 bytes serialized, more than the 64 KiB a header message holds.
        var large = Enumerable.Range(0, 20_000).Select(i => (double)i).ToList();
        foreach (var (communicator, name) in new[] { (world, "world"), (pair, "pair") })
        {
            if (world.Rank == 0)
            {
                communicator.Send(large, 1, 1);
            }
            else if (world.Rank == 1)
            {
                try
                {
                    communicator.Receive(0, 1, new int[4].AsSpan());
                    Console.WriteLine($"rank 1 received the value on {name} as 4 ints");
                }
                catch (MessageTruncatedException)
                {
                    Console.WriteLine($"rank 1 truncated the value on {name}");
                }
            }
        }
        // Rank 0 sends itself such values, never received: on the world, and on a communicator of its own, disposed.
        if (world.Rank == 0)
            world.Send(large, 0, 5);
        using (var alone = world.Split(world.Rank == 0 ? 0 : 1, 0))
        {
            if (world.Rank == 0)
                alone.Send(large, 0, 6);
        }
        Console.WriteLine($"rank {world.Rank} reached the end");
    }

    /// <summary>
    /// As <see cref="UnreceivedPayloads"/>, on a communicator of two that is disposed before finalize: no rank can
    /// take the payload any more, and rank 0 waits in finalize for ever.
    /// </summary>
    public static void PayloadOnADisposedCommunicator(Intracommunicator world)
    {
        using (var pair = world.Split(world.Rank < 2 ? 0 : 1, world.Rank))
        {
            if (world.Rank == 0)
                pair.Send(Enumerable.Range(0, 20_000).Select(i => (double)i).ToList(), 1, 1);
            else if (world.Rank == 1)
            {
                try
                {
                    pair.Receive(0, 1, new int[4].AsSpan());
                }
                catch (MessageTruncatedException)
                {
                    Console.WriteLine("rank 1 truncated the value");
                }
            }
        }
        Console.WriteLine($"rank {world.Rank} reached the end");
    }

    /// <summary>Rank <paramref name="rank"/> exits with code 0 mid-job; the others finish 12 s later.</summary>
    public static void LeaveEarly(string[] args, int rank)
    {
        _ = new MPI.Environment(ref args);
        if (Communicator.world.Rank == rank)
            System.Environment.Exit(0);
        Thread.Sleep(TimeSpan.FromSeconds(12));
        Console.WriteLine($"rank {Communicator.world.Rank} finished");
    }

    public static void Reinitialize(string[] args)
    {
        using (new MPI.Environment(ref args))
            Console.WriteLine($"first environment: initialized={MPI.Environment.Initialized}");
        Console.WriteLine($"after dispose: finalized={MPI.Environment.Finalized}");
        try
        {
            using var again = new MPI.Environment(ref args);
            Console.WriteLine("second environment: created (wrong)");
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"second environment: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Spawns two copies of this program in child mode; prints "SPAWNED ..." for each child's report and the size
    /// of the merged communicator, or "SPAWN-UNSUPPORTED ..." when the library cannot spawn.
    /// </summary>
    public static void SpawnChildren(Intracommunicator world)
    {
        Intercommunicator children;
        try
        {
            children = world.Spawn("dotnet", [typeof(Scenarios).Assembly.Location, "spawned-child"], 2, 0);
        }
        catch (NotSupportedException e)
        {
            Console.WriteLine($"SPAWN-UNSUPPORTED {e.Message}");
            return;
        }
        using (children)
        {
            ErrorHandlerChecks.ErrorsAreExceptions(children, "Spawn");
            if (world.Rank == 0)
            {
                for (int child = 0; child < children.RemoteSize; child++)
                    Console.WriteLine($"SPAWNED {children.Receive<string>(child, 0)}");
            }
            using var everyone = children.Merge(upper: false);
            ErrorHandlerChecks.ErrorsAreExceptions(everyone, "Spawn then Merge");
            if (world.Rank == 0)
                Console.WriteLine($"MERGED {everyone.Size} rank {everyone.Rank}, errors are exceptions");
        }
    }

    public static void ReportToParent(Intracommunicator world)
    {
        var parent = world.Parent ?? throw new InvalidOperationException("A spawned child has no parent.");
        ErrorHandlerChecks.ErrorsAreExceptions(parent, "Parent");
        parent.Send($"child {world.Rank} of {world.Size} (parent group of {parent.RemoteSize})", 0, 0);
        using var everyone = parent.Merge(upper: true);
    }

    /// <summary>
    /// Every rank logs one record (so it creates its record file), prints each of <paramref name="names"/> as
    /// NAME=value, and stays so its launcher's processes can be looked at: <paramref name="stay"/> milliseconds, or,
    /// when it is not a number, until the file it names exists (at most 5 minutes).
    /// </summary>
    public static void EchoEnvironment(Intracommunicator world, string stay, string[] names)
    {
        var log = MPI.Logging.RankLogging.Configure();
        log.Information("Rank {Rank} reports {Count} variables", world.Rank, names.Length);
        foreach (var name in names)
            Console.WriteLine($"{name}={System.Environment.GetEnvironmentVariable(name)}");
        if (int.TryParse(stay, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int milliseconds))
            Thread.Sleep(milliseconds);
        else
        {
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            while (!File.Exists(stay) && DateTime.UtcNow < until)
                Thread.Sleep(50);
        }
        world.Barrier();
        Serilog.Log.CloseAndFlush();
    }

    /// <summary>
    /// Every rank logs <paramref name="events"/> structured events and one plain line, then the job ends as
    /// <paramref name="ending"/> says: completes, rank <paramref name="rank"/> throws or kills itself (SIGKILL)
    /// while the others wait in a barrier, or exits with code 3 after finishing normally, or every rank hangs; or
    /// rank <paramref name="rank"/> exits mid-job (exit-now), aborts (abort, SIGABRT), gets SIGSEGV (segv), starts a
    /// process that outlives it (helper: holding its output open; detached: not), or hangs after saying it finished
    /// (finalize-hang), or leaves a detached process before every rank hangs (detached-hang), or finishes while every
    /// other rank hangs (finish-early: it waits in MPI_Finalize for them); or every rank waits for a file to appear,
    /// then completes (after-file).
    /// </summary>
    public static void LogJob(Intracommunicator world, int events, string ending, int rank)
    {
        var log = MPI.Logging.RankLogging.Configure();
        for (int i = 0; i < events; i++)
            log.Information("Event {Number} from rank {From}", i, world.Rank);
        Console.WriteLine($"plain output from rank {world.Rank}");
        world.Barrier();
        switch (ending)
        {
            case "throw" when world.Rank == rank:
                throw new InvalidOperationException($"deliberate failure on rank {rank}");
            case "kill" when world.Rank == rank:
                System.Diagnostics.Process.GetCurrentProcess().Kill();
                break;
            case "exit" when world.Rank == rank:
                System.Environment.ExitCode = 3;
                break;
            case "exit-now" when world.Rank == rank:
                System.Environment.Exit(4);
                break;
            case "abort" when world.Rank == rank:
                System.Environment.FailFast($"deliberate abort on rank {rank}");
                break;
            case "segv" when world.Rank == rank:
                // A fault in native code (the runtime ignores a SIGSEGV sent from outside).
                _ = StringLength(8);
                break;
            case "helper" when world.Rank == rank:
                // A helper that outlives this rank and keeps its standard output (mpiexec's pipe) open.
                LeaveBehind(["sh", "-c", "sleep 300 & echo $! > \"$0\""]);
                break;
            case "detached" when world.Rank == rank:
                LeaveBehind(Detached);
                break;
            case "detached-hang":
                if (world.Rank == rank)
                    LeaveBehind(Detached);
                goto case "hang";
            case "finalize-hang" when world.Rank == rank:
                // Says it finished its work, as a rank does just before MPI_Finalize, then never finalizes: the
                // other ranks wait in MPI_Finalize for it, as ranks do when MPI_Finalize hangs.
                log.Information(MPI.Logging.JobContract.FinishedTemplate, rank);
                Thread.Sleep(Timeout.Infinite);
                break;
            case "finish-early" when world.Rank != rank:
            case "hang":
                Thread.Sleep(Timeout.Infinite);
                break;
            case "after-file":
                // Every rank waits for the file SPMD_RELEASE_FILE names: the test holds the ranks while it acts.
                var release = System.Environment.GetEnvironmentVariable("SPMD_RELEASE_FILE")
                    ?? throw new InvalidOperationException("after-file needs SPMD_RELEASE_FILE");
                while (!File.Exists(release))
                    Thread.Sleep(50);
                break;
        }
        if (ending is "throw" or "kill" or "exit-now" or "abort" or "segv")
            world.Barrier();
        Serilog.Log.CloseAndFlush();
    }

    /// <summary>
    /// A job for the timeline: every rank opens the spans setup (with read inside it), exchange (around an Allreduce)
    /// and compute, logs an event in each and rank 1 a warning; rank <paramref name="failing"/> throws inside compute
    /// while the others wait in a barrier (-1: every rank completes).
    /// </summary>
    public static void Timeline(Intracommunicator world, int failing)
    {
        var log = MPI.Logging.RankLogging.Configure();
        using (MPI.Logging.RankSpan.Begin("setup"))
        {
            using (MPI.Logging.RankSpan.Begin("read"))
                Thread.Sleep(20 + (10 * world.Rank));
            log.Information("Read {Cells} cells", 1000 * (world.Rank + 1));
        }
        if (world.Rank == 1)
            log.Warning("Rank {Rank} is behind", world.Rank);
        using (MPI.Logging.RankSpan.Begin("exchange"))
            log.Information("Sum {Sum}", world.Allreduce(world.Rank, Operation<int>.Add));
        using (MPI.Logging.RankSpan.Begin("compute"))
        {
            Thread.Sleep(30);
            if (world.Rank == failing)
                throw new InvalidOperationException($"deliberate failure in compute on rank {failing}");
        }
        world.Barrier();
        Serilog.Log.CloseAndFlush();
    }

    /// <summary>
    /// Every rank logs values of every kind through <see cref="MPI.Logging.RankLogging"/> (scalars, unicode, an
    /// exception, a structure, a 300,000-character message, then 1,000 numbered events); rank
    /// <paramref name="rank"/> kills itself (SIGKILL) right after its last logging call, the others wait in a barrier.
    /// </summary>
    public static void LogKinds(Intracommunicator world, int rank)
    {
        var log = MPI.Logging.RankLogging.Configure(Serilog.Events.LogEventLevel.Verbose);
        log.Information("scalars {Int} {Long} {Double} {Bool} {Null} {Char} {Decimal}", -1, long.MaxValue, 0.1, true, null, 'x', 1.25m);
        log.Debug("unicode {Text}", "h\u00e9llo \u2713 \U0001D11E tab\t newline\n quote\" backslash\\ <&>");
        log.Error(new InvalidOperationException("boom", new ArgumentException("inner")), "failed {Step}", 3);
        log.Warning("structure {@Point}", new { X = 1, Y = 2 });
        log.Information(new string('x', 200_000) + " {Tail}", new string('y', 100_000));
        for (int i = 0; i < 1000; i++)
            log.Verbose("numbered {Number}", i);
        if (world.Rank == rank)
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        world.Barrier();
        Serilog.Log.CloseAndFlush();
    }

    /// <summary>
    /// Every rank writes <paramref name="lines"/> numbered lines to standard output and every fourth one's number
    /// to standard error, as fast as it can, each rank's lines of a different length: more than mpiexec forwards in
    /// one piece, so pieces end mid-line.
    /// </summary>
    public static void Flood(Intracommunicator world, int lines)
    {
        var padding = new string('.', 40 + (7 * world.Rank));
        for (int i = 0; i < lines; i++)
        {
            Console.Out.WriteLine($"flood rank {world.Rank} line {i} {padding}");
            if (i % 4 == 0)
                Console.Error.WriteLine($"flood rank {world.Rank} error {i / 4} {padding}");
        }
        world.Barrier();
    }

    // A `sleep 300` in a session of its own, with no descriptor of the rank's: no process tree or pipe leads to it.
    private static readonly string[] Detached = ["setsid", "sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & echo $! > \"$0\""];

    // Runs a shell line that starts `sleep 300` in the background and writes its pid to the file given as $0, and
    // returns once that process runs sleep: until its exec it is a copy of the shell, and would be named as one.
    private static void LeaveBehind(string[] command)
    {
        var pidFile = Path.GetTempFileName();
        try
        {
            using (var shell = System.Diagnostics.Process.Start(command[0], [.. command[1..], pidFile]))
                shell.WaitForExit();
            var comm = $"/proc/{File.ReadAllText(pidFile).Trim()}/comm";
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            while (DateTime.UtcNow < until && !(File.Exists(comm) && File.ReadAllText(comm).Trim() == "sleep"))
                Thread.Sleep(10);
        }
        finally
        {
            File.Delete(pidFile);
        }
    }
}
