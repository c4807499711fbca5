using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Tests hosts before jobs are placed on them: reachability, MPI found there, CPU count.</para>
/// <para type="description">Test-ParallelHost probes each host, all at once, through the launch agent (ssh by
/// default; this machine is probed directly) and returns one row per host: whether it answered, the MPI
/// implementations and versions installed there, and its CPU count. A host that cannot be reached is named with the
/// reason (its name does not resolve, the agent failed, no answer within the timeout).</para>
/// </summary>
/// <example>
/// <code>Test-ParallelHost localhost, node1, node2</code>
/// <para>Shows, per host, whether it answers, its MPI implementations and its CPU count.</para>
/// </example>
/// <example>
/// <code>Test-ParallelHost node1, node2 | Where-Object Reachable | Start-ParallelJob ./Pi.dll -Ranks 4</code>
/// <para>Starts a job over the hosts that answered.</para>
/// </example>
/// <example>
/// <code>Import-Csv hosts.csv | Test-ParallelHost</code>
/// <para>Tests the hosts of a file's ComputerName (or HostName) column.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "ParallelHost")]
[OutputType(typeof(HostReport))]
public sealed class TestParallelHostCommand : ParallelJobCmdlet
{
    private readonly List<string> _hosts = [];

    /// <summary><para>The hosts to test, optionally with slots (node1:4).</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("HostName", "Node", "Cn")]
    [ArgumentCompleter(typeof(HostCompleter))]
    public string[] ComputerName { get; set; } = [];

    /// <summary><para>The command that reaches other hosts, called as ssh is: agent host command (default: $env:SPMD_LAUNCH_AGENT, else ssh).</para></summary>
    [Parameter]
    public string? LaunchAgent { get; set; }

    /// <summary>Gathers the hosts given through the pipeline.</summary>
    protected override void ProcessRecord() => _hosts.AddRange(ComputerName);

    /// <summary>Probes every host at once and writes a report per host.</summary>
    protected override void EndProcessing()
    {
        var probes = new List<(string Host, Task<HostReport> Report)>();
        foreach (var host in _hosts)
        {
            try
            {
                HostSlots.Parse(host);
            }
            catch (JobSpecException e)
            {
                WriteError(SpecError(e, host));
                continue;
            }
            probes.Add((host, Task.Run(() => HostProbe.Probe(host, LaunchAgent))));
        }
        foreach (var (_, report) in probes)
            WriteObject(report.GetAwaiter().GetResult());
    }
}
