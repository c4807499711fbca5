using System.Globalization;

namespace MPI.Launch;

/// <summary>
/// The processes on this machine that a job started (found by the job id in their environment), told apart:
/// mpiexec and its daemons, with whatever carries them to other hosts (the launch agent's processes), are the job's
/// infrastructure; ranks are known by their process ids; anything else is a process the program itself started.
/// </summary>
internal static class JobProcesses
{
    // Process names (as /proc/PID/comm gives them: at most 15 characters) of mpiexec and the daemons it runs.
    private static readonly HashSet<string> Daemons =
        ["mpiexec", "mpiexec.hydra", "mpiexec.mpich", "mpiexec.openmpi", "mpirun", "mpirun.openmpi", "mpirun.mpich",
         "orterun", "orted", "prte", "prted", "prterun", "hydra_pmi_proxy"];

    /// <summary>One process: its id, parent, name and command line.</summary>
    public sealed record Entry(int ProcessId, int ParentId, string Name, string CommandLine)
    {
        /// <summary>"4242 (sleep 300)".</summary>
        public string Describe() => $"{ProcessId} ({(CommandLine.Length > 0 ? CommandLine : Name)})";
    }

    /// <summary>The processes of job <paramref name="jobId"/> that are neither its ranks nor its infrastructure.</summary>
    public static IReadOnlyList<Entry> StartedByRanks(string jobId, IReadOnlySet<int> ranks)
    {
        var entries = ProcessIdentity.WithEnvironment(Logging.JobContract.JobIdVariable, jobId)
            .Select(Read).OfType<Entry>().ToList();
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
