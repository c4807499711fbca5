// Runs the checks under mpiexec (or as a singleton), or one of the failure scenarios the tests provoke.
//   SpmdChecks checks [name-prefix...]   every check (or those whose name starts with a prefix), on every rank
//   SpmdChecks heavy-checks [prefix...]  the checks that need many gigabytes (messages beyond 2 GiB), run alone
//   SpmdChecks throw-in-run <rank>       that rank throws inside Environment.Run while the others wait for it
//   SpmdChecks throw-unhandled <rank>    the same, from plain code under `using var env = new Environment(...)`
//   SpmdChecks leave <rank> <exit|return|throw-caught> <code>   that rank leaves mid-job without disposing MPI.Environment
//                                        (Environment.Exit(code), returning code from Main, or an exception caught
//                                        outside the environment's using block) while the others wait in Barrier
//   SpmdChecks leave-early <rank>        that rank calls Environment.Exit(0) mid-job; the others finish 12 s later
//   SpmdChecks threads [prefix...]      the multithreaded checks, MPI initialized at Threading.Multiple
//   SpmdChecks require-threading <asked> <required>   initialize at <asked>, then Environment.RequireThreading(<required>):
//                                        every rank prints what was granted, or the refusal's message
//   SpmdChecks window-fault <rank> <using|lock|node-array|forgotten>   a window misused on that rank (WindowScenarios)
//   SpmdChecks reinit                    initialize, finalize, initialize again
//   SpmdChecks spawn                     rank 0 spawns two children (spawned-child), which report back
//   SpmdChecks logjob N [complete|throw R|kill R|exit R|hang|exit-now R|abort R|segv R|helper R|detached R|finalize-hang R|after-file]
//                                        each rank logs N events and prints a line, then so ends (see Scenarios.LogJob)
//   SpmdChecks timeline R                each rank logs spans (setup > read, exchange, compute) and marks; rank R
//                                        (-1: none) throws inside compute (Scenarios.Timeline)
//   SpmdChecks log-kinds R               every rank logs values of every kind, then rank R kills itself (Scenarios.LogKinds)
//   SpmdChecks stall-before-init         hang before initializing MPI
//   SpmdChecks info                      print the library this process bound
//   SpmdChecks console-first             write a line before initializing MPI, then one per rank
//   SpmdChecks library-code              every rank prints whether MPI_Init rewrote libc's memory functions (mmap...)
//   SpmdChecks farm-single               MPI at Threading.Single: every rank tries to start a task farm and prints why it may not
using MPI;
using SpmdChecks;

var mode = args.Length > 0 ? args[0] : "checks";
switch (mode)
{
    case "checks":
        MPI.Environment.Run(world => Runner.RunChecks(world, args.Skip(1).ToArray()));
        break;
    case "heavy-checks":
        MPI.Environment.Run(world => Runner.RunChecks(world, args.Skip(1).ToArray(), heavy: true));
        break;
    case "threads":
        MPI.Environment.Run(ref args, Threading.Multiple, world => Runner.RunChecks(world, args.Skip(1).ToArray(), Catalog.Multithreaded));
        break;
    case "require-threading":
        MPI.Environment.Run(ref args, Enum.Parse<Threading>(args[1]), world => ThreadingScenarios.RequireThreading(world, Enum.Parse<Threading>(args[2])));
        break;
    case "throw-in-run":
        MPI.Environment.Run(world => Scenarios.FailOnOneRank(world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)));
        break;
    case "throw-unhandled":
        using (new MPI.Environment(ref args))
            Scenarios.FailOnOneRank(Communicator.world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "leave":
        return Scenarios.LeaveMidJob(args, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2],
            int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
    case "window-fault":
        MPI.Environment.Run(world => WindowScenarios.Misuse(world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2]));
        break;
    case "unreceived-payloads":
        MPI.Environment.Run(Scenarios.UnreceivedPayloads);
        break;
    case "payload-on-a-disposed-communicator":
        MPI.Environment.Run(Scenarios.PayloadOnADisposedCommunicator);
        break;
    case "leave-early":
        Scenarios.LeaveEarly(args, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "reinit":
        Scenarios.Reinitialize(args);
        break;
    case "spawn":
        MPI.Environment.Run(Scenarios.SpawnChildren);
        break;
    case "spawned-child":
        MPI.Environment.Run(Scenarios.ReportToParent);
        break;
    case "logjob":
        MPI.Environment.Run(world => Scenarios.LogJob(world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture),
            args.Length > 2 ? args[2] : "complete",
            args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : -1));
        break;
    case "timeline":
        MPI.Environment.Run(world => Scenarios.Timeline(world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)));
        break;
    case "echo-env":
        // echo-env <milliseconds|file> <variable>...: every rank logs a record, prints each variable as NAME=value,
        // waits that long or until the file exists, ends.
        MPI.Environment.Run(world => Scenarios.EchoEnvironment(world, args[1], args[2..]));
        break;
    case "stall-before-init":
        // Never reaches MPI: what a launcher's startup deadline is for.
        Thread.Sleep(Timeout.Infinite);
        break;
    case "info":
        MPI.Environment.Run(world => Console.WriteLine(
            $"rank {world.Rank} of {world.Size}: {MPI.Environment.AbiKind} {MPI.Environment.LibraryName}"));
        break;
    case "log-kinds":
        // log-kinds <rank>: every rank logs values of every kind (Scenarios.LogKinds); that rank then kills itself.
        MPI.Environment.Run(world => Scenarios.LogKinds(world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)));
        break;
    case "flood":
        // flood <lines>: every rank writes numbered lines to stdout (and a quarter as many to stderr) as fast as it can.
        MPI.Environment.Run(world => Scenarios.Flood(world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)));
        break;
    case "console-first":
        // The console is initialized by this write, before MPI: its output must still carry no terminal control bytes.
        Console.WriteLine("before MPI");
        MPI.Environment.Run(world => Console.WriteLine($"rank {world.Rank} of {world.Size}"));
        break;
    case "library-code":
        LibraryCodeScenario.Run(args);
        break;
    case "farm-single":
        MPI.Environment.Run(ref args, Threading.Single, Scenarios.FarmAtThreadingSingle);
        break;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}'");
        return 2;
}
return System.Environment.ExitCode; // 0 unless a scenario set it
