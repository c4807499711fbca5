using System.Collections;
using System.Management.Automation;
using MPI.Logging;

namespace TaskWorker.Tests;

/// <summary>
/// One farm of script blocks on two ranks (the coordinator computes too), whose inputs pick what each task does:
/// compute with $using: values and arguments, write a non-terminating error, throw, stop on an error, fail only on
/// its first attempt. Every test reads the result records of that one run.
/// </summary>
[TestFixture(Mpi.Mpich)]
[TestFixture(Mpi.OpenMpi)]
public sealed class ScriptFarmTests(Mpi mpi)
{
    private const string Script = """
        param($Offset, $Suffix)
        if ($_ -is [System.Collections.IList]) { return "list of $($_.Count)" }
        if ($_ -is [int]) { return $_ * $__using_Factor + $Offset }
        switch -regex ($_) {
            '^warn$' { Write-Error 'a non-terminating error'; "went on$Suffix" }
            '^throw$' { 'before the throw'; throw 'the task threw' }
            '^stop$' { Get-Item -LiteralPath '/nonexistent/taskworker-test' -ErrorAction Stop; 'never' }
            '^once:' {
                $marker = $_.Substring(5)
                if (-not (Test-Path -LiteralPath $marker)) { New-Item -ItemType File -Path $marker | Out-Null; throw 'first attempt fails' }
                'second attempt'
            }
            '^item$' { $PSItem; $input }
            '^cmdlets$' { [pscustomobject]@{ Name = 'x'; Size = 2 } | Select-Object -Property Name | ConvertTo-Json -Compress }
        }
        """;

    // Tasks 0..9 double-ish numbers; then the special ones at their own indices.
    private const int Numbers = 10;
    private const long Warn = 100, Throw = 101, Stop = 102, Once = 103, List = 104, Item = 105, Cmdlets = 106;

    private FarmRun _run = null!;

    [OneTimeSetUp]
    public void RunFarm()
    {
        var marker = Path.Combine(FarmRun.Scratch(), "first-attempt");
        var tasks = Enumerable.Range(0, Numbers).Select(i => new FarmTask(i, FarmRun.Xml(i))).ToList();
        tasks.Add(new FarmTask(Warn, FarmRun.Xml("warn")));
        tasks.Add(new FarmTask(Throw, FarmRun.Xml("throw")));
        tasks.Add(new FarmTask(Stop, FarmRun.Xml("stop")));
        tasks.Add(new FarmTask(Once, FarmRun.Xml("once:" + marker)));
        tasks.Add(new FarmTask(List, FarmRun.Xml(new object[] { 1, 2, 3 })));
        tasks.Add(new FarmTask(Item, FarmRun.Xml("item")));
        tasks.Add(new FarmTask(Cmdlets, FarmRun.Xml("cmdlets")));
        _run = FarmRun.Of(mpi, 2, new FarmDefinition
        {
            Kind = FarmKind.ScriptBlock,
            Script = Script,
            UsingValues = FarmRun.Xml(new Hashtable { ["Factor"] = 3 }),
            ArgumentList = FarmRun.Xml(new object[] { 1000, "!" }),
            MaxRetries = 1,
            Tasks = tasks,
        });
    }

    [Test]
    public void The_worker_ends_with_success_and_reports_one_result_per_task()
    {
        Assert.That(_run.Process.ExitCode, Is.Zero, _run.Describe());
        Assert.That(_run.Results, Has.Count.EqualTo(Numbers + 7), _run.Describe());
        Assert.That(_run.Results.Select(r => r.Number(TaskFarmContract.TaskIndexProperty)), Is.Unique);
    }

    [Test]
    public void The_coordinator_announces_the_farm_with_its_task_count()
    {
        var started = _run.Records.Where(r => r.Template == TaskFarmContract.StartedTemplate).ToList();
        Assert.That(started, Has.Count.EqualTo(1), _run.Describe());
        Assert.That(started[0].Number(TaskFarmContract.TaskCountProperty), Is.EqualTo(Numbers + 7));
        Assert.That(started[0].Number(TaskFarmContract.CoordinatorProperty), Is.Zero);
    }

