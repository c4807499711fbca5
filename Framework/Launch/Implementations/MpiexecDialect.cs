using System.Globalization;
using System.Text.RegularExpressions;

namespace MPI.Launch;

/// <summary>
/// Everything one MPI implementation's mpiexec does its own way, as one table: its executable and daemons, the flags
/// that say the same thing differently, how it tags each output line with its rank, how it reports ranks that ended
/// badly, how it prints its version, and what it says when it refuses to start. One instance per implementation
/// (<see cref="OpenMpi"/>, <see cref="Mpich"/>); nothing else in the launcher tells the implementations apart.
/// </summary>
internal sealed class MpiexecDialect
{
    /// <summary>The implementation this table describes.</summary>
    public required MpiImplementation Implementation { get; init; }

    /// <summary>Its name as people write it ("Open MPI").</summary>
    public required string DisplayName { get; init; }

    /// <summary>The names users call it by, spaces left out, compared ignoring case ("OpenMpi", "OMPI").</summary>
    public required IReadOnlyList<string> Names { get; init; }

    /// <summary>Its mpiexec, looked up on PATH (distributions install both under these names).</summary>
    public required string Executable { get; init; }

    /// <summary>Process names (as /proc/PID/comm gives them: at most 15 characters) of its mpiexec and daemons.</summary>
    public required IReadOnlyList<string> ProcessNames { get; init; }

    /// <summary>The arguments that place ranks on hosts, given "host:slots,host:slots".</summary>
    public required Func<string, IEnumerable<string>> HostList { get; init; }

    /// <summary>The arguments that reach other hosts through a launch agent other than ssh, given the agent.</summary>
    public required Func<string, IEnumerable<string>> LaunchAgent { get; init; }

    /// <summary>Arguments every job gets: each output line tagged with its rank (see <see cref="OutputTag"/>), and so on.</summary>
    public required IReadOnlyList<string> Always { get; init; }

    /// <summary>The arguments that let more ranks than slots run (none where that needs no asking).</summary>
    public required IReadOnlyList<string> Oversubscribe { get; init; }

    /// <summary>The arguments that let mpiexec run as root (none where it does not refuse).</summary>
    public required IReadOnlyList<string> AllowRunAsRoot { get; init; }

    /// <summary>The arguments that pass the named variables of mpiexec's environment on to every rank.</summary>
    public required Func<IReadOnlyCollection<string>, IEnumerable<string>> PassVariables { get; init; }

    /// <summary>The arguments that set the ranks' working directory, given the directory.</summary>
    public required Func<string, IEnumerable<string>> WorkingDirectory { get; init; }

    /// <summary>
    /// What mpiexec puts before each line a rank writes: groups <c>rank</c> and <c>text</c>, and <c>stream</c>
    /// (stdout or stderr) where the tag says it; otherwise the pipe the line came on says it.
    /// </summary>
    public required Regex OutputTag { get; init; }

    /// <summary>
    /// Finds tags anywhere in a line, where mpiexec tags pieces of output rather than lines: Open MPI forwards what it
    /// read from a rank's pipe, which may end mid-line, and tags each piece, so one line of its output can hold the
    /// end of one rank's piece and the start of another's (see <see cref="OutputLines"/>). Null where every tag
    /// starts a line of the rank's own.
    /// </summary>
    public Regex? PieceTag { get; init; }

    /// <summary>A new reader of the reports its mpiexec writes about ranks that ended badly (one per job: reports span lines).</summary>
    public required Func<MpiexecReportReader> NewReportReader { get; init; }

    /// <summary>Finds the version (group <c>version</c>) in what <c>mpiexec --version</c> prints.</summary>
    public required Regex Version { get; init; }

    /// <summary>
    /// Advice for a job that ended before any rank started, when a line mpiexec wrote contains
    /// <see cref="Refusal.Said"/> (Open MPI refusing to run as root, say).
    /// </summary>
    public IReadOnlyList<Refusal> Refusals { get; init; } = [];

    /// <summary>Every implementation the launcher knows, in the order Auto prefers them.</summary>
    public static IReadOnlyList<MpiexecDialect> All { get; } = [OpenMpi.Dialect, Mpich.Dialect];

    /// <summary>The table of <paramref name="implementation"/> (not Auto).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="implementation"/> is Auto or unknown.</exception>
    public static MpiexecDialect Of(MpiImplementation implementation) =>
        All.FirstOrDefault(dialect => dialect.Implementation == implementation)
            ?? throw new ArgumentOutOfRangeException(nameof(implementation), implementation, "Not a concrete MPI implementation.");

    /// <summary>The rank, stream and text of one line of mpiexec's output that came on <paramref name="pipe"/>; no rank when untagged.</summary>
    public (int? Rank, string Stream, string Text) Untag(string line, string pipe)
    {
        var tag = OutputTag.Match(line);
        if (!tag.Success)
            return (null, pipe, line);
        var stream = tag.Groups["stream"];
        return (int.Parse(tag.Groups["rank"].ValueSpan, CultureInfo.InvariantCulture), stream.Success ? stream.Value : pipe, tag.Groups["text"].Value);
    }

    /// <summary>The version in what <c>mpiexec --version</c> printed, or null.</summary>
    public string? VersionIn(string text) => Version.Match(text) is { Success: true } match ? match.Groups["version"].Value : null;
}

/// <summary>Something mpiexec says when it refuses to start, and what to do about it.</summary>
/// <param name="Said">Text found in one of mpiexec's first lines.</param>
/// <param name="Advice">A sentence telling the user how to let the job run.</param>
internal sealed record Refusal(string Said, string Advice);

/// <summary>
/// Reads one implementation's reports of ranks that ended badly from mpiexec's output, line by line in the order
/// mpiexec wrote them (a report may span lines), into <see cref="MpiexecReports"/>.
/// </summary>
internal abstract class MpiexecReportReader
{
    /// <summary>Reads one line; what it completes is added to <paramref name="reports"/>.</summary>
    public abstract void Read(string line, MpiexecReports reports);

    /// <summary>The number in <paramref name="group"/> of <paramref name="match"/>.</summary>
    protected static int Number(Match match, string group) => int.Parse(match.Groups[group].ValueSpan, CultureInfo.InvariantCulture);
}
