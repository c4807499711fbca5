namespace Tests.Support;

/// <summary>What users do to a job's directory from outside.</summary>
public static class JobDirectory
{
    /// <summary>
    /// Removes <paramref name="directory"/> of a running job as `rm -rf` would, again while the job adds files to it
    /// (a rank's first line of output makes its file: the removal then finds the directory not empty).
    /// </summary>
    public static void Remove(string directory) => Eventually.Holds(() =>
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return !Directory.Exists(directory);
    }, $"{directory} removed");
}
