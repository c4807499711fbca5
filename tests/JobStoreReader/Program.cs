// A second process that works on a job store written by another:
//   JobStoreReader <store>                     prints one line per job, then its record count
//   JobStoreReader <store> stop <id> [force]   asks the job's launcher to stop it
using MPI.Launch;

var store = new JobStore(args[0]);
if (args is [_, "stop", var id, ..])
{
    Console.WriteLine(store.RequestStop(id, force: args is [.., "force"]) ? "stop requested" : "already ended");
    return;
}
foreach (var job in store.List())
    Console.WriteLine($"{job.Id} {job.State} ranks={job.Spec.Ranks} records={store.Logs(job.Id).Read().Count}");
