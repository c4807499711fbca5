namespace Tests.Support;

/// <summary>Processes of a job still alive (found by the job id every process of a job carries in its environment).</summary>
public static class Leftovers
{
    /// <summary>The ids of the processes of this machine whose environment carries job <paramref name="jobId"/>.</summary>
    public static List<int> Of(string jobId)
    {
        var marker = System.Text.Encoding.UTF8.GetBytes($"{MPI.Logging.JobContract.JobIdVariable}={jobId}\0");
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
                continue;
            try
            {
                if (File.ReadAllBytes(Path.Combine(directory, "environ")).AsSpan().IndexOf(marker) >= 0)
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
