using MPI.Launch;
using MPI.Logging;

namespace Launch.Tests;

/// <summary>
/// Task farms submitted to a real one-node Slurm cluster that the fixture starts and stops (scripts/slurm/cluster.sh):
/// spmd-run runs the farm in the allocation, restarts included, records it in the store like any batch job, and
/// the batch job succeeds only when the farm completed.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class BatchFarmTests : StoreFixture
{
    private static readonly string Cluster = Path.Combine(Repository.Root, "scripts", "slurm", "cluster.sh");
    private string _scratch = "";

    [OneTimeSetUp]
    public void ClusterUp()
    {
        Assert.That(Command.Run(Cluster, ["up", "1"]).ExitCode, Is.Zero, "the Slurm cluster did not start");
        System.Environment.SetEnvironmentVariable("SLURM_CONF", "/run/spmd-slurm/slurm.conf");
    }

    [OneTimeTearDown]
    public void ClusterDown()
    {
        Command.Run(Cluster, ["down"]);
        System.Environment.SetEnvironmentVariable("SLURM_CONF", null);
    }

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("spmd-batch-farm-").FullName;

    [TearDown]
    public void DeleteScratch()
    {
        // A job that ended may still be completing for a moment; one that stays in the queue was left behind.
        Eventually.Holds(() => Command.Run("squeue", ["-h"]).Output.Trim().Length == 0, "the queue emptying");
        Directory.Delete(_scratch, recursive: true);
    }

    // Follows the farm as any reader does (the store, and the scheduler for what the runner has not recorded).
    private JobManifest Ended(string id) =>
        Eventually.Produces(() => Store.Reconcile([id]).Single() is { IsFinished: true } ended ? ended : null, $"batch farm {id} ending");

    // What the scheduler says of the batch job once it has left the queue (sacct lags a moment behind the end).
    private static string SchedulerState(JobManifest job) => Eventually.Produces(() =>
    {
        var state = Command.Run("sacct", ["-n", "-X", "-P", "-j", job.Batch!.BatchJobId!, "-o", "State"]).Output.Split('\n')[0].Trim();
        return state.Length > 0 && state is not ("PENDING" or "RUNNING" or "COMPLETING") ? state : null;
    }, $"batch job {job.Batch!.BatchJobId} ending");

    [Test]
    public void SubmittedFarmRestartsInsideItsAllocationAndCompletes()
    {
        var marker = Path.Combine(_scratch, "killed");
        var spec = TaskFarmTests.Farm(MpiImplementation.OpenMpi, "echo 0", "echo 1", $"[ -e '{marker}' ] || {{ touch '{marker}'; kill -9 $PPID; sleep 60; }}; echo 2", "echo 3");
        var submitted = BatchJobs.Submit(spec, new BatchOptions(), Store);

        Assert.That(submitted, Has.Property(nameof(JobManifest.State)).EqualTo(JobState.Queued).And.Property(nameof(JobManifest.Farm)).Not.Null);
        Assert.That(File.ReadAllText(Path.Combine(StoreRoot, submitted.Id, BatchJobs.ScriptFile)), Does.Contain("#SBATCH --ntasks=2"));
        var farm = Ended(submitted.Id);

        var batchOutput = File.ReadAllText(Path.Combine(StoreRoot, farm.Id, BatchJobs.OutputFile));
        Assert.That(farm.State, Is.EqualTo(JobState.Completed), batchOutput);
        Assert.That(farm.Farm, Has.Property(nameof(FarmSummary.Restarts)).EqualTo(1).And.Property(nameof(FarmSummary.Completed)).EqualTo(4));
        Assert.That(farm.Batch!.BatchJobId, Is.EqualTo(submitted.Batch!.BatchJobId));
        Assert.That(TaskFarmJob.ReadResults(Store, farm.Id).Select(result => result.Output), Is.EqualTo(new[] { "0\n", "1\n", "2\n", "3\n" }));
        Assert.That(batchOutput, Does.Contain($"spmd-run: job {farm.Id} Completed"));
        Assert.That(SchedulerState(farm), Is.EqualTo("COMPLETED"));
        Assert.That(Store.List().Select(job => job.Id), Is.EqualTo(new[] { farm.Id }));
        Assert.That(Store.Logs(farm.Id).Read().Count(record => record.Template == TaskFarmContract.ResultTemplate), Is.EqualTo(4));
    }

    [Test]
    public void SubmittedFarmWithAFailedTaskFailsItsBatchJob()
    {
        var spec = TaskFarmTests.Farm(MpiImplementation.Mpich, "echo 0", "exit 5");
        var farm = Ended(BatchJobs.Submit(spec, new BatchOptions(), Store).Id);

        Assert.That(farm.State, Is.EqualTo(JobState.Failed));
        Assert.That(farm.Reason, Is.EqualTo("1 of 2 task(s) failed: 1."));
        Assert.That(SchedulerState(farm), Is.EqualTo("FAILED"));
        Assert.That(TaskFarmJob.ReadResults(Store, farm.Id).Select(result => result.ExitCode), Is.EqualTo(new int?[] { 0, 5 }));
    }

    [Test]
    public void SubmittedFarmWithoutTasksCompletesWithoutTheScheduler()
    {
        var farm = BatchJobs.Submit(TaskFarmTests.Farm(MpiImplementation.Mpich), new BatchOptions(), Store);

        Assert.That(farm, Has.Property(nameof(JobManifest.State)).EqualTo(JobState.Completed).And.Property(nameof(JobManifest.Batch)).Null);
        Assert.That(Store.TryGet(farm.Id)!.State, Is.EqualTo(JobState.Completed));
    }
}
