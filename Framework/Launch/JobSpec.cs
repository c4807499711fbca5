namespace MPI.Launch;

/// <summary>Which MPI implementation's mpiexec runs a job.</summary>
public enum MpiImplementation
{
    /// <summary>Open MPI if installed, otherwise MPICH.</summary>
    Auto,

    /// <summary>Open MPI (mpiexec.openmpi).</summary>
    OpenMpi,

    /// <summary>MPICH (mpiexec.mpich, Hydra).</summary>
    Mpich,
}

/// <summary>
/// Everything needed to start a job: what to run, on how many ranks, where, with which MPI, environment and limits.
/// <see cref="Validate"/> turns every mistake into a <see cref="JobSpecException"/> before anything starts.
/// </summary>
public sealed record JobSpec
{
    /// <summary>A built .NET job (.dll, run with dotnet) or an executable.</summary>
    public required string Program { get; init; }

    /// <summary>The program's arguments, passed to every rank as they are (never through a shell).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>
    /// How many ranks to start; by default <see cref="DefaultRanks"/> of <see cref="Hosts"/> (a plan records the
    /// number it decided on).
    /// </summary>
    public int Ranks
    {
        get => _ranks ?? DefaultRanks(Hosts);
        init => _ranks = value;
    }

    private readonly int? _ranks;

    /// <summary>Whether <see cref="Ranks"/> was given (rather than taken from the hosts).</summary>
    internal bool RanksGiven => _ranks is not null;

    /// <summary>
    /// The number of ranks a job on <paramref name="hosts"/> gets when none is given, what <c>Start-ParallelJob</c>
    /// and a <see cref="JobSpec"/> without <see cref="Ranks"/> both use: as many as the hosts have slots; with no
    /// hosts, as many as the batch allocation this process runs in has (see <see cref="Allocation"/>), else this
    /// machine's processor count.
    /// </summary>
    /// <param name="hosts">The job's hosts; empty for this machine or the allocation's hosts.</param>
    /// <exception cref="JobSpecException">The batch allocation's variables cannot be read (see <see cref="Allocation.Hosts"/>).</exception>
    public static int DefaultRanks(IReadOnlyList<HostSlots> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        int slots = (hosts.Count > 0 ? hosts : Allocation.Hosts()).Sum(host => host.Slots);
        return slots > 0 ? slots : System.Environment.ProcessorCount;
    }

    /// <summary>Hosts with slots; empty means this machine (or the batch allocation's hosts).</summary>
    public IReadOnlyList<HostSlots> Hosts { get; init; } = [];

    /// <summary>Which MPI implementation's mpiexec runs the job (default: Auto, Open MPI if installed, else MPICH).</summary>
    public MpiImplementation Implementation { get; init; } = MpiImplementation.Auto;

    /// <summary>
    /// Variables set for every rank. Their values never appear in a process's arguments, the job's manifest or a batch
    /// script (see <see cref="Redacted"/>): they may be secrets.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Variables of the launching process passed on to every rank.</summary>
    public IReadOnlyList<string> PassEnvironment { get; init; } = [];

