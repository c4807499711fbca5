// spmd-taskworker <farm definition file>: the rank program of a PowerShell task farm (see MPI.Logging.TaskFarmContract).
// mpiexec starts it on every rank; the lowest rank that can read the definition coordinates, every rank (the
// coordinator too, on a thread of its own) runs tasks, and the coordinator reports each finished task as a record.
using MPI.Logging;
using MPI.PowerShell.TaskWorker;

if (args.Length != 1)
{
    Console.Error.WriteLine($"usage: dotnet {TaskFarmContract.WorkerProgram} <path of {TaskFarmContract.DefinitionFile}>");
    return 2;
}
string definitionPath = Path.GetFullPath(args[0]);
var early = ScriptRunner.OpenEarly(definitionPath);
MPI.Environment.Run(world =>
{
    var log = RankLogging.Configure();
    FarmWorker.Run(world, definitionPath, early, log);
    Serilog.Log.CloseAndFlush();
});
// Not a plain return: a script stopped at its time limit that would not stop (a long .NET call) still holds its
// pipeline thread, which would keep the process alive after MPI has finalized.
System.Environment.Exit(0);
return 0;
