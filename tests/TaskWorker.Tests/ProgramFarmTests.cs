using MPI.Logging;

namespace TaskWorker.Tests;

/// <summary>
/// A farm of programs on two ranks (each task a /bin/sh with its own arguments, never a shell line built by the
/// worker): output and exit codes, big output on both pipes at once, a time limit on a process tree; and a farm of a
/// program that does not exist.
/// </summary>
[TestFixture(Mpi.Mpich)]
[TestFixture(Mpi.OpenMpi)]
public sealed class ProgramFarmTests(Mpi mpi)
{
    private const long Talks = 0, ExitsThree = 1, BigOutput = 2, Sleeps = 3, Quoted = 4, MeetsB = 5, MeetsA = 6;
    private const int Big = 300_000;
    private readonly string _sleepMarker = $"61{Random.Shared.Next(1000, 9999)}.25";

    private FarmRun _run = null!;
    private FarmRun _missing = null!;

    [OneTimeSetUp]
    public void RunFarms()
    {
        var meeting = FarmRun.Scratch();
        // Each says it started, then waits for the other: they complete only if they run at the same time.
        const string Meet = "touch \"$1/$2\"; until [ -e \"$1/$3\" ]; do sleep 0.05; done";
        _run = FarmRun.Of(mpi, 2, new FarmDefinition
        {
            Kind = FarmKind.Program,
            Program = "/bin/sh",
            TaskTimeLimitSeconds = 4,
            Tasks =
            [
                // First, so the two ranks start with them.
                new FarmTask(MeetsA, Arguments: ["-c", Meet, "sh", meeting, "a", "b"]),
                new FarmTask(MeetsB, Arguments: ["-c", Meet, "sh", meeting, "b", "a"]),
                new FarmTask(Talks, Arguments: ["-c", "echo hello; echo oops >&2"]),
                new FarmTask(ExitsThree, Arguments: ["-c", "echo partial; exit 3"]),
                new FarmTask(BigOutput, Arguments: ["-c", $"head -c {Big} /dev/zero | tr '\\0' x; head -c {Big} /dev/zero | tr '\\0' y >&2"]),
                // A tree: the shell and its sleep, which must end with it.
                new FarmTask(Sleeps, Arguments: ["-c", $"sleep {_sleepMarker}; echo never"]),
                new FarmTask(Quoted, Arguments: ["-c", "printf '%s|' \"$@\"", "sh", "two words", "$HOME", "*"]),
            ],
        });
        _missing = FarmRun.Of(mpi, 1, new FarmDefinition
        {
            Kind = FarmKind.Program,
            Program = "/nonexistent/taskworker-program",
            MaxRetries = 1,
            Tasks = [new FarmTask(0, Arguments: ["a"]), new FarmTask(1, Arguments: ["b"])],
        });
    }

    [Test]
    public void The_worker_ends_with_success_and_reports_every_task()
    {
        Assert.That(_run.Process.ExitCode, Is.Zero, _run.Describe());
        Assert.That(_run.Results.Select(r => r.Number(TaskFarmContract.TaskIndexProperty)),
            Is.EquivalentTo(new[] { Talks, ExitsThree, BigOutput, Sleeps, Quoted, MeetsA, MeetsB }));
    }

    [Test]
    public void Two_ranks_run_two_tasks_at_the_same_time()
    {
        foreach (long index in new[] { MeetsA, MeetsB })
        {
            var result = _run.Result(index);
            Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Completed)), result.ToString());
        }
    }

    [Test]
    public void A_program_s_output_error_and_exit_code_are_its_result()
    {
        var result = _run.Result(Talks);
        Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Completed)), result.ToString());
        Assert.That(result.Text(TaskFarmContract.OutputProperty), Is.EqualTo("hello\n"));
        Assert.That(result.Text(TaskFarmContract.StandardErrorProperty), Is.EqualTo("oops\n"));
        Assert.That(result.Number(TaskFarmContract.ExitCodeProperty), Is.Zero);
        Assert.That(result.Has(TaskFarmContract.ErrorsProperty), Is.False);
    }

    [Test]
    public void A_non_zero_exit_code_fails_the_task_with_its_output()
    {
        var result = _run.Result(ExitsThree);
        Assert.That(result.Level, Is.EqualTo("Error"));
        Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Failed)), result.ToString());
        Assert.That(result.Text(TaskFarmContract.ErrorMessageProperty), Is.EqualTo("exited with code 3"));
        Assert.That(result.Number(TaskFarmContract.ExitCodeProperty), Is.EqualTo(3));
        Assert.That(result.Text(TaskFarmContract.OutputProperty), Is.EqualTo("partial\n"));
        Assert.That(result.Has(TaskFarmContract.StandardErrorProperty), Is.False);
    }

    [Test]
    public void Output_bigger_than_a_pipe_on_both_streams_is_captured_whole()
    {
        var result = _run.Result(BigOutput);
        Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Completed)), result.Text(TaskFarmContract.ErrorMessageProperty));
        Assert.That(result.Text(TaskFarmContract.OutputProperty), Is.EqualTo(new string('x', Big)));
        Assert.That(result.Text(TaskFarmContract.StandardErrorProperty), Is.EqualTo(new string('y', Big)));
    }

    [Test]
    public void Arguments_reach_the_program_as_they_are()
    {
        Assert.That(_run.Result(Quoted).Text(TaskFarmContract.OutputProperty), Is.EqualTo("two words|$HOME|*|"));
    }

    [Test]
    public void A_program_past_its_time_limit_fails_with_a_timeout_and_its_process_tree_is_gone()
    {
        var result = _run.Result(Sleeps);
        Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Failed)), result.ToString());
        Assert.That(result.Text(TaskFarmContract.ErrorTypeProperty), Is.EqualTo(typeof(TimeoutException).FullName));
        Assert.That(result.Text(TaskFarmContract.ErrorMessageProperty), Does.Contain("time limit of 4 s"));
        Assert.That(Processes.WithCommandLine(_sleepMarker), Is.Empty, "the program's sleep outlived its time limit");
        Assert.That(Leftovers.Of(_run.JobId), Is.Empty);
    }

    [Test]
    public void A_program_that_cannot_start_fails_each_task_naming_the_program_and_host()
    {
        Assert.That(_missing.Process.ExitCode, Is.Zero, _missing.Describe());
        foreach (long index in new long[] { 0, 1 })
        {
            var result = _missing.Result(index);
            Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Failed)), result.ToString());
            Assert.That(result.Text(TaskFarmContract.ErrorMessageProperty), Does.Contain("/nonexistent/taskworker-program")
                .And.Contain(System.Environment.MachineName));
            Assert.That(result.Number(TaskFarmContract.AttemptsProperty), Is.EqualTo(2));
            Assert.That(result.Has(TaskFarmContract.ExitCodeProperty), Is.False);
        }
    }
}
