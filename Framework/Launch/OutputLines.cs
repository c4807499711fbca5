using System.Text;

namespace MPI.Launch;

/// <summary>
/// Turns the lines of mpiexec's output into the lines the ranks wrote, each with its rank and stream. Where the
/// implementation tags pieces rather than lines (<see cref="MpiexecDialect.PieceTag"/>), a line of mpiexec's output is
/// split at every tag: each piece but the last ended mid-line, so it waits for the rest of its rank's line, which
/// comes later behind a tag of its own; the last piece ends its rank's line. A rank that prints a tag's exact text
/// itself is split there too: that text cannot be told from mpiexec's. Not thread-safe: one instance per pipe.
/// </summary>
internal sealed class OutputLines(MpiexecDialect dialect, string pipe)
{
    // A rank that writes without ever ending a line is not held in memory without bound: its text is let through.
    private const int MaximumPending = 1 << 20;
    private readonly Dictionary<(int? Rank, string Stream), StringBuilder> _pending = [];

    /// <summary>The lines that <paramref name="line"/> of mpiexec's output completes (none when it only began some).</summary>
    public IEnumerable<(int? Rank, string Stream, string Text)> Read(string line)
    {
        int start = 0;
        if (dialect.PieceTag is { } tag)
        {
            foreach (var next in tag.Matches(line).Select(match => match.Index).Where(index => index > 0))
            {
                if (Hold(dialect.Untag(line[start..next], pipe)) is { } overflow)
                    yield return overflow;
                start = next;
            }
        }
        var (rank, stream, text) = dialect.Untag(start == 0 ? line : line[start..], pipe);
        if (_pending.Remove((rank, stream), out var pending))
            text = pending.Append(text).ToString();
        yield return (rank, stream, text);
    }

    /// <summary>The pieces never ended by a line's end (mpiexec's output has ended), as lines.</summary>
    public IEnumerable<(int? Rank, string Stream, string Text)> Flush()
    {
        var rest = _pending.Select(entry => (entry.Key.Rank, entry.Key.Stream, entry.Value.ToString())).ToList();
        _pending.Clear();
        return rest;
    }

    private (int? Rank, string Stream, string Text)? Hold((int? Rank, string Stream, string Text) piece)
    {
        var key = (piece.Rank, piece.Stream);
        if (!_pending.TryGetValue(key, out var pending))
            _pending[key] = pending = new StringBuilder();
        pending.Append(piece.Text);
        if (pending.Length < MaximumPending)
            return null;
        _pending.Remove(key);
        return (piece.Rank, piece.Stream, pending.ToString());
    }
}
