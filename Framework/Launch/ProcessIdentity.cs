using System.Globalization;

namespace MPI.Launch;

/// <summary>
/// A process told apart from a later one that reuses its id: the id plus its start time (/proc/PID/stat field 22).
/// </summary>
internal static class ProcessIdentity
{
    public static long StartTicks(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }

    public static bool IsAlive(int processId, long startTicks) => startTicks >= 0 && StartTicks(processId) == startTicks;

    /// <summary>Processes on this machine whose environment carries <paramref name="variable"/>=<paramref name="value"/>.</summary>
    public static IEnumerable<int> WithEnvironment(string variable, string value)
    {
        // Compared as bytes: a machine has many processes, and decoding every environment would cost more than the search.
        var needle = System.Text.Encoding.UTF8.GetBytes($"\0{variable}={value}\0");
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int processId) || processId == System.Environment.ProcessId)
                continue;
            byte[] environment;
            try
            {
                environment = File.ReadAllBytes(Path.Combine(directory, "environ"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            if (environment.AsSpan().StartsWith(needle.AsSpan(1)) || environment.AsSpan().IndexOf(needle) >= 0)
                yield return processId;
        }
    }
}
