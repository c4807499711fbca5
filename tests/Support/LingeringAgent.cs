namespace Tests.Support;

/// <summary>
/// A launch agent (called as ssh is: agent [options] host command) that fails as ssh with ControlPersist does after a
/// dropped connection: it leaves a background process holding its stdout and stderr, says
/// "Connection to HOST closed by remote host." on stderr and exits 255. With <c>hang</c> it stays in the foreground
/// instead (an agent that never answers). The background process writes its id to <see cref="PidFile"/>.
/// </summary>
public sealed class LingeringAgent : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"spmd-agent-{Guid.NewGuid():N}");

    /// <summary>How long the background process lives unless someone ends it.</summary>
    public const int LingerSeconds = 120;

    public LingeringAgent(bool hang = false)
    {
        Directory.CreateDirectory(_directory);
        Path = System.IO.Path.Combine(_directory, "agent.sh");
        PidFile = System.IO.Path.Combine(_directory, "background.pid");
        // Options before the host (ssh's -o ...) are skipped; the host is the first word that is not one.
        File.WriteAllText(Path, $$"""
            #!/bin/sh
            while [ "$1" = "-o" ]; do shift 2; done
            sleep {{LingerSeconds}} &
            echo $! > '{{PidFile}}'
            {{(hang ? $"sleep {LingerSeconds}" : "")}}
            echo "Connection to $1 closed by remote host." >&2
            exit 255

            """);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The agent script.</summary>
    public string Path { get; }

    /// <summary>Where the background process's id is written.</summary>
    public string PidFile { get; }

    /// <summary>The background process's id (once the agent ran).</summary>
    public int BackgroundProcessId => int.Parse(File.ReadAllText(PidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether the background process still runs (a zombie waiting for its parent counts as ended).</summary>
    public bool BackgroundRuns
    {
        get
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{BackgroundProcessId}/stat");
                return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (File.Exists(PidFile) && BackgroundRuns)
                System.Diagnostics.Process.GetProcessById(BackgroundProcessId).Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Gone already.
        }
        Directory.Delete(_directory, recursive: true);
    }
}
