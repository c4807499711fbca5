using System.Collections;
using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>The parameters that describe a job, shared by the cmdlets that start or submit one.</summary>
public abstract class JobSpecCmdlet : ParallelJobCmdlet
{
    /// <summary><para>The program: a .NET job (.dll, run with dotnet) or an executable, as a path or a name on PATH.</para></summary>
    [Parameter(Mandatory = true, Position = 0)]
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

    /// <summary><para>Which MPI runs the job: Auto (Open MPI if installed, else MPICH), OpenMpi or Mpich.</para></summary>
    [Parameter]
    public MpiImplementation MpiImplementation { get; set; } = MpiImplementation.Auto;

    /// <summary><para>Environment variables to set for every rank.</para></summary>
    [Parameter]
    public Hashtable Environment { get; set; } = [];

    /// <summary><para>Names of variables of this session to pass on to every rank.</para></summary>
    [Parameter]
    public string[] PassEnvironment { get; set; } = [];

    /// <summary><para>The ranks' working directory; by default the current location.</para></summary>
    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary><para>The job is stopped, and ends TimedOut, when it runs longer than this.</para></summary>
    [Parameter]
    public TimeSpan? TimeLimit { get; set; }

    /// <summary><para>Every rank must have started within this time (default one minute), or the job is stopped.</para></summary>
    [Parameter]
    public TimeSpan? StartupDeadline { get; set; }

    /// <summary><para>A name for the job (Get-ParallelJob -Name finds it).</para></summary>
    [Parameter]
    public string? Name { get; set; }

    /// <summary>
    /// <paramref name="command"/> as a full path when it is a path (relative to the current location); a bare name
    /// as it is, to be looked up on PATH later.
    /// </summary>
    protected string PathOrName(string command) => command.Contains('/', StringComparison.Ordinal) ? GetUnresolvedProviderPathFromPSPath(command) : command;

    /// <summary>The job these parameters describe, on <paramref name="hosts"/>; ranks default to <paramref name="defaultRanks"/>.</summary>
    protected JobSpec Spec(IReadOnlyList<HostSlots> hosts, int defaultRanks)
    {
        var spec = new JobSpec
        {
            Program = PathOrName(Program),
            Arguments = ArgumentList,
            Ranks = Ranks > 0 ? Ranks : defaultRanks,
            Hosts = hosts,
            Implementation = MpiImplementation,
            Environment = Environment.Cast<DictionaryEntry>().ToDictionary(
                entry => entry.Key.ToString() ?? "", entry => LanguagePrimitives.ConvertTo<string>(entry.Value) ?? ""),
            PassEnvironment = PassEnvironment,
            WorkingDirectory = WorkingDirectory is null
                ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
                : GetUnresolvedProviderPathFromPSPath(WorkingDirectory),
            TimeLimit = TimeLimit,
            Name = Name,
        };
        return StartupDeadline is { } deadline ? spec with { StartupDeadline = deadline } : spec;
    }
}
