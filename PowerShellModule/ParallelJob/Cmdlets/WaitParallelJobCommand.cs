using System.Management.Automation;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Waits until parallel jobs end.</para>
/// <para type="description">Wait-ParallelJob waits for all the given jobs to end (or, with -Any, the first of them),
/// showing how many ranks have started and finished as progress, and returns the jobs that ended. With -Timeout it
/// returns after that many seconds even if jobs still run, returning only those that ended.</para>
/// </summary>
/// <example>
/// <code>Start-ParallelJob ./Pi.dll -Ranks 4 | Wait-ParallelJob | Receive-ParallelJob -Level Warning</code>
/// <para>Starts a job, waits for its end, then shows its warnings and errors.</para>
/// </example>
/// <example>
/// <code>$first = Get-ParallelJob -State Running | Wait-ParallelJob -Any -Timeout 60</code>
/// <para>Waits up to a minute for the first of the running jobs to end.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Wait, "ParallelJob", DefaultParameterSetName = ByJob)]
[OutputType(typeof(PowerShellParallelJob))]
public sealed class WaitParallelJobCommand : JobSelectionCmdlet
{
    private readonly List<PowerShellParallelJob> _jobs = [];

    /// <summary><para>Return when the first of the jobs ends, not all.</para></summary>
    [Parameter]
    public SwitchParameter Any { get; set; }

    /// <summary><para>Seconds to wait at most; by default there is no limit.</para></summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    [Alias("TimeoutSec")]
    public int Timeout { get; set; } = -1;

    /// <summary>Gathers the jobs to wait for.</summary>
    protected override void ProcessRecord() => _jobs.AddRange(SelectedJobs());

    /// <summary>Waits for the jobs and writes those that ended.</summary>
    protected override void EndProcessing()
    {
        var jobs = _jobs.Distinct().ToList();
        if (jobs.Count == 0)
            return;
        WaitFor(jobs, Any, Timeout < 0 ? null : TimeSpan.FromSeconds(Timeout));
        foreach (var job in jobs.Where(job => job.Finished.WaitOne(0)))
            WriteObject(job);
    }
}
