namespace Tests.Support;

/// <summary>
/// Real executables named like a scheduler's commands (squeue, sacct, sbatch, scancel) that only write down that they
/// ran, with their arguments, and fail. First on PATH, they show whether the code under test ran the scheduler and
/// how; they do not answer as a scheduler would.
/// </summary>
public sealed class RecordedCommands : IDisposable
{
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("recorded-commands-").FullName;
    private readonly string _log;
    private readonly string? _path = System.Environment.GetEnvironmentVariable("PATH");

    /// <summary>Writes the commands named <paramref name="names"/> and puts them first on this process's PATH until disposed.</summary>
    public RecordedCommands(params string[] names)
    {
        _log = Path.Combine(_directory, "calls.log");
        foreach (var name in names)
        {
            var script = Path.Combine(_directory, name);
            File.WriteAllText(script, $"#!/bin/sh\necho \"{name} $*\" >> '{_log}'\nexit 1\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        System.Environment.SetEnvironmentVariable("PATH", $"{_directory}:{_path}");
    }

    /// <summary>Every run so far, one line each: the command's name and its arguments.</summary>
    public IReadOnlyList<string> Calls => File.Exists(_log) ? File.ReadAllLines(_log) : [];

    /// <summary>Takes the commands off PATH and deletes them.</summary>
    public void Dispose()
    {
        System.Environment.SetEnvironmentVariable("PATH", _path);
        // A command started just before (by a background poller of the code under test) may still write its line,
        // which makes a recursive delete find the directory not empty: it is tried again until nothing more comes.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                System.IO.Directory.Delete(_directory, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
    }
}

/// <summary>The bytes and modification times of files, to show that something that should only read wrote nothing.</summary>
public sealed record FileSnapshot(IReadOnlyDictionary<string, (string Content, DateTime Written)> Files)
{
    /// <summary>Every file named <paramref name="name"/> under <paramref name="root"/>.</summary>
    public static FileSnapshot Of(string root, string name) => new(Directory.EnumerateFiles(root, name, SearchOption.AllDirectories)
        .ToDictionary(path => path, path => (Convert.ToBase64String(File.ReadAllBytes(path)), File.GetLastWriteTimeUtc(path))));

    /// <summary>The files that differ from <paramref name="earlier"/> (changed, added or removed).</summary>
    public IEnumerable<string> ChangedSince(FileSnapshot earlier) =>
        Files.Keys.Union(earlier.Files.Keys).Where(path => !Files.TryGetValue(path, out var now) || !earlier.Files.TryGetValue(path, out var then) || now != then).Order();
}
