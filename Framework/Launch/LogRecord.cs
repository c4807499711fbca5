using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>One log record of a job: a structured event from a rank, a line a rank printed, or a launcher message.</summary>
/// <param name="Timestamp">When it was logged or printed.</param>
/// <param name="Rank">The rank that logged it; null for the launcher's own messages.</param>
/// <param name="Host">The host the rank ran on, when known.</param>
/// <param name="Level">Verbose, Debug, Information, Warning, Error or Fatal.</param>
/// <param name="Message">The rendered message, or the line printed.</param>
/// <param name="Properties">The record's properties; kept as a read-only copy (<see cref="LogPropertyDictionary"/>).</param>
/// <param name="Exception">The exception logged with it, as text.</param>
/// <param name="Template">The message template of a structured event.</param>
public sealed partial record LogRecord(
    DateTimeOffset Timestamp,
    int? Rank,
    string? Host,
    string Level,
    string Message,
    IReadOnlyDictionary<string, object?> Properties,
    string? Exception,
    string? Template = null)
{
    private readonly LogPropertyDictionary _properties = Copy(Properties);

    /// <summary>
    /// The record's properties (as logged, and Rank, Host, JobId, Stream...), in the order they were logged: a
    /// <see cref="LogPropertyDictionary"/>, which PowerShell renders as a hashtable (ConvertTo-Json writes an object).
    /// </summary>
    /// <exception cref="ArgumentNullException">It is set to null.</exception>
    public IReadOnlyDictionary<string, object?> Properties
    {
        get => _properties;
        init => _properties = Copy(value);
    }

    private static LogPropertyDictionary Copy(IReadOnlyDictionary<string, object?> properties) =>
        properties as LogPropertyDictionary ?? new LogPropertyDictionary(properties ?? throw new ArgumentNullException(nameof(properties)));

    /// <summary>
    /// Reads one compact-JSON (CLEF) line as written to a job's log files; a line that is not one (output cut off
    /// when a process was killed, JSON that is not a record, a record whose time or level is not text) becomes a
    /// plain record holding its text.
    /// </summary>
    public static LogRecord FromClef(string line)
    {
        try
        {
            return ParseClef(line);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return new LogRecord(DateTimeOffset.MinValue, null, null, "Warning", line, LogPropertyDictionary.Empty, null);
        }
    }

    /// <summary>Whether <paramref name="line"/> is one whole CLEF record.</summary>
    public static bool IsClef(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static LogRecord ParseClef(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var properties = new Dictionary<string, object?>();
        foreach (var property in root.EnumerateObject())
        {
            if (!property.Name.StartsWith('@'))
                properties[property.Name] = Value(property.Value);
        }
        var timestamp = root.TryGetProperty("@t", out var t) ? t.GetDateTimeOffset() : DateTimeOffset.MinValue;
        var level = root.TryGetProperty("@l", out var l) ? l.GetString() ?? "Information" : "Information";
        var template = root.TryGetProperty("@mt", out var mt) ? mt.GetString() : null;
        var message = root.TryGetProperty("@m", out var m) ? m.GetString() ?? ""
            : template is not null ? Render(template, properties) : "";
        var exception = root.TryGetProperty("@x", out var x) ? x.GetString() : null;
        int? rank = properties.TryGetValue(JobContract.RankProperty, out var r) && r is long number ? (int)number : null;
        var host = properties.TryGetValue(JobContract.HostProperty, out var h) ? h as string : null;
        return new LogRecord(timestamp, rank, host, level, message, properties, exception, template);
    }

    /// <summary>A CLEF line for plain output of a rank (or of the launcher, when <paramref name="rank"/> is null).</summary>
    public static string ClefForLine(DateTimeOffset timestamp, int? rank, string stream, string text) =>
        Clef(timestamp, stream == "stderr" ? "Warning" : null, rank, stream, text);

    /// <summary>A CLEF line for something the launcher itself reports about the job (Stream "launcher").</summary>
    public static string ClefForLauncher(DateTimeOffset timestamp, string level, string text) =>
        Clef(timestamp, level, null, "launcher", text);

    private static string Clef(DateTimeOffset timestamp, string? level, int? rank, string stream, string text)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("@t", timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("@m", text);
            if (level is not null)
                writer.WriteString("@l", level);
            if (rank is { } value)
                writer.WriteNumber(JobContract.RankProperty, value);
            writer.WriteString("Stream", stream);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static object? Value(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var integer) ? (object)integer : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => element.GetRawText(),
    };

    // Serilog's message template syntax: {Name}, {@Name}, {$Name}, with ",alignment" and ":format"; {{ and }} are braces.
    private static string Render(string template, Dictionary<string, object?> properties) =>
        Hole().Replace(template, match =>
        {
            if (match.Value is "{{" or "}}")
                return match.Value[..1];
            if (!properties.TryGetValue(match.Groups["name"].Value, out var value))
                return match.Value;
            var format = match.Groups["format"];
            var text = format.Success && value is IFormattable formattable
                ? formattable.ToString(format.Value, CultureInfo.InvariantCulture)
                : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            if (!match.Groups["alignment"].Success)
                return text;
            int alignment = int.Parse(match.Groups["alignment"].ValueSpan, CultureInfo.InvariantCulture);
            return alignment < 0 ? text.PadRight(-alignment) : text.PadLeft(alignment);
        });

    [GeneratedRegex(@"\{\{|\}\}|\{[@$]?(?<name>[A-Za-z0-9_]+)(,(?<alignment>-?\d+))?(:(?<format>[^}]*))?\}")]
    private static partial Regex Hole();
}
