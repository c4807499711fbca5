using System.Collections;
using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>The parameters of how a job runs (MPI, environment, directory, limits, name), shared by the cmdlets that start or submit jobs and farms.</summary>
public abstract class JobOptionsCmdlet : ParallelJobCmdlet
{
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

    /// <summary><para>Let Open MPI's mpiexec run as root (--allow-run-as-root); it refuses to otherwise, unless OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 are set.</para></summary>
    [Parameter]
    public SwitchParameter AllowRunAsRoot { get; set; }

    /// <summary>
    /// <paramref name="command"/> as a full path when it is a path (relative to the current location); a bare name
    /// as it is, to be looked up on PATH later.
    /// </summary>
    protected string PathOrName(string command) => command.Contains('/', StringComparison.Ordinal) ? GetUnresolvedProviderPathFromPSPath(command) : command;

    /// <summary>The job of <paramref name="program"/> with <paramref name="arguments"/> on <paramref name="ranks"/> ranks over <paramref name="hosts"/>, as these parameters describe it.</summary>
    protected JobSpec Spec(string program, IReadOnlyList<string> arguments, int ranks, IReadOnlyList<HostSlots> hosts)
    {
        var spec = new JobSpec
        {
            Program = program,
            Arguments = arguments,
            Ranks = ranks,
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
            AllowRunAsRoot = AllowRunAsRoot,
        };
        return StartupDeadline is { } deadline ? spec with { StartupDeadline = deadline } : spec;
    }
}
