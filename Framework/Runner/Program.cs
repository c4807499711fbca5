// spmd-run <store> <job id>
// Runs a job or task farm submitted to a batch scheduler, inside its allocation: starts mpiexec on the allocation's
// hosts (for a farm, its attempts, restarts included) and records it in the store like any job. Exits 0 when the job
// or farm completed, 1 otherwise. SIGTERM (the scheduler cancelling or timing out the batch job) stops it gracefully first.
using System.Runtime.InteropServices;
using MPI.Launch;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: spmd-run <store> <job id>");
    return 2;
}
IDisposable running;
Action stop;
Func<JobManifest> wait;
try
{
    var store = new JobStore(args[0]);
    if (store.TryGet(args[1]) is { Farm: not null })
    {
        var farm = TaskFarmJob.StartSubmitted(store, args[1]);
        Console.WriteLine($"spmd-run: farm {farm.Id} of {farm.Manifest.Farm!.TaskCount} task(s) started");
        (running, stop, wait) = (farm, () => farm.Stop(), () => farm.Wait()!);
    }
    else
    {
        var job = ParallelJob.StartSubmitted(store, args[1]);
        Console.WriteLine($"spmd-run: job {job.Id} started: {job.Manifest.CommandLine}");
        (running, stop, wait) = (job, () => job.Stop(), () => job.Wait()!);
    }
}
catch (Exception e) when (e is JobSpecException or LaunchEnvironmentException)
{
    Console.Error.WriteLine($"spmd-run: {e.Message}");
    return 2;
}
using var termination = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop();
});
var end = wait();
Console.WriteLine($"spmd-run: job {end.Id} {end.State}{(end.Reason is null ? "" : $": {end.Reason}")}");
running.Dispose();
return end.State == JobState.Completed ? 0 : 1;
