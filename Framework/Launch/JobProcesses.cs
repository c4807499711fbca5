using System.Globalization;

namespace MPI.Launch;

/// <summary>
/// The processes on this machine that a job started (found by the job id in their environment), told apart:
/// mpiexec and its daemons, with whatever carries them to other hosts (the launch agent's processes), are the job's
/// infrastructure; ranks are known by their process ids; anything else is a process the program itself started.
/// </summary>
internal static class JobProcesses
{
    // Process names (as /proc/PID/comm gives them: at most 15 characters) of mpiexec and the daemons it runs, under
    // any implementation's names and the generic ones.
    private static readonly HashSet<string> Daemons =
        ["mpiexec", "mpirun", .. MpiexecDialect.All.SelectMany(dialect => dialect.ProcessNames)];

    /// <summary>One process: its id, parent, name and command line.</summary>
    public sealed record Entry(int ProcessId, int ParentId, string Name, string CommandLine)
    {
        /// <summary>"4242 (sleep 300)".</summary>
        public string Describe() => $"{ProcessId} ({(CommandLine.Length > 0 ? CommandLine : Name)})";
    }

    /// <summary>The processes of job <paramref name="jobId"/> that are neither its ranks nor its infrastructure.</summary>
    public static IReadOnlyList<Entry> StartedByRanks(string jobId, IReadOnlySet<int> ranks) => StartedByRanks(Of(jobId), ranks);

    // Every process of the job on this machine.
    private static List<Entry> Of(string jobId) =>
        [.. ProcessIdentity.WithEnvironment(Logging.JobContract.JobIdVariable, jobId).Select(Read).OfType<Entry>()];

    private static List<Entry> StartedByRanks(List<Entry> entries, IReadOnlySet<int> ranks)
    {
        var byId = entries.ToDictionary(entry => entry.ProcessId);
        // Infrastructure: daemons and their ancestors within the job (the agent's processes between mpiexec and a
        // daemon on another host).
        var infrastructure = new HashSet<int>();
        foreach (var daemon in entries.Where(entry => Daemons.Contains(entry.Name)))
        {
            for (var current = daemon; current is not null && infrastructure.Add(current.ProcessId);)
                current = byId.GetValueOrDefault(current.ParentId);
        }
        return [.. entries.Where(entry => !infrastructure.Contains(entry.ProcessId) && !ranks.Contains(entry.ProcessId))];
    }

    /// <summary>
    /// Kills the processes of job <paramref name="jobId"/> that are neither its ranks (<paramref name="ranks"/>) nor
    /// its infrastructure, each named to <paramref name="warn"/> with <paramref name="why"/> it was ended.
    /// </summary>
    public static void EndStartedByRanks(string jobId, IReadOnlySet<int> ranks, string why, Action<string> warn)
    {
        foreach (var process in StartedByRanks(jobId, ranks))
        {
            warn(Ended(process, why));
            _ = Signals.Send(process.ProcessId, Signals.Kill);
        }
    }

    /// <summary>Kills whatever job <paramref name="jobId"/> started and left behind on this machine, once mpiexec has ended.</summary>
    /// <remarks>Processes the program started are named to <paramref name="warn"/>. One look at /proc when nothing is left.</remarks>
    public static void SweepLeftovers(string jobId, IReadOnlySet<int> ranks, Action<string> warn)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var leftovers = Of(jobId);
            if (leftovers.Count == 0)
                return;
            if (attempt == 0)
            {
                foreach (var process in StartedByRanks(leftovers, ranks))
                    warn(Ended(process, "outlived the job"));
            }
            foreach (var process in leftovers)
                _ = Signals.Send(process.ProcessId, Signals.Kill); // one that ended meanwhile needs nothing
            Thread.Sleep(100);
        }
    }

    /// <summary>
    /// Kills one rank's process: here with a signal, on another host with kill -KILL through the launch agent
    /// <paramref name="agent"/>, as mpiexec reaches that host; what could not be done is told to <paramref name="warn"/>.
    /// </summary>
    public static void KillRank(RankInfo rank, string agent, TimeSpan deadline, Action<string> warn)
    {
        if (rank.ProcessId is not { } processId)
            return;
        if (rank.Host is null || HostProbe.IsThisMachine(rank.Host))
        {
            _ = Signals.Send(processId, Signals.Kill);
            return;
        }
        try
        {
            var result = ChildProcess.Run(agent, [rank.Host, "kill", "-KILL", processId.ToString(CultureInfo.InvariantCulture)], deadline);
            if (result.ExitCode != 0)
                warn($"Could not end {processId} on {rank.Host} through {agent}: {(result.TimedOut ? "no answer" : result.Error.Trim())}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            warn($"Could not end {processId} on {rank.Host} through {agent}: {e.Message}");
        }
    }

    private static string Ended(Entry process, string why) => $"Process {process.Describe()}, started by the job, {why}: ended by the launcher.";

    private static Entry? Read(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            int open = stat.IndexOf('(', StringComparison.Ordinal), close = stat.LastIndexOf(')');
            var name = stat[(open + 1)..close];
            var parent = int.Parse(stat[(close + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            var commandLine = File.ReadAllText($"/proc/{processId}/cmdline").TrimEnd('\0').Replace('\0', ' ');
            return new Entry(processId, parent, name, commandLine);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
