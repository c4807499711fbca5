using System.Text;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// Reading the files records are appended to while their writers run: whole lines only, up to the first zero byte
/// (a rank's record file grows ahead of its records, see <see cref="JobContract"/>); a line still being written is
/// left for the next read.
/// </summary>
internal static class RecordFiles
{
    private const int FirstPiece = 4 * 1024, Chunk = 1024 * 1024;

    /// <summary>The whole lines from <paramref name="offset"/> on, and the offset just past them.</summary>
    public static (string Text, long End) ReadCompleteLines(string path, long offset)
    {
        byte[] buffer = [];
        int length = ReadCompleteLines(path, offset, ref buffer);
        return (Encoding.UTF8.GetString(buffer, 0, length), offset + length);
    }

    /// <summary>
    /// Reads the whole lines from <paramref name="offset"/> on into <paramref name="buffer"/> (grown when too small, so
    /// a caller that reads often allocates nothing) and returns their length in bytes.
    /// </summary>
    public static int ReadCompleteLines(string path, long offset, ref byte[] buffer)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        int length = ReadUntilZero(file, offset, ref buffer);
        return length == 0 ? 0 : Array.LastIndexOf(buffer, (byte)'\n', length - 1, length) + 1;
    }

    /// <summary>The lines of <paramref name="records"/> that contain any of <paramref name="markers"/>, in order.</summary>
    public static List<string> LinesContaining(ReadOnlySpan<byte> records, IReadOnlyList<byte[]> markers)
    {
        // A search over the bytes finds the rare lines worth reading without decoding the many that are not.
        var starts = new SortedSet<int>();
        foreach (var marker in markers)
        {
            for (int at = records.IndexOf(marker); at >= 0;)
            {
                starts.Add(records[..at].LastIndexOf((byte)'\n') + 1);
                int further = records[(at + marker.Length)..].IndexOf(marker);
                at = further < 0 ? -1 : at + marker.Length + further;
            }
        }
        var lines = new List<string>(starts.Count);
        foreach (int start in starts)
        {
            var line = records[start..];
            int end = line.IndexOf((byte)'\n');
            lines.Add(Encoding.UTF8.GetString(end < 0 ? line : line[..end]));
        }
        return lines;
    }

    /// <summary>Cuts a record file that no one writes any more at its first zero byte.</summary>
    public static void Trim(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        long length = JobContract.RecordsLength(file);
        if (length < RandomAccess.GetLength(file))
            RandomAccess.SetLength(file, length);
    }

    // Reads a small piece first, then pieces twice as large while no zero byte turns up: a look at a file with
    // little new in it (the usual case) reads little, however far the file has grown ahead of its records.
    private static int ReadUntilZero(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, ref byte[] buffer)
    {
        int length = 0, piece = FirstPiece;
        while (true)
        {
            if (buffer.Length < length + piece)
                Array.Resize(ref buffer, Math.Max(length + piece, buffer.Length * 2));
            int read = RandomAccess.Read(file, buffer.AsSpan(length, piece), offset + length);
            int zero = buffer.AsSpan(length, read).IndexOf((byte)0);
            if (zero >= 0)
                return length + zero;
            length += read;
            if (read == 0)
                return length;
            piece = Math.Min(piece * 2, Chunk);
        }
    }
}
