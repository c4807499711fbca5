using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// A task farm's own files in its job directory: the whole definition (every task, as given), the results file (one
/// <see cref="FarmTaskResult"/> per line, appended and flushed as each arrives, never rewritten), and an attempt's
/// definition of the tasks it runs.
/// </summary>
internal sealed class FarmFiles : IDisposable
{
    /// <summary>The whole definition of the farm, in its directory.</summary>
    public const string DefinitionFile = "farm-definition.json";

    /// <summary>The saved results, one JSON object per line.</summary>
    public const string ResultsFile = "results.jsonl";

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private readonly string _results;
    private FileStream? _writer;

    public FarmFiles(string directory) => _results = Path.Combine(directory, ResultsFile);

    /// <summary>Writes the farm's whole definition into <paramref name="directory"/>.</summary>
    public static void WriteDefinition(string directory, FarmDefinition definition) =>
        OwnerOnly.WriteAllText(Path.Combine(directory, DefinitionFile), JsonSerializer.Serialize(definition, TaskFarmContract.JsonOptions));

    /// <summary>Reads the farm's whole definition from <paramref name="directory"/>.</summary>
    /// <exception cref="JsonException">The file holds no definition.</exception>
    /// <exception cref="IOException">It cannot be read.</exception>
    public static FarmDefinition ReadDefinition(string directory) => TaskFarmContract.Read(Path.Combine(directory, DefinitionFile));

    /// <summary>
    /// Every result saved in <paramref name="directory"/>, by index, each task's first (a line cut short by a launcher
    /// that died while writing it is left out: its task has no result).
    /// </summary>
    public static IReadOnlyList<FarmTaskResult> ReadResults(string directory)
    {
        string text;
        try
        {
            using var stream = new FileStream(Path.Combine(directory, ResultsFile), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        var results = new Dictionary<long, FarmTaskResult>();
        // Only whole lines: the last one may still be being written.
        foreach (var line in text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                if (JsonSerializer.Deserialize<FarmTaskResult>(line, Json) is { } result)
                    results.TryAdd(result.Index, result);
            }
            catch (JsonException)
            {
                // A line cut short, then written after: its task was saved again, whole, later on.
            }
        }
        return [.. results.Values.OrderBy(result => result.Index)];
    }

    /// <summary>Appends <paramref name="result"/> as one line and flushes it to the file before returning.</summary>
    public void Append(FarmTaskResult result)
    {
        if (_writer is null)
        {
            _writer = OwnerOnly.Append(_results);
            // A line cut short by a launcher that died mid-write ends here, so the results after it start lines of their own.
            if (_writer.Length > 0 && LastByte() != '\n')
                _writer.WriteByte((byte)'\n');
        }
        _writer.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(result, Json) + "\n"));
        _writer.Flush();
    }

    private int LastByte()
    {
        using var reader = new FileStream(_results, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        reader.Seek(-1, SeekOrigin.End);
        return reader.ReadByte();
    }

    /// <summary>Writes the definition of an attempt's tasks (<see cref="TaskFarmContract.DefinitionFile"/>) in its directory; returns its path.</summary>
    public static string WriteAttemptDefinition(string attemptDirectory, FarmDefinition definition, IReadOnlyList<FarmTask> tasks)
    {
        var path = Path.Combine(attemptDirectory, TaskFarmContract.DefinitionFile);
        OwnerOnly.WriteAllText(path, JsonSerializer.Serialize(definition with { Tasks = tasks }, TaskFarmContract.JsonOptions));
        return path;
    }

    public void Dispose() => _writer?.Dispose();
}
