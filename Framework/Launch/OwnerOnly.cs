namespace MPI.Launch;

/// <summary>
/// Creating what the job store holds so that only its owner can read it (directories 700, files 600): manifests name
/// the variables a job was given, logs hold whatever ranks print, and the store may sit in a shared home or /tmp.
/// Files and directories are created with those modes, not changed afterwards, so there is no moment they are open to others.
/// </summary>
internal static class OwnerOnly
{
    private const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (and missing parents) as directories only the owner can enter.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, DirectoryMode700);
    }

    /// <summary>
    /// Makes an existing directory owner-only when it is the caller's to change (a store created by an earlier
    /// version, with 755); one that belongs to someone else is left as it is.
    /// </summary>
    public static void Restrict(string directory)
    {
        if (OperatingSystem.IsWindows())
            return;
        try
        {
            var mode = File.GetUnixFileMode(directory);
            if ((mode & ~DirectoryMode700 & (UnixFileMode)0x1FF) != 0)
                File.SetUnixFileMode(directory, mode & ~(UnixFileMode)0x3F);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Not ours to change.
        }
    }

    /// <summary>Writes <paramref name="text"/> to a new (or truncated) file that only the owner can read.</summary>
    public static void WriteAllText(string path, string text)
    {
        using var writer = new StreamWriter(Open(path, FileMode.Create));
        writer.Write(text);
    }

    /// <summary>Opens <paramref name="path"/> for appending, creating it owner-only if it does not exist.</summary>
    public static FileStream Append(string path) => Open(path, FileMode.Append);

    private static FileStream Open(string path, FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = FileMode600;
        return new FileStream(path, options);
    }
}
