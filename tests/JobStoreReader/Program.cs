// A second process that reads a job store written by another: prints one line per job, then its record count.
//   JobStoreReader <store>
using MPI.Launch;

var store = new JobStore(args[0]);
foreach (var job in store.List())
    Console.WriteLine($"{job.Id} {job.State} ranks={job.Spec.Ranks} records={store.Logs(job.Id).Read().Count}");
