using System.Globalization;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// Follows the ranks' record files in a job directory (see <see cref="JobContract"/>): what each rank appended since
/// the last look, whole lines only, and of those only the records the launcher acts on (see
/// <see cref="RankTracker.Markers"/>). A look at one rank's file costs one small read however many ranks there are.
/// Not thread-safe: its job calls it under its lock.
/// </summary>
internal sealed class RecordTail(string directory)
{
    private const string Prefix = "rank-";
    private readonly Dictionary<int, long> _offsets = [];
    private byte[] _buffer = [];

    /// <summary>The rank whose record file <paramref name="fileName"/> is, or null for any other file of the job.</summary>
    public static int? RankOf(string? fileName) =>
        fileName is not null && fileName.StartsWith(Prefix, StringComparison.Ordinal) && fileName.EndsWith(".clef", StringComparison.Ordinal)
            && int.TryParse(fileName.AsSpan(Prefix.Length, fileName.Length - Prefix.Length - ".clef".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int rank)
            ? rank : null;

    /// <summary>The records worth acting on that <paramref name="rank"/> appended since the last look, in order.</summary>
    public List<string> Read(int rank) => Read(rank, Path.Combine(directory, JobContract.RecordFile(rank)), trim: false);

    /// <summary>
    /// The records worth acting on that any rank appended since the last look, by rank. With <paramref name="trim"/>
    /// (once the ranks have ended) each file is first cut to its records.
    /// </summary>
    public List<(int Rank, string Record)> ReadAll(bool trim = false)
    {
        var found = new List<(int, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*.clef"))
        {
            if (RankOf(Path.GetFileName(path)) is { } rank)
                found.AddRange(Read(rank, path, trim).Select(record => (rank, record)));
        }
        return found;
    }

    private List<string> Read(int rank, string path, bool trim)
    {
        try
        {
            if (trim)
                RecordFiles.Trim(path);
            _offsets.TryGetValue(rank, out long offset);
            int length = RecordFiles.ReadCompleteLines(path, offset, ref _buffer);
            _offsets[rank] = offset + length;
            return length == 0 ? [] : RecordFiles.LinesContaining(_buffer.AsSpan(0, length), RankTracker.Markers);
        }
        catch (FileNotFoundException)
        {
            // Announced before it was made (the watcher saw another file of that name come and go).
            return [];
        }
    }
}