    /// <summary>The ranks' working directory; null for the launcher's current directory. It must exist.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The job is stopped (TimedOut) when it runs longer.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Every rank must have started within this time (default one minute).</summary>
    public TimeSpan StartupDeadline { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a rank may stay in MPI_Finalize once every rank has finished its work (default 10 s): then the launcher
    /// ends it and the job still completes, with a warning record naming it.
    /// </summary>
    public TimeSpan FinalizeGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether Open MPI's mpiexec may run as root (--allow-run-as-root); MPICH's does not ask.</summary>
    public bool AllowRunAsRoot { get; init; }

    /// <summary>Whether more ranks than slots may run (needed for Open MPI beyond the core count).</summary>
    public bool AllowOversubscription { get; init; } = true;

    /// <summary>A name for the job, to find it by in the store; null for none.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The command that starts processes on other hosts, called as ssh is (agent [options] host command); null means
    /// the SPMD_LAUNCH_AGENT variable, else mpiexec's own default (ssh).
    /// </summary>
    public string? LaunchAgent { get; init; }

    /// <summary>The agent that reaches other hosts: <see cref="LaunchAgent"/>, SPMD_LAUNCH_AGENT, or ssh.</summary>
    public string EffectiveLaunchAgent => HostProbe.Agent(LaunchAgent);

    /// <summary>What a redacted variable's value reads as.</summary>
    public const string RedactedValue = "(redacted)";

    /// <summary>This spec with the values of <see cref="Environment"/> replaced by <see cref="RedactedValue"/>, the names kept.</summary>
    public JobSpec Redacted() => Environment.Count == 0 ? this : this with
    {
        Environment = Environment.ToDictionary(variable => variable.Key, _ => RedactedValue, StringComparer.Ordinal),
    };

    /// <summary>Reads an implementation name as users write it: auto, openmpi / "Open MPI", mpich.</summary>
    /// <exception cref="JobSpecException"><paramref name="name"/> names no implementation.</exception>
    public static MpiImplementation ParseImplementation(string name)
    {
        var key = (name ?? "").Replace(" ", "", StringComparison.Ordinal);
        if (key.Length == 0 || key.Equals(nameof(MpiImplementation.Auto), StringComparison.OrdinalIgnoreCase))
            return MpiImplementation.Auto;
        return MpiexecDialect.All.FirstOrDefault(dialect => dialect.Names.Contains(key, StringComparer.OrdinalIgnoreCase))?.Implementation
            ?? throw new JobSpecException($"'{name}' is not an MPI implementation: use Auto, {string.Join(" or ", MpiexecDialect.All.Select(dialect => dialect.Implementation))}.",
                JobSpecProblem.Invalid, JobSpecField.Implementation, name);
    }

    /// <summary>Checks the spec; returns the resolved program path.</summary>
    public string Validate()
    {
        if (string.IsNullOrWhiteSpace(Program))
            throw new JobSpecException("No program was given.", JobSpecProblem.Invalid, JobSpecField.Program, Program);
        var program = ResolveProgram(Program, WorkingDirectory);
        // Names are typed, completed and shown in tables: a blank one or one with line breaks cannot be.
        if (Name is not null && (string.IsNullOrWhiteSpace(Name) || Name.Any(char.IsControl)))
            throw new JobSpecException($"A job's name needs a visible character and no control characters (line breaks, tabs); '{Name}' was given.",
                JobSpecProblem.Invalid, JobSpecField.Name, Name);
        if (Ranks <= 0)
            throw new JobSpecException($"A job needs at least one rank; {Ranks} was given.", JobSpecProblem.Invalid, JobSpecField.Ranks, Ranks);
        if (WorkingDirectory is not null && !Directory.Exists(WorkingDirectory))
            throw new JobSpecException($"The working directory {WorkingDirectory} does not exist.", JobSpecProblem.NotFound, JobSpecField.WorkingDirectory, WorkingDirectory);
        int slots = Hosts.Sum(host => host.Slots);
        if (Hosts.Count > 0 && Ranks > slots && !AllowOversubscription)
            throw new JobSpecException(
                $"{Ranks} ranks do not fit in the {slots} slots of {string.Join(", ", Hosts)}, and oversubscription is not allowed.",
                JobSpecProblem.Invalid, JobSpecField.Ranks, Ranks);
        foreach (var name in Environment.Keys.Concat(PassEnvironment))
        {
            // A comma would split MPICH's -genvlist.
            if (string.IsNullOrEmpty(name) || name.IndexOfAny(['=', ',', '\0']) >= 0)
                throw new JobSpecException($"'{name}' is not a valid environment variable name (it is empty or contains '=' or ',').", JobSpecProblem.Invalid, JobSpecField.Environment, name);
        }
        if (TimeLimit is { } limit && limit <= TimeSpan.Zero)
            throw new JobSpecException($"The time limit must be positive; {limit} was given.", JobSpecProblem.Invalid, JobSpecField.TimeLimit, limit);
        if (StartupDeadline <= TimeSpan.Zero)
            throw new JobSpecException($"The startup deadline must be positive; {StartupDeadline} was given.", JobSpecProblem.Invalid, JobSpecField.TimeLimit, StartupDeadline);
        return program;
    }

    private static string ResolveProgram(string program, string? workingDirectory)
    {
        var candidate = Path.IsPathRooted(program) ? program : Path.GetFullPath(program, workingDirectory ?? Directory.GetCurrentDirectory());
        if (File.Exists(candidate))
            return candidate;
        if (!program.Contains('/', StringComparison.Ordinal))
        {
            foreach (var directory in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var onPath = Path.Combine(directory, program);
                if (File.Exists(onPath))
                    return onPath;
            }
        }
        throw new JobSpecException($"The program {program} does not exist (looked for {candidate} and on PATH).", JobSpecProblem.NotFound, JobSpecField.Program, candidate);
    }
}

/// <summary>What kind of mistake makes a job specification unable to run.</summary>
public enum JobSpecProblem
{
    /// <summary>A value that cannot be right (zero ranks, a malformed host, a bad variable name...).</summary>
    Invalid,

    /// <summary>Something named that does not exist: the program, a host, a file, an MPI implementation.</summary>
    NotFound,

    /// <summary>Something that exists but may not be used (the job store cannot be written).</summary>
    Denied,

    /// <summary>A host that does not answer through the launch agent.</summary>
    Unreachable,
}

/// <summary>Which part of a job specification a <see cref="JobSpecException"/> is about.</summary>
public enum JobSpecField
{
    /// <summary>Not said.</summary>
    Unspecified,

    /// <summary>The program to run.</summary>
    Program,

    /// <summary>The number of ranks.</summary>
    Ranks,

    /// <summary>A host (its name, its slots, whether it answers).</summary>
    Host,

    /// <summary>A hostfile, or the allocation's node file.</summary>
    HostFile,

    /// <summary>The MPI implementation (its name, or its mpiexec not installed or not starting).</summary>
    Implementation,

    /// <summary>The ranks' working directory.</summary>
    WorkingDirectory,

    /// <summary>An environment variable's name.</summary>
    Environment,

    /// <summary>The time limit or the startup deadline.</summary>
    TimeLimit,

    /// <summary>What a batch scheduler is asked for (nodes, partition, account, directives).</summary>
    Batch,

    /// <summary>The job's name.</summary>
    Name,

    /// <summary>A task farm's definition (its tasks, script or program, retries, chunk size, time limits, restarts).</summary>
    Farm,
}

/// <summary>A job specification that cannot run, with the reason.</summary>
public sealed class JobSpecException(string message, JobSpecProblem problem = JobSpecProblem.Invalid) : ArgumentException(message)
{
    /// <summary>A job specification that cannot run because of <paramref name="value"/>, given for <paramref name="field"/>.</summary>
    public JobSpecException(string message, JobSpecProblem problem, JobSpecField field, object? value) : this(message, problem)
    {
        Field = field;
        Value = value;
    }

    /// <summary>What kind of mistake it is.</summary>
    public JobSpecProblem Problem { get; } = problem;

    /// <summary>Which part of the specification is wrong (<see cref="JobSpecField.Unspecified"/> when not said).</summary>
    public JobSpecField Field { get; }

    /// <summary>The value that is wrong (the program path, the host, the rank count...), when said.</summary>
    public object? Value { get; }
}
