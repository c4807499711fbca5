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
return 0;
