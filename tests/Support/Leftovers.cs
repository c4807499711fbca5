namespace Tests.Support;

/// <summary>Processes of a job still alive (found by the job id every process of a job carries in its environment).</summary>
public static class Leftovers
{
    /// <summary>The ids of the processes of this machine whose environment carries job <paramref name="jobId"/>.</summary>
    public static List<int> Of(string jobId)
    {
        // The variable whole: first in the environment, or after another one's terminating NUL.
        var marker = System.Text.Encoding.UTF8.GetBytes($"\0{MPI.Logging.JobContract.JobIdVariable}={jobId}\0");
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
                continue;
            try
            {
                var environment = File.ReadAllBytes(Path.Combine(directory, "environ")).AsSpan();
                if (environment.StartsWith(marker.AsSpan(1)) || environment.IndexOf(marker) >= 0)
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
        return found;
    }
}
