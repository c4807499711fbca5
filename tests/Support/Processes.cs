namespace Tests.Support;

/// <summary>Processes of this machine, found through /proc (shared by the test projects).</summary>
public static class Processes
{
    /// <summary>The ids of live processes (not zombies, not this one) whose command line contains <paramref name="marker"/>.</summary>
    public static List<int> WithCommandLine(string marker)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(marker, StringComparison.Ordinal) && State(pid) != 'Z')
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }
        return found;
    }

    /// <summary>The id of the parent of process <paramref name="pid"/>.</summary>
    /// <exception cref="IOException">The process is gone.</exception>
    public static int ParentOf(int pid) => int.Parse(StatFields(pid)[1], System.Globalization.CultureInfo.InvariantCulture);

    private static char State(int pid) => StatFields(pid)[0][0];

    // The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses): state, parent, ...
    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
