using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>The parameters that describe a job, shared by the cmdlets that start or submit one.</summary>
public abstract class JobSpecCmdlet : JobOptionsCmdlet
{
    /// <summary>The parameter set of a program run on every rank (the only one of most cmdlets).</summary>
    protected const string ProgramSet = "Program";

    /// <summary><para>The program: a .NET job (.dll, run with dotnet) or an executable, as a path or a name on PATH.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ProgramSet)]
    [Alias("FilePath")]
    public string Program { get; set; } = "";

    /// <summary><para>The program's arguments, passed to every rank as they are (never through a shell).</para></summary>
    [Parameter(Position = 1)]
    [Alias("Args")]
    public string[] ArgumentList { get; set; } = [];

    /// <summary><para>How many ranks to start. By default, as many as the hosts have slots, or this machine's CPU count.</para></summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Ranks { get; set; }

    /// <summary>The job these parameters describe, on <paramref name="hosts"/>; ranks default to <paramref name="defaultRanks"/>.</summary>
    protected JobSpec Spec(IReadOnlyList<HostSlots> hosts, int defaultRanks) =>
        Spec(PathOrName(Program), ArgumentList, Ranks > 0 ? Ranks : defaultRanks, hosts);
}
