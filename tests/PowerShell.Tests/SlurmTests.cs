using System.Management.Automation;
using MPI.Launch;
using PSJobState = System.Management.Automation.JobState;

namespace PowerShell.Tests;

/// <summary>
/// Batch jobs on a real one-node Slurm cluster that the fixture starts and stops (scripts/slurm/cluster.sh): the
/// project's sbatch and PBS scripts, and Submit-ParallelBatchJob with its jobs followed like any other.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SlurmTests
{
    private static readonly string Cluster = Path.Combine(Repository.Root, "scripts", "slurm", "cluster.sh");
    private static string Program => Path.Combine(TestContext.CurrentContext.TestDirectory, "SpmdChecks.dll");
    private static string Pi => Path.Combine(Repository.Root, "jobs", "Pi", "bin", "Release", "net10.0", "Pi.dll");
    private string _output = "";

    [OneTimeSetUp]
    public void ClusterUp()
    {
        Assert.That(Run(Cluster, ["up", "1"]).Code, Is.Zero, "the Slurm cluster did not start");
        System.Environment.SetEnvironmentVariable("SLURM_CONF", "/run/spmd-slurm/slurm.conf");
        _output = Path.Combine(JobStoreSetUp.Root, "batch-output");
        Directory.CreateDirectory(_output);
    }

    [OneTimeTearDown]
    public void ClusterDown()
    {
        Run(Cluster, ["down"]);
        System.Environment.SetEnvironmentVariable("SLURM_CONF", null);
    }

    // A job that ended may still be completing for a moment; one that stays in the queue was left behind.
    [TearDown]
    public void NothingQueued() => Eventually.Holds(() => Run("squeue", ["-h"]).Output.Length == 0, "the queue emptying");

    private static (int Code, string Output) Run(string program, IEnumerable<string> arguments, string? directory = null)
    {
        var result = Command.Run(program, arguments, directory);
        return (result.ExitCode, result.Output.Trim() + result.Error.Trim());
    }

    // Waits for a batch job of the scheduler's to leave the queue; returns its final state from sacct.
    private static string FinalState(string batchId) => Eventually.Produces(() =>
    {
        var state = Run("sacct", ["-n", "-X", "-P", "-j", batchId, "-o", "State"]).Output.Split('\n')[0].Trim();
        return state.Length > 0 && state is not ("PENDING" or "RUNNING" or "COMPLETING") ? state : null;
    }, $"batch job {batchId} ending");

    [TestCase("slurm/pi-srun-pmix.sbatch", "")]
    [TestCase("slurm/pi-srun-pmi2.sbatch", "")]
    [TestCase("slurm/pi-mpiexec.sbatch", "ALL")]
    [TestCase("slurm/pi-mpiexec.sbatch", "ALL,MPI=mpich")]
    public void ProjectSbatchScriptsRunThePiJob(string script, string export)
    {
        var output = Path.Combine(_output, $"{Guid.NewGuid():N}.out");
        var arguments = new List<string> { "--parsable", "--ntasks=2", $"--output={output}" };
        if (export.Length > 0)
            arguments.Add($"--export={export}");
        arguments.AddRange([Path.Combine(Repository.Root, "scripts", script), "1000000"]);
        var (code, batchId) = Run("sbatch", arguments, Repository.Root);
        Assert.That(code, Is.Zero, batchId);

        Assert.That(FinalState(batchId), Is.EqualTo("COMPLETED"), File.Exists(output) ? File.ReadAllText(output) : "no output");
        Assert.That(File.ReadAllText(output), Does.Contain("pi = 3.14159").And.Contain("on 2 ranks"));
    }

    [TestCase("openmpi")]
    [TestCase("mpich")]
    public void ProjectPbsScriptRunsThroughTheTorqueWrappers(string mpi)
    {
        // qsub runs in a directory of the test's own: the wrapper names files it is not told about after the script
        // (pi-mpiexec.pbs.e<id>) in the directory it runs in, which must not be the checkout. The job itself runs
        // in the repository (-wd), as when a user submits from there, with both of its outputs sent here.
        var submitDirectory = Directory.CreateTempSubdirectory("qsub-").FullName;
        try
        {
            var output = Path.Combine(_output, $"{Guid.NewGuid():N}.out");
            var errors = Path.Combine(_output, $"{Guid.NewGuid():N}.err");
            // -V: the job gets this environment (as sbatch gives by default), -v adds the choice of MPI.
            var (code, batchId) = Run("qsub", ["-V", "-v", $"MPI={mpi}", "-wd", Repository.Root, "-o", output, "-e", errors,
                Path.Combine(Repository.Root, "scripts", "pbs", "pi-mpiexec.pbs")], submitDirectory);
            Assert.That(code, Is.Zero, batchId);

            Assert.That(FinalState(batchId.Trim()), Is.EqualTo("COMPLETED"), () => File.Exists(errors) ? File.ReadAllText(errors) : "");
            Assert.That(File.ReadAllText(output), Does.Contain("pi = 3.14159").And.Contain("on 2 ranks"));
            Assert.That(Directory.EnumerateFileSystemEntries(submitDirectory), Is.Empty, "qsub left files where it ran");
        }
        finally
        {
            Directory.Delete(submitDirectory, recursive: true);
        }
    }

    [Test]
    public void SubmittedJobIsFollowedLikeAnyOtherAndTakesTheAllocationsHosts()
    {
        using var session = new PowerShellSession();
        var item = session.RunClean("$j = Submit-ParallelBatchJob $p -ArgumentList 1000000 -Ranks 2 -Name pi-batch -Partition batch -Time ([TimeSpan]::FromMinutes(5)) -MpiImplementation OpenMpi -AllowRunAsRoot; $j | Wait-ParallelJob -Timeout 120 | Out-Null; $j",
            ("p", Pi)).Single();
        var job = (PowerShellParallelJobView)item;

        Assert.That(job.State, Is.EqualTo(nameof(MPI.Launch.JobState.Completed)), () => File.ReadAllText(Path.Combine(job.Directory, BatchJobs.OutputFile)));
        Assert.That(((Job)item.BaseObject).JobStateInfo.State, Is.EqualTo(PSJobState.Completed));
        Assert.That(job.Manifest.Batch!.BatchJobId, Is.Not.Null);
        Assert.That(FinalState(job.Manifest.Batch.BatchJobId!), Is.EqualTo("COMPLETED"));
        Assert.That(job.Manifest.CommandLine, Does.Contain($"--host {System.Environment.MachineName}:2"), "the allocation's hosts");
        Assert.That(job.Manifest.CommandLine, Does.Contain(" --allow-run-as-root "), "Start-ParallelJob's -AllowRunAsRoot, taken by Submit-ParallelBatchJob too");
        var shares = session.RunClean("Receive-ParallelJob $j -Keep | Where-Object { $_.Properties.ContainsKey('Partial') }").Select(record => (LogRecord)record.BaseObject).ToList();
        Assert.That(shares.Select(record => record.Rank), Is.EquivalentTo(new int?[] { 0, 1 }));
        Assert.That(File.ReadAllText(Path.Combine(job.Directory, BatchJobs.ScriptFile)), Does.Contain("#SBATCH --partition=batch").And.Contain("#SBATCH --time=0-00:05:00"));
        // What the batch script printed is part of the job's logs.
        Assert.That(session.RunClean("Receive-ParallelJob $j -Keep").Select(record => ((LogRecord)record.BaseObject).Message),
            Has.Some.StartWith($"spmd-run: job {job.JobId} started: mpiexec"));
    }

    [Test]
    public void SubmittedFarmRunsInTheAllocationAndIsReceivedInInputOrder()
    {
        using var session = new PowerShellSession();
        var output = session.RunClean("""
            $j = 1..6 | Submit-ParallelBatchJob { $_ * 3 } -Ranks 2 -MpiImplementation Mpich -Name farm-batch -Time ([TimeSpan]::FromMinutes(5))
            $null = $j | Wait-ParallelJob -Timeout 120
            $j.PSJobTypeName; $j.ParallelState; $j.ChildJobs.Count
            Receive-Job $j
            """).Select(item => item.ToString()).ToList();

        Assert.That(output, Is.EqualTo(new[] { "ParallelTaskJob", "Completed", "6", "3", "6", "9", "12", "15", "18" }));
        var job = (PowerShellParallelJobView)session.RunClean("$j").Single();
        Assert.That(FinalState(job.Manifest.Batch!.BatchJobId!), Is.EqualTo("COMPLETED"));
    }

    [Test]
    public void SubmitWaitShowsTheQueuedJobAsProgressThenStreamsItsRecordsToTheEnd()
    {
        using var session = new PowerShellSession();
        // --begin holds the job in the queue for a few seconds, so that the wait surely shows it queued first.
        var records = session.RunClean("Submit-ParallelBatchJob $p -ArgumentList logjob, 2, complete -Ranks 2 -MpiImplementation Mpich -Name wait-batch -Directive '--begin=now+3' -Wait",
            ("p", Program)).Select(record => (LogRecord)record.BaseObject).ToList();
        var progress = session.Progress;

        Assert.That(records.Count(record => record.Template == "Event {Number} from rank {From}"), Is.EqualTo(4), "every rank's events, streamed");
        var job = (PowerShellParallelJobView)session.RunClean("Get-ParallelJob -Name wait-batch").Single();
        Assert.That(job.State, Is.EqualTo(nameof(MPI.Launch.JobState.Completed)));
        var statuses = progress.Select(record => record.StatusDescription).ToList();
        Assert.That(statuses, Has.Some.Match($@"^Queued \(Slurm job {job.Manifest.Batch!.BatchJobId}\): 0/2 ranks started"));
        Assert.That(statuses, Has.Some.StartWith("1 of 1 jobs done"));
        Assert.That(progress[^1].RecordType, Is.EqualTo(ProgressRecordType.Completed));
    }

    [Test]
    public void InsideAnAllocationStartParallelJobTakesItsHostsAndSlots()
    {
        var script = Path.Combine(_output, "in-allocation.ps1");
        File.WriteAllText(script, """
            $j = Start-ParallelJob $program -ArgumentList logjob, 1, complete -MpiImplementation Mpich
            $j | Wait-ParallelJob -Timeout 120 | Out-Null
            "$($j.ParallelState) ranks=$($j.Ranks) $($j.Manifest.CommandLine)"
            """);
        // The batch script runs its arguments as they are: no shell line is built from them.
        var batch = Path.Combine(_output, "run-arguments.sh");
        File.WriteAllText(batch, "#!/bin/bash\nexec \"$@\"\n");
        var output = Path.Combine(_output, $"{Guid.NewGuid():N}.out");
        var (code, said) = Run("sbatch", ["--wait", "--time=2", "--ntasks=2", $"--output={output}", batch,
            "dotnet", Path.Combine(TestContext.CurrentContext.TestDirectory, "PowerShellHost.dll"), PowerShellSession.ModuleManifest, script, $"program={Program}"]);

        var text = File.Exists(output) ? File.ReadAllText(output) : said;
        Assert.That(code, Is.Zero, text);
        Assert.That(text, Does.Contain($"Completed ranks=2 mpiexec.mpich -n 2 -hosts {System.Environment.MachineName}:2 "));
    }

    [Test]
    public void FailingBatchJobIsFailedNamingTheRank()
    {
        using var session = new PowerShellSession();
        var item = session.RunClean("$j = Submit-ParallelBatchJob $p -ArgumentList logjob, 2, throw, 1 -Ranks 2 -MpiImplementation Mpich; $j | Wait-ParallelJob -Timeout 120 | Out-Null; $j",
            ("p", Program)).Single();

        Assert.That(((Job)item.BaseObject).JobStateInfo.State, Is.EqualTo(PSJobState.Failed));
        Assert.That(((PowerShellParallelJobView)item).Reason, Does.Contain("Rank 1 failed").And.Contain("deliberate failure on rank 1"));
    }

    [Test]
    public void QueuedJobIsBlockedAndStoppingCancelsQueuedAndRunningJobs()
    {
        using var session = new PowerShellSession();
        // The first job takes both CPUs of the node and hangs; the second waits in the queue.
        var running = (PowerShellParallelJobView)session.RunClean("$a = Submit-ParallelBatchJob $p -ArgumentList logjob, 1, hang -Ranks 2 -MpiImplementation Mpich -Name hog; $a", ("p", Program)).Single();
        Eventually.Holds(() => running.State == "Running", "the first job running");
        var queued = (PowerShellParallelJobView)session.RunClean("$b = Submit-ParallelBatchJob $p -ArgumentList logjob, 1, complete -Ranks 2 -Name waiter; $b", ("p", Program)).Single();
        // It waits for the CPUs the first job holds.
        Eventually.Holds(() => Run("squeue", ["-h", "-j", queued.Manifest.Batch!.BatchJobId!, "-o", "%T %r"]).Output == "PENDING Resources", "the second job pending");

        Assert.That(queued.State, Is.EqualTo("Queued"));
        Assert.That(queued.Job.JobStateInfo.State, Is.EqualTo(PSJobState.Blocked));
        Assert.That(Run("squeue", ["-h", "-j", queued.Manifest.Batch!.BatchJobId!, "-o", "%T"]).Output, Is.EqualTo("PENDING"));

        session.RunClean("$b | Stop-ParallelJob; $a | Stop-ParallelJob");
        Assert.That(queued.State, Is.EqualTo("Stopped"));
        Assert.That(running.State, Is.EqualTo("Stopped"), running.Reason);
        Assert.That(queued.Job.JobStateInfo.State, Is.EqualTo(PSJobState.Stopped));
        Assert.That(FinalState(queued.Manifest.Batch.BatchJobId!), Does.StartWith("CANCELLED"));
        Assert.That(FinalState(running.Manifest.Batch!.BatchJobId!), Does.StartWith("CANCELLED"));
        Eventually.Holds(() => Leftovers.Of(running.JobId).Count == 0, "the stopped job's processes ending");
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void BatchJobGetsItsVariablesFromAnOwnerOnlyFileNotFromItsScriptOrManifest()
    {
        System.Environment.SetEnvironmentVariable("SPMD_BATCH_PASSED", "batch-passed-value");
        try
        {
            using var session = new PowerShellSession();
            var item = session.RunClean("""
                $j = Submit-ParallelBatchJob $p -ArgumentList echo-env, 200, SPMD_BATCH_TOKEN, SPMD_BATCH_PASSED -Ranks 2 -MpiImplementation OpenMpi -Environment @{ SPMD_BATCH_TOKEN = 'batch token value' } -PassEnvironment SPMD_BATCH_PASSED
                $j | Wait-ParallelJob -Timeout 120 | Out-Null; $j
                """, ("p", Program)).Single();
            var job = (PowerShellParallelJobView)item;

            Assert.That(job.State, Is.EqualTo(nameof(MPI.Launch.JobState.Completed)), () => File.ReadAllText(Path.Combine(job.Directory, BatchJobs.OutputFile)));
            var said = session.RunClean("Receive-ParallelJob $j -Keep").Select(record => (LogRecord)record.BaseObject)
                .Where(record => record.Rank is not null).Select(record => $"{record.Rank}:{record.Message}").ToList();
            foreach (int rank in new[] { 0, 1 })
                Assert.That(said, Has.Some.Contains($"{rank}:SPMD_BATCH_TOKEN=batch token value").And.Some.Contains($"{rank}:SPMD_BATCH_PASSED=batch-passed-value"));
            foreach (var name in new[] { BatchJobs.ScriptFile, "manifest.json" })
            {
                Assert.That(File.ReadAllText(Path.Combine(job.Directory, name)), Does.Not.Contain("batch token value").And.Not.Contain("batch-passed-value"), name);
            }
            Assert.That(File.ReadAllText(Path.Combine(job.Directory, "manifest.json")), Does.Contain("SPMD_BATCH_TOKEN"));
            const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var modes = Directory.GetFiles(job.Directory).ToDictionary(path => Path.GetFileName(path), File.GetUnixFileMode);
            Assert.That(modes.Keys, Does.Contain(BatchJobs.ScriptFile).And.Contain(BatchJobs.OutputFile).And.Contain("environment.json").And.Contain("rank-0.clef"));
            Assert.That(modes.Where(file => file.Value != OwnerReadWrite).Select(file => file.Key), Is.Empty, "files readable by others");
            Assert.That(File.GetUnixFileMode(job.Directory), Is.EqualTo(OwnerReadWrite | UnixFileMode.UserExecute));
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("SPMD_BATCH_PASSED", null);
        }
    }

    [Test]
    public void WhatIfAndExportShowTheScriptAndSubmitNothing()
    {
        using var session = new PowerShellSession();
        var before = Directory.GetDirectories(JobStoreSetUp.Root);
        var file = Path.Combine(_output, "exported.sbatch");
        session.RunClean("Submit-ParallelBatchJob $p -Ranks 4 -Nodes 1 -TasksPerNode 4 -Account physics -Directive '--exclusive' -Prologue 'echo ready' -WhatIf; Export-ParallelJobScript $p -Ranks 4 -Partition batch -Path $f",
            ("p", Pi), ("f", file));

        Assert.That(session.Screen, Does.Contain("#SBATCH --ntasks=4").And.Contain("#SBATCH --nodes=1").And.Contain("#SBATCH --ntasks-per-node=4")
            .And.Contain("#SBATCH --account=physics").And.Contain("#SBATCH --exclusive").And.Contain("echo ready").And.Contain("spmd-run.dll"));
        Assert.That(File.ReadAllText(file), Does.StartWith("#!/bin/bash\n").And.Contain("#SBATCH --partition=batch"));
        Assert.That(Directory.GetDirectories(JobStoreSetUp.Root), Is.EquivalentTo(before));
    }

    [Test]
    public void RefusedSubmissionIsAnErrorAndLeavesNothing()
    {
        using var session = new PowerShellSession();
        var before = Directory.GetDirectories(JobStoreSetUp.Root);
        session.Run("Submit-ParallelBatchJob $p -Ranks 2 -Partition nosuchpartition", ("p", Pi));
        var refused = session.Errors.Single();
        Assert.That(refused.CategoryInfo.Category, Is.EqualTo(ErrorCategory.ResourceUnavailable));
        Assert.That(refused.Exception, Is.TypeOf<SchedulerRefusedException>());
        Assert.That(refused.ToString(), Does.Contain("sbatch refused the job").And.Contain("partition"));
        Assert.That(refused.ErrorDetails.RecommendedAction, Does.Contain("partition"));

        // More ranks than the whole cluster has CPUs: refused at once (cluster.sh's EnforcePartLimits), not queued for ever.
        session.Run("Submit-ParallelBatchJob $p -Ranks 64", ("p", Pi));
        var tooLarge = session.Errors.Single();
        Assert.That(tooLarge.Exception, Is.TypeOf<SchedulerRefusedException>());
        Assert.That(tooLarge.ToString(), Does.Contain("sbatch refused the job").And.Contain("More processors requested than permitted"));

        var path = System.Environment.GetEnvironmentVariable("PATH");
        try
        {
            System.Environment.SetEnvironmentVariable("PATH", "/nonexistent");
            session.Run("Submit-ParallelBatchJob $p -Ranks 2", ("p", Pi));
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("PATH", path);
        }
        var missing = session.Errors.Single();
        Assert.That(missing.CategoryInfo.Category, Is.EqualTo(ErrorCategory.NotInstalled));
        Assert.That(missing.Exception, Is.TypeOf<SchedulerNotFoundException>());
        Assert.That(missing.ToString(), Does.Contain("Slurm is not installed here: sbatch is not on PATH"));
        Assert.That(missing.ErrorDetails.RecommendedAction, Does.Contain("Start-ParallelJob"));
        Assert.That(Directory.GetDirectories(JobStoreSetUp.Root), Is.EquivalentTo(before));
    }

}

/// <summary>Typed access to a parallel job returned by the cmdlets (the test project does not reference the module).</summary>
internal sealed class PowerShellParallelJobView(PSObject item)
{
    public Job Job => (Job)item.BaseObject;
    public string State => item.Properties["ParallelState"].Value.ToString()!;
    public string? Reason => item.Properties["Reason"].Value as string;
    public string JobId => (string)item.Properties["JobId"].Value;
    public string Directory => (string)item.Properties["Directory"].Value;
    public JobManifest Manifest => (JobManifest)item.Properties["Manifest"].Value;

    public static explicit operator PowerShellParallelJobView(PSObject item) => new(item);
}
