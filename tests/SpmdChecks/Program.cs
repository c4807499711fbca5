// Runs the checks under mpiexec (or as a singleton), or one of the failure scenarios the tests provoke.
//   SpmdChecks checks [name-prefix...]   every check (or those whose name starts with a prefix), on every rank
//   SpmdChecks heavy-checks [prefix...]  the checks that need many gigabytes (messages beyond 2 GiB), run alone
//   SpmdChecks throw-in-run <rank>       that rank throws inside Environment.Run while the others wait for it
//   SpmdChecks throw-unhandled <rank>    the same, from plain code under `using var env = new Environment(...)`
//   SpmdChecks reinit                    initialize, finalize, initialize again
//   SpmdChecks spawn                     rank 0 spawns two children (spawned-child), which report back
//   SpmdChecks logjob N [complete|throw R|kill R|exit R|hang]   each rank logs N events and prints a line, then so ends
//   SpmdChecks stall-before-init         hang before initializing MPI
//   SpmdChecks info                      print the library this process bound
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
    case "throw-in-run":
        MPI.Environment.Run(world => Scenarios.FailOnOneRank(world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)));
        break;
    case "throw-unhandled":
        using (new MPI.Environment(ref args))
            Scenarios.FailOnOneRank(Communicator.world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
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
        // logjob <events> [complete|throw R|kill R|exit R|hang]
        MPI.Environment.Run(world => Scenarios.LogJob(world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture),
            args.Length > 2 ? args[2] : "complete",
            args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : -1));
        break;
    case "stall-before-init":
        // Never reaches MPI: what a launcher's startup deadline is for.
        Thread.Sleep(Timeout.Infinite);
        break;
    case "info":
        MPI.Environment.Run(world => Console.WriteLine(
            $"rank {world.Rank} of {world.Size}: {MPI.Environment.AbiKind} {MPI.Environment.LibraryName}"));
        break;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}'");
        return 2;
}
return System.Environment.ExitCode; // 0 unless a scenario set it
