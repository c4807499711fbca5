using System.Diagnostics;
using System.Globalization;
using MPI.Logging;

namespace TaskWorker.Tests;

/// <summary>The worker's own behaviour around the tasks: time limits of script blocks, bad definitions, being told to stop.</summary>
[TestFixture(Mpi.Mpich)]
[TestFixture(Mpi.OpenMpi)]
public sealed class WorkerTests(Mpi mpi)
{
    [Test]
    public void A_script_block_past_its_time_limit_is_stopped_and_the_next_task_runs_in_a_fresh_runspace()
    {
        // One rank: the tasks run one after the other where the stopped ones ran. A .NET call cannot be stopped: its
        // runspace is left to it, and the rank goes on.
        var run = FarmRun.Of(mpi, 1, new FarmDefinition
        {
            Kind = FarmKind.ScriptBlock,
            Script = """
                $global:mark += "[$_]"
                if ($_ -eq 'sleep') { "started $_"; Start-Sleep -Seconds 600 }
                if ($_ -eq 'block') { [System.Threading.Thread]::Sleep(600000) }
                "ran $_ after $global:mark"
                """,
            TaskTimeLimitSeconds = 3,
            Tasks = [new FarmTask(0, FarmRun.Xml("sleep")), new FarmTask(1, FarmRun.Xml("block")), new FarmTask(2, FarmRun.Xml("after"))],
        });
        Assert.That(run.Process.ExitCode, Is.Zero, run.Describe());
        foreach (long index in new long[] { 0, 1 })
        {
            var stopped = run.Result(index);
            Assert.That(stopped.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Failed)), stopped.ToString());
            Assert.That(stopped.Text(TaskFarmContract.ErrorTypeProperty), Is.EqualTo(typeof(TimeoutException).FullName));
            Assert.That(stopped.Text(TaskFarmContract.ErrorMessageProperty), Does.Contain("time limit of 3 s"));
        }
        // What a stopped task wrote before its limit is kept.
        Assert.That(FarmRun.Items(run.Result(0).Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { "started sleep" }), run.Result(0).ToString());
        var next = run.Result(2);
        Assert.That(next.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Completed)), next.ToString());
        Assert.That(FarmRun.Items(next.Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { "ran after after [after]" }));
        Assert.That(Leftovers.Of(run.JobId), Is.Empty);
    }

    [Test]
    public void A_script_block_that_does_not_parse_fails_each_task_with_the_parser_s_message()
    {
        var run = FarmRun.Of(mpi, 1, new FarmDefinition
        {
            Kind = FarmKind.ScriptBlock,
            Script = "$x = ",
            Tasks = [new FarmTask(0, FarmRun.Xml(1)), new FarmTask(1, FarmRun.Xml(2))],
        });
        Assert.That(run.Process.ExitCode, Is.Zero, run.Describe());
        foreach (long index in new long[] { 0, 1 })
        {
            var result = run.Result(index);
            Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Failed)), result.ToString());
            Assert.That(result.Text(TaskFarmContract.ErrorTypeProperty), Is.EqualTo(typeof(System.Management.Automation.ParseException).FullName));
            Assert.That(result.Text(TaskFarmContract.ErrorMessageProperty), Does.Contain("value expression following the '=' operator"));
            Assert.That(FarmRun.Items(result.Text(TaskFarmContract.ErrorsProperty)), Has.Length.EqualTo(1));
        }
    }

    [Test]
    public void A_farm_without_tasks_starts_and_ends_at_once()
    {
        var run = FarmRun.Of(mpi, 2, new FarmDefinition { Kind = FarmKind.ScriptBlock, Script = "$_", Tasks = [] });
        Assert.That(run.Process.ExitCode, Is.Zero, run.Describe());
        var started = run.Records.Single(r => r.Template == TaskFarmContract.StartedTemplate);
        Assert.That(started.Number(TaskFarmContract.TaskCountProperty), Is.Zero);
        Assert.That(run.Results, Is.Empty);
    }

    [Test]
    public void The_lowest_rank_that_can_read_the_definition_coordinates_and_every_rank_computes()
    {
        // The same relative path on each rank: only rank 1's working directory holds the file.
        var directory = FarmRun.Scratch();
        var blind = Directory.CreateDirectory(Path.Combine(directory, "blind")).FullName;
        var seeing = Directory.CreateDirectory(Path.Combine(directory, "seeing")).FullName;
        TaskFarmContract.Write(Path.Combine(seeing, TaskFarmContract.DefinitionFile), new FarmDefinition
        {
            Kind = FarmKind.ScriptBlock,
            Script = "Start-Sleep -Milliseconds 500; $_ * $__using_Factor",
            UsingValues = FarmRun.Xml(new System.Collections.Hashtable { ["Factor"] = 2 }),
            Tasks = [new FarmTask(0, FarmRun.Xml(10)), new FarmTask(1, FarmRun.Xml(20))],
        });
        var run = FarmRun.OfRanksIn(mpi, [blind, seeing], TaskFarmContract.DefinitionFile, directory);
        Assert.That(run.Process.ExitCode, Is.Zero, run.Describe());
        var started = run.Records.Single(r => r.Template == TaskFarmContract.StartedTemplate);
        Assert.That(started.Number(TaskFarmContract.CoordinatorProperty), Is.EqualTo(1));
        Assert.That(FarmRun.Items(run.Result(0).Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { 20 }), run.Describe());
        Assert.That(FarmRun.Items(run.Result(1).Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { 40 }), run.Describe());
        Assert.That(run.Results.Select(r => r.Number(TaskFarmContract.TaskRankProperty)), Is.EquivalentTo(new long[] { 0, 1 }),
            "rank 0, which cannot read the file, runs a task with what the coordinator sent it");
    }

    [Test]
    public void A_definition_no_rank_can_read_fails_every_rank_naming_its_path()
    {
        var directory = FarmRun.Scratch();
        var path = Path.Combine(directory, "missing", TaskFarmContract.DefinitionFile);
        var run = FarmRun.OfPath(mpi, 2, path, directory);
        Assert.That(run.Process.ExitCode, Is.Not.Zero, run.Describe());
        var fatal = run.Records.Where(r => r.Level == "Fatal").ToList();
        Assert.That(fatal, Is.Not.Empty, run.Describe());
        Assert.That(fatal.Select(r => r.ToString()), Has.All.Contain("No rank of the farm can read its definition file").And.All.Contain(path));
    }

    [Test]
    public void A_definition_that_is_not_one_fails_naming_its_path()
    {
        var directory = FarmRun.Scratch();
        var path = Path.Combine(directory, TaskFarmContract.DefinitionFile);
        File.WriteAllText(path, "{\"kind\": \"Nothing\"");
        var run = FarmRun.OfPath(mpi, 2, path, directory);
        Assert.That(run.Process.ExitCode, Is.Not.Zero, run.Describe());
        Assert.That(run.Records.Where(r => r.Level == "Fatal").Select(r => r.ToString()), Has.Some.Contain("is not valid").And.Some.Contain(path), run.Describe());
    }

    [Test]
    public void A_rank_told_to_stop_leaves_no_program_running()
    {
        var marker = $"62{Random.Shared.Next(1000, 9999)}.75";
        var (mpiexec, jobId, records) = FarmRun.Start(mpi, 2, new FarmDefinition
        {
            Kind = FarmKind.Program,
            // In a session of its own, out of the reach of mpiexec, which ends a job's ranks with their process groups.
            Program = "setsid",
            // One task: mpiexec kills the other ranks of a job with SIGKILL once one ended, which no process can act on.
            Tasks = [new FarmTask(0, Arguments: ["sleep", marker])],
        });
        try
        {
            var program = Eventually.Produces(() => Processes.WithCommandLine("sleep " + marker).Cast<object>().FirstOrDefault(),
                "a task's program running");
            // The rank that runs it (its parent), told to stop as mpiexec tells ranks.
            Command.Run("kill", ["-TERM", Processes.ParentOf((int)program).ToString(CultureInfo.InvariantCulture)]);
            var (exited, output, error) = Command.Collect(mpiexec, TimeSpan.FromMinutes(1));
            Assert.That(exited, Is.True, $"mpiexec did not end when a rank was told to stop\n{output}\n{error}");
            Assert.That(FarmRun.ReadRecords(records).Where(r => r.Template == JobContract.TerminatedTemplate), Is.Not.Empty);
            // Cut off by the stop, the task has no outcome of its own: a saved one would keep a resumed farm from running it.
            Assert.That(FarmRun.ReadRecords(records).Where(r => r.Template == TaskFarmContract.ResultTemplate), Is.Empty);
            Eventually.Holds(() => Processes.WithCommandLine(marker).Count == 0 && Leftovers.Of(jobId).Count == 0,
                "the job's processes and programs ending", TimeSpan.FromSeconds(30));
        }
        finally
        {
            EndLeftovers(mpiexec, marker);
        }
    }

    [Test]
    public void A_task_cut_off_by_the_coordinator_stopping_gets_no_result()
    {
        var marker = $"63{Random.Shared.Next(1000, 9999)}.25";
        var (mpiexec, jobId, records) = FarmRun.Start(mpi, 2, new FarmDefinition
        {
            Kind = FarmKind.Program,
            Program = "setsid",
            Tasks = [new FarmTask(0, Arguments: ["sleep", marker]), new FarmTask(1, Arguments: ["sleep", marker])],
        });
        try
        {
            // Both ranks run a task; the coordinator is told to stop, as mpiexec tells ranks. It kills its program,
            // whose failure it would otherwise report as the task's outcome on its way out.
            var programs = Eventually.Produces(() => Processes.WithCommandLine("sleep " + marker) is { Count: 2 } both ? both : null,
                "both tasks' programs running");
            int coordinator = Eventually.Produces(() => FarmRun.ReadRecords(records)
                .FirstOrDefault(r => r.Template == TaskFarmContract.StartedTemplate), "the farm started").Json.GetProperty(JobContract.ProcessIdProperty).GetInt32();
            Assert.That(programs.Select(Processes.ParentOf), Does.Contain(coordinator));
            Command.Run("kill", ["-TERM", coordinator.ToString(CultureInfo.InvariantCulture)]);
            var (exited, output, error) = Command.Collect(mpiexec, TimeSpan.FromMinutes(1));
            Assert.That(exited, Is.True, $"mpiexec did not end when a rank was told to stop\n{output}\n{error}");
            Assert.That(FarmRun.ReadRecords(records).Where(r => r.Template == TaskFarmContract.ResultTemplate), Is.Empty);
        }
        finally
        {
            EndLeftovers(mpiexec, marker);
        }
    }

    [Test]
    public void A_program_that_leaves_a_process_behind_does_not_hold_the_job_open()
    {
        var marker = $"63{Random.Shared.Next(1000, 9999)}.75";
        var (mpiexec, _, records) = FarmRun.Start(mpi, 1, new FarmDefinition
        {
            Kind = FarmKind.Program,
            // setsid --fork: the program exits at once; the sleep it started lives on in a session of its own.
            Program = "setsid",
            Tasks = [new FarmTask(0, Arguments: ["--fork", "sleep", marker])],
        });
        try
        {
            var (exited, output, error) = Command.Collect(mpiexec, TimeSpan.FromMinutes(1));
            Assert.That(exited, Is.True, $"mpiexec did not end while the task's leftover lived\n{output}\n{error}");
            Assert.That(mpiexec.ExitCode, Is.Zero, $"{output}\n{error}");
            var result = FarmRun.ReadRecords(records).Single(r => r.Template == TaskFarmContract.ResultTemplate);
            Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Completed)), result.ToString());
        }
        finally
        {
            EndLeftovers(mpiexec, marker);
        }
    }

    // Whatever a failed test left: mpiexec and its ranks, the programs (this test's own processes, by id).
    private static void EndLeftovers(Process mpiexec, string marker)
    {
        if (!mpiexec.HasExited)
            mpiexec.Kill(entireProcessTree: true);
        foreach (var pid in Processes.WithCommandLine(marker))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Gone meanwhile.
            }
        }
        mpiexec.Dispose();
    }
}
