// A second process that works on a job store written by another (or, run on a test host, launches there):
//   JobStoreReader <store>                     prints one line per job, then its record count
//   JobStoreReader <store> stop <id> [force]   asks the job's launcher to stop it
//   JobStoreReader <store> run <spec.json>     starts the job the spec describes, waits, prints "<id> <state>[: <reason>]";
//                                              a spec that cannot run prints "refused: <why>" and exits with 3
//   JobStoreReader <store> farm <spec.json>    the same for a task farm (a TaskFarmSpec)
using System.Text.Json;
using System.Text.Json.Serialization;
using MPI.Launch;

var store = new JobStore(args[0]);
switch (args)
{
    case [_, "stop", var id, ..]:
        Console.WriteLine(store.RequestStop(id, force: args is [.., "force"]) ? "stop requested" : "already ended");
        return 0;
    case [_, var mode and ("run" or "farm"), var specFile]:
        var text = File.ReadAllText(specFile);
        try
        {
            IDisposable launched;
            (string Id, Func<JobManifest> Wait) started;
            if (mode == "run")
            {
                var job = ParallelJob.Start(JsonSerializer.Deserialize<JobSpec>(text, Json)!, store);
                (launched, started) = (job, (job.Id, () => job.Wait()!));
            }
            else
            {
                var farm = TaskFarmJob.Start(JsonSerializer.Deserialize<TaskFarmSpec>(text, Json)!, store);
                (launched, started) = (farm, (farm.Id, () => farm.Wait()!));
            }
            using (launched)
            {
                Console.WriteLine($"{started.Id} started");
                var end = started.Wait();
                Console.WriteLine($"{started.Id} {end.State}{(end.Reason is null ? "" : $": {end.Reason}")}");
            }
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

internal static partial class Program
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
}
