using MPI.Logging;

namespace MPI.Launch;

/// <summary>A job ready to start: its id in the store, its spec and the exact command that will run it.</summary>
public sealed record LaunchPlan(string Id, JobSpec Spec, MpiexecCommand Command);

/// <summary>
/// The exact mpiexec invocation for a job: executable, argument list (never a shell string), and the variables to set
/// in mpiexec's own environment. The arguments name those variables (Open MPI's -x NAME, MPICH's -genvlist) and never
/// hold their values: a process's arguments are readable by every user of the machine (ps, /proc/PID/cmdline), its
/// environment only by its owner.
/// </summary>
public sealed record MpiexecCommand(string FileName, IReadOnlyList<string> Arguments, MpiImplementation Implementation)
{
    /// <summary>Variables mpiexec is started with and passes to every rank (values that may be secret).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The command as a person would type it (for display only; quoting is shown, not executed).</summary>
    public override string ToString() =>
        string.Join(' ', new[] { FileName }.Concat(Arguments).Select(argument =>
            argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./:=,@%+".Contains(c, StringComparison.Ordinal))
                ? argument
                : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    /// <summary>
    /// Builds the command for <paramref name="spec"/> (validated first) and job <paramref name="jobId"/>, whose ranks
    /// append their records to files in <paramref name="recordDirectory"/> when one is given.
    /// </summary>
    /// <exception cref="JobSpecException">The spec cannot run, or the MPI implementation it asks for is not installed.</exception>
    public static MpiexecCommand Build(JobSpec spec, string jobId, string? recordDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var program = spec.Validate();
        var dialect = Resolve(spec.Implementation);
        var arguments = new List<string> { "-n", spec.Ranks.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        // Inside a batch allocation the job runs on the allocation's hosts unless told otherwise.
        var hosts = spec.Hosts.Count > 0 ? spec.Hosts : Allocation.Hosts();
        if (hosts.Count > 0)
            arguments.AddRange(dialect.HostList(string.Join(',', hosts.Select(host => $"{host.Host}:{host.Slots}"))));
        // Other hosts are reached through the launch agent (ssh unless told otherwise).
        if (hosts.Any(host => !HostProbe.IsThisMachine(host.Host)) && spec.EffectiveLaunchAgent != HostProbe.DefaultAgent)
            arguments.AddRange(dialect.LaunchAgent(spec.EffectiveLaunchAgent));
        arguments.AddRange(dialect.Always);
        if (spec.AllowOversubscription)
            arguments.AddRange(dialect.Oversubscribe);
        if (spec.AllowRunAsRoot)
            arguments.AddRange(dialect.AllowRunAsRoot);
        // Values go into mpiexec's environment, only names onto its command line.
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in Variables(spec, jobId, recordDirectory))
            environment[name] = value;
        arguments.AddRange(dialect.PassVariables(environment.Keys));
        if (spec.WorkingDirectory is { } directory)
            arguments.AddRange(dialect.WorkingDirectory(directory));
        if (program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            arguments.AddRange(["dotnet", program]);
        else
            arguments.Add(program);
        arguments.AddRange(spec.Arguments);
        return new MpiexecCommand(dialect.Executable, arguments, dialect.Implementation) { Environment = environment };
    }

    /// <summary>What this command's implementation does its own way.</summary>
    internal MpiexecDialect Dialect => MpiexecDialect.Of(Implementation);

    private static IEnumerable<(string Name, string Value)> Variables(JobSpec spec, string jobId, string? recordDirectory)
    {
        yield return (JobContract.JobIdVariable, jobId);
        if (recordDirectory is not null)
            yield return (JobContract.RecordDirectoryVariable, recordDirectory);
        foreach (var name in spec.PassEnvironment)
        {
            if (System.Environment.GetEnvironmentVariable(name) is { } value)
                yield return (name, value);
        }
        foreach (var (name, value) in spec.Environment)
            yield return (name, value);
    }

    private static MpiexecDialect Resolve(MpiImplementation requested)
    {
        if (requested != MpiImplementation.Auto)
        {
            var dialect = MpiexecDialect.Of(requested);
            return OnPath(dialect.Executable) ? dialect : throw new JobSpecException($"{requested} was asked for, but {dialect.Executable} is not installed.", JobSpecProblem.NotFound, JobSpecField.Implementation, requested);
        }
        return MpiexecDialect.All.FirstOrDefault(dialect => OnPath(dialect.Executable))
            ?? throw new JobSpecException(
                $"Neither {string.Join(" nor ", MpiexecDialect.All.Select(dialect => $"{dialect.DisplayName} ({dialect.Executable})"))} is installed.", JobSpecProblem.NotFound, JobSpecField.Implementation, requested);
    }

    private static bool OnPath(string name) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, name)));
}
