// spmd-run <store> <job id>
// Runs a job submitted to a batch scheduler, inside its allocation: starts mpiexec on the allocation's hosts and
// records the job in the store like any job. Exits 0 when the job completed, 1 otherwise. SIGTERM (the scheduler
// cancelling or timing out the batch job) stops the job gracefully first.
using System.Runtime.InteropServices;
using MPI.Launch;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: spmd-run <store> <job id>");
    return 2;
}
ParallelJob job;
try
{
    job = ParallelJob.StartSubmitted(new JobStore(args[0]), args[1]);
}
catch (Exception e) when (e is JobSpecException or LaunchEnvironmentException)
{
    Console.Error.WriteLine($"spmd-run: {e.Message}");
    return 2;
}
Console.WriteLine($"spmd-run: job {job.Id} started: {job.Manifest.CommandLine}");
using var termination = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    job.Stop();
});
var end = job.Wait()!;
Console.WriteLine($"spmd-run: job {end.Id} {end.State}{(end.Reason is null ? "" : $": {end.Reason}")}");
job.Dispose();
return end.State == JobState.Completed ? 0 : 1;