    [Test]
    public void Each_output_comes_back_under_its_task_index_with_using_values_and_arguments_applied()
    {
        for (int i = 0; i < Numbers; i++)
        {
            var result = _run.Result(i);
            Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Completed)), result.ToString());
            Assert.That(FarmRun.Items(result.Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { i * 3 + 1000 }), result.ToString());
        }
    }

    [Test]
    public void A_completed_result_carries_exactly_the_contract_properties()
    {
        var result = _run.Result(0);
        Assert.That(result.Level, Is.EqualTo("Information"));
        Assert.That(result.Properties, Is.EquivalentTo(new[]
        {
            TaskFarmContract.TaskIndexProperty, TaskFarmContract.OutcomeProperty, TaskFarmContract.TaskRankProperty,
            TaskFarmContract.TaskHostProperty, TaskFarmContract.AttemptsProperty, TaskFarmContract.ElapsedProperty,
            TaskFarmContract.OutputProperty,
        }), result.ToString());
        Assert.That(result.Number(TaskFarmContract.AttemptsProperty), Is.EqualTo(1));
        Assert.That(result.Number(TaskFarmContract.TaskRankProperty), Is.InRange(0, 1));
        Assert.That(result.Text(TaskFarmContract.TaskHostProperty), Is.Not.Empty);
        Assert.That(result.Real(TaskFarmContract.ElapsedProperty), Is.GreaterThanOrEqualTo(0));
    }

    [Test]
    public void Both_ranks_run_tasks()
    {
        var ranks = _run.Results.Select(r => r.Number(TaskFarmContract.TaskRankProperty)).Distinct();
        Assert.That(ranks, Is.EquivalentTo(new long[] { 0, 1 }), _run.Describe());
    }

    [Test]
    public void A_non_terminating_error_is_reported_and_the_task_completes()
    {
        var result = _run.Result(Warn);
        Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Completed)), result.ToString());
        Assert.That(FarmRun.Items(result.Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { "went on!" }));
        var errors = FarmRun.Items(result.Text(TaskFarmContract.ErrorsProperty));
        Assert.That(errors, Has.Length.EqualTo(1));
        Assert.That(errors[0]!.ToString(), Does.Contain("a non-terminating error"));
    }

    [Test]
    public void A_throwing_task_fails_with_its_message_after_its_retries()
    {
        var result = _run.Result(Throw);
        Assert.That(result.Level, Is.EqualTo("Error"));
        Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Failed)), result.ToString());
        Assert.That(result.Number(TaskFarmContract.AttemptsProperty), Is.EqualTo(2));
        Assert.That(result.Text(TaskFarmContract.ErrorMessageProperty), Is.EqualTo("the task threw"));
        Assert.That(result.Text(TaskFarmContract.ErrorTypeProperty), Is.EqualTo(typeof(RuntimeException).FullName));
        Assert.That(result.Text(TaskFarmContract.RemoteStackTraceProperty), Does.Contain("line 6"), "the script's stack, at the throw");
    }

    [Test]
    public void A_failed_task_brings_its_output_so_far_and_its_error_records()
    {
        var result = _run.Result(Throw);
        Assert.That(FarmRun.Items(result.Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { "before the throw" }), result.ToString());
        var errors = FarmRun.Items(result.Text(TaskFarmContract.ErrorsProperty));
        Assert.That(errors, Has.Length.EqualTo(1));
        Assert.That(errors[0]!.ToString(), Does.Contain("the task threw"));
        Assert.That(result.Has(TaskFarmContract.ExitCodeProperty), Is.False);
        Assert.That(result.Has(TaskFarmContract.StandardErrorProperty), Is.False);
    }

    [Test]
    public void An_error_made_terminating_by_ErrorAction_Stop_fails_the_task_with_the_error_s_own_message_and_type()
    {
        var result = _run.Result(Stop);
        Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Failed)), result.ToString());
        Assert.That(result.Text(TaskFarmContract.ErrorMessageProperty), Does.Contain("/nonexistent/taskworker-test").And.Not.Contain("preference variable"));
        Assert.That(result.Text(TaskFarmContract.ErrorTypeProperty), Is.EqualTo(typeof(ItemNotFoundException).FullName));
        Assert.That(result.Has(TaskFarmContract.OutputProperty), Is.False);
    }

    [Test]
    public void A_task_that_fails_only_on_its_first_attempt_completes_on_its_second()
    {
        var result = _run.Result(Once);
        Assert.That(result.Text(TaskFarmContract.OutcomeProperty), Is.EqualTo(nameof(FarmOutcome.Completed)), result.ToString());
        Assert.That(result.Number(TaskFarmContract.AttemptsProperty), Is.EqualTo(2));
        Assert.That(FarmRun.Items(result.Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { "second attempt" }));
        Assert.That(result.Has(TaskFarmContract.ErrorsProperty), Is.False, "the first attempt's error is not the result's");
    }

    [Test]
    public void A_list_input_is_one_object_for_its_task()
    {
        Assert.That(FarmRun.Items(_run.Result(List).Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { "list of 3" }));
    }

    [Test]
    public void PSItem_and_input_are_the_task_s_input()
    {
        Assert.That(FarmRun.Items(_run.Result(Item).Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { "item", "item" }));
    }

    [Test]
    public void Default_cmdlets_are_available()
    {
        var result = _run.Result(Cmdlets);
        Assert.That(FarmRun.Items(result.Text(TaskFarmContract.OutputProperty)), Is.EqualTo(new object[] { "{\"Name\":\"x\"}" }), result.ToString());
    }
}
