// A second process that works on a job store written by another (or, run on a test host, launches there):
//   JobStoreReader <store>                     prints one line per job, then its record count
//   JobStoreReader <store> stop <id> [force]   asks the job's launcher to stop it
//   JobStoreReader <store> run <spec.json>     starts the job the spec describes, waits, prints "<id> <state>";
//                                              a spec that cannot run prints "refused: <why>" and exits with 3
//   JobStoreReader <store> farm <spec.json>    the same for a task farm (a TaskFarmSpec), printing "<id> <state>: <reason>"
using System.Text.Json;
using System.Text.Json.Serialization;
using MPI.Launch;

var store = new JobStore(args[0]);
switch (args)
{
    case [_, "stop", var id, ..]:
        Console.WriteLine(store.RequestStop(id, force: args is [.., "force"]) ? "stop requested" : "already ended");
        return 0;
    case [_, "run", var specFile]:
        var spec = JsonSerializer.Deserialize<JobSpec>(File.ReadAllText(specFile), new JsonSerializerOptions { Converters = { new JsonStringEnumConverter() } })!;
        try
        {
            using var job = ParallelJob.Start(spec, store);
            Console.WriteLine($"{job.Id} started");
            Console.WriteLine($"{job.Id} {job.Wait()!.State}");
            return 0;
        }
        catch (JobSpecException e)
        {
            Console.WriteLine($"refused: {e.Message}");
            return 3;
        }
    case [_, "farm", var specFile]:
        var farmSpec = JsonSerializer.Deserialize<TaskFarmSpec>(File.ReadAllText(specFile), new JsonSerializerOptions { Converters = { new JsonStringEnumConverter() } })!;
        try
        {
            using var farm = TaskFarmJob.Start(farmSpec, store);
            Console.WriteLine($"{farm.Id} started");
            var end = farm.Wait()!;
            Console.WriteLine($"{farm.Id} {end.State}: {end.Reason}");
            return 0;
        }
        catch (JobSpecException e)
        {
            Console.WriteLine($"refused: {e.Message}");
            return 3;
        }
    default:
        foreach (var job in store.List())
            Console.WriteLine($"{job.Id} {job.State} ranks={job.Spec.Ranks} records={store.Logs(job.Id).Read().Count}");
        return 0;
}
