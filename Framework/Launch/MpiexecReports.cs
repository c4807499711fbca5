namespace MPI.Launch;

/// <summary>
/// What mpiexec itself says about ranks that ended badly, read from its output by its implementation's reader (see
/// <see cref="MpiexecDialect.NewReportReader"/>): signals, MPI_Abort, non-zero exits, and Hydra's exit string. Some
/// reports span several lines, so lines must be given in the order mpiexec wrote them. These are the only source of
/// how a rank ended when the program does not use this framework (a C program, say) or was killed. Not thread-safe:
/// its job reads lines under its lock.
/// </summary>
internal sealed class MpiexecReports(MpiexecDialect dialect)
{
    private readonly MpiexecReportReader _reader = dialect.NewReportReader();
    private readonly List<RankEnding> _endings = [];

    /// <summary>The reports so far, first first.</summary>
    public IReadOnlyList<RankEnding> Endings => _endings;

    /// <summary>mpiexec's one-line summary of the first bad termination (Hydra's "Killed (signal 9)"), if it gave one.</summary>
    public string? ExitString { get; set; }

    /// <summary>Reads one line of mpiexec's output (a rank's own line too: MPICH prints MPI_Abort's report there).</summary>
    public void Read(string line) => _reader.Read(line, this);

    /// <summary>Adds a report.</summary>
    public void Add(RankEnding ending) => _endings.Add(ending);

    /// <summary>Revises the last report that names a process but not its rank, if there is one.</summary>
    public void ReviseLastProcessEnding(Func<RankEnding, RankEnding> revise)
    {
        int last = _endings.FindLastIndex(ending => ending.Rank is null && ending.ProcessId is not null);
        if (last >= 0)
            _endings[last] = revise(_endings[last]);
    }
}

/// <summary>
/// How one rank ended, as far as it is known: exit code or signal. <see cref="Rank"/> is null when only the process
/// is known (Hydra names the process id); the launcher maps it to a rank.
/// </summary>
internal sealed record RankEnding(int? Rank, int? ProcessId, string? Host, int? ExitCode, int? Signal, string? SignalName)
{
    /// <summary>Whether the rank called MPI_Abort (its code is then the exit code the job ends with).</summary>
    public bool Abort { get; init; }

    /// <summary>A rank that called MPI_Abort with <paramref name="code"/>.</summary>
    public static RankEnding Aborted(int rank, int code) => new(rank, null, null, code, null, null) { Abort = true };

    /// <summary>The ending of <paramref name="rank"/> in words, for a job's reason and a rank's failure.</summary>
    public string Describe(RankInfo rank)
    {
        ArgumentNullException.ThrowIfNull(rank);
        if (Signal is { } signal)
            return $"{rank.Describe()} was killed by signal {signal} ({SignalName}).";
        return Abort ? $"{rank.Describe()} called MPI_Abort with error code {ExitCode}." : $"{rank.Describe()} exited with code {ExitCode}.";
    }
}
