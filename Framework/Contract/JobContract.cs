namespace MPI.Logging;

/// <summary>
/// What a rank and the launcher that started it agree on, and nothing more: the environment variables the
/// launcher sets, and how a rank hands it structured log records (compact JSON, CLEF, one per line). A rank that
/// sees the launcher's record directory (<see cref="RecordDirectoryVariable"/>, proven by the
/// <see cref="RecordDirectoryMarker"/> file in it holding the job id: the launcher's machine, or a filesystem shared
/// with it) appends its records to its own file there, one write per record: cheap, and the kernel keeps what was
/// written even if the rank is killed a moment later; the launcher reads the files as they grow. Any other rank (a
/// node without the launcher's filesystem) writes them to standard error behind <see cref="RecordPrefix"/>, and
/// they reach the launcher through mpiexec's output forwarding.
/// </summary>
public static class JobContract
{
    /// <summary>The job's id, set by the launcher; its presence switches a rank to shipping records.</summary>
    public const string JobIdVariable = "SPMD_JOB_ID";

    /// <summary>The node-local directory where each rank appends its records (see <see cref="RecordFile"/>).</summary>
    public const string RecordDirectoryVariable = "SPMD_RECORD_DIR";

    /// <summary>
    /// The name of the job's exit channel: an abstract Unix socket of the launcher's to which each rank on its machine
    /// connects as MPI starts, saying its rank, and which the kernel closes when the rank's process ends.
    /// </summary>
    public const string ExitChannelVariable = "SPMD_EXIT_CHANNEL";

    /// <summary>The exit channel's name for a job (the value of <see cref="ExitChannelVariable"/>; no leading zero byte).</summary>
    public static string ExitChannelName(string jobId) => $"spmd-exit-{jobId}";

    /// <summary>
    /// The socket address (sockaddr_un, abstract namespace) of the exit channel named <paramref name="name"/>: the
    /// family (2 bytes, little-endian), a zero byte, then the name in UTF-8; 3 + the name's byte length in all.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public static byte[] ExitChannelAddress(string name)
    {
        var path = System.Text.Encoding.UTF8.GetBytes(name);
        var address = new byte[3 + path.Length];
        address[0] = 1; // AF_UNIX (little-endian sa_family_t); address[2] = 0 starts an abstract name
        path.CopyTo(address, 3);
        return address;
    }

    /// <summary>The file the launcher puts in the record directory, holding the job id.</summary>
    public const string RecordDirectoryMarker = "record-channel";

    /// <summary>
    /// The record directory named by <paramref name="directory"/> as this process sees it, when it is the one the
    /// launcher of job <paramref name="jobId"/> reads: null on a node that does not share the launcher's filesystem,
    /// when the marker cannot be read, or when either argument is null or empty. Never throws for I/O.
    /// </summary>
    public static string? SharedRecordDirectory(string? directory, string? jobId)
    {
        if (string.IsNullOrEmpty(directory) || string.IsNullOrEmpty(jobId))
            return null;
        try
        {
            return File.ReadAllText(Path.Combine(directory, RecordDirectoryMarker)).Trim() == jobId ? directory : null;
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

    /// <summary>
    /// Where the records in a rank's record file end: at its first zero byte (the file grows ahead of its records),
    /// or at its end. In bytes from the file's start; reads the file from the start (64 KiB at a time).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="file"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="file"/> is closed.</exception>
    public static long RecordsLength(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        long length = RandomAccess.GetLength(file);
        var buffer = new byte[64 * 1024];
        for (long offset = 0; offset < length;)
        {
            int read = RandomAccess.Read(file, buffer, offset);
            if (read <= 0)
                break;
            int zero = Array.IndexOf(buffer, (byte)0, 0, read);
            if (zero >= 0)
                return offset + zero;
            offset += read;
        }
        return length;
    }

    /// <summary>The name (not a path) of the file in the record directory that holds one rank's records.</summary>
    public static string RecordFile(int rank) => $"rank-{rank}.clef";

    /// <summary>Marks a standard-error line as a structured record rather than plain output.</summary>
    public const string RecordPrefix = "@spmd-record ";

    /// <summary>The record each rank sends once MPI is initialized: the launcher learns where it runs.</summary>
    public const string StartedTemplate = "Rank {Rank} of {Size} started on {Host}";

    /// <summary>The record each rank sends when it finalizes MPI: a rank that vanishes without it failed.</summary>
    public const string FinishedTemplate = "Rank {Rank} finished";

    /// <summary>
    /// The record each rank sends once MPI_Finalize has returned: a rank that finished but never finalized is stuck in
    /// MPI_Finalize (what follows it is the program's own business).
    /// </summary>
    public const string FinalizedTemplate = "Rank {Rank} finalized";

    /// <summary>The record a rank sends as its process exits normally, with the exit code.</summary>
    public const string ExitedTemplate = "Rank {Rank} exited with code {ExitCode}";

    /// <summary>The record a rank sends when it is told to stop (SIGTERM, from mpiexec ending the job): it did not fail by itself.</summary>
    public const string TerminatedTemplate = "Rank {Rank} was told to stop (signal {Signal})";

    /// <summary>
    /// The properties every rank record carries: the rank in MPI_COMM_WORLD, the world's size, the host name, the
    /// job id and the operating system's process id.
    /// </summary>
    public const string RankProperty = "Rank", SizeProperty = "Size", HostProperty = "Host",
        JobIdProperty = "JobId", ProcessIdProperty = "ProcessId";
}
