using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Serilog.Events;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace MPI.Logging;

/// <summary>
/// Writes an event as one CLEF record, the compact JSON of Serilog.Formatting.Compact's <c>CompactJsonFormatter</c>
/// (the same members: <c>@t</c>, <c>@mt</c>, <c>@r</c>, <c>@l</c>, <c>@x</c>, <c>@tr</c>, <c>@sp</c>, then the
/// properties, a leading <c>@</c> doubled), as UTF-8 straight into one reused buffer: no string per event and no
/// second encoding pass. Plain scalars (strings, numbers, booleans, null) are written here; every other value
/// (structures, sequences, dictionaries, dates, enums...) by Serilog's own JSON value formatter. Not thread-safe:
/// one per record channel, used under its lock.
/// </summary>
internal sealed class RecordFormatter : IDisposable
{
    // Non-ASCII text stays UTF-8 as CompactJsonFormatter leaves it; only what JSON requires is escaped.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private static readonly JsonValueFormatter Values = new(typeTagName: "$type");
    private static readonly string[] LevelNames = Enum.GetNames<LogEventLevel>();
    // Names and templates recur in every event: each is escaped and encoded once, then copied. Keyed by reference
    // (Serilog reuses the template and its property names' strings); emptied when full, so a program that makes up
    // names or templates as it goes costs only the lookups.
    private const int CacheCapacity = 1024;
    private readonly Dictionary<object, JsonEncodedText> _encoded = new(ReferenceEqualityComparer.Instance);
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _json;
    private readonly StringWriter _text = new(CultureInfo.InvariantCulture);

    public RecordFormatter() => _json = new Utf8JsonWriter(_buffer, Options);

    public void Dispose()
    {
        _json.Dispose();
        _text.Dispose();
    }

    /// <summary>
    /// <paramref name="prefix"/>, the record of <paramref name="logEvent"/> and a newline, valid until the next call.
    /// </summary>
    /// <exception cref="ArgumentException">A string in the event is not valid UTF-16 (a lone surrogate).</exception>
    public ReadOnlySpan<byte> Format(LogEvent logEvent, ReadOnlySpan<byte> prefix)
    {
        _buffer.ResetWrittenCount();
        _buffer.Write(prefix);
        _json.Reset(_buffer);
        _json.WriteStartObject();
        Span<byte> timestamp = stackalloc byte[40];
        logEvent.Timestamp.UtcDateTime.TryFormat(timestamp, out int length, "O", CultureInfo.InvariantCulture);
        _json.WriteString("@t"u8, timestamp[..length]);
        _json.WriteString("@mt"u8, Encoded(logEvent.MessageTemplate, logEvent.MessageTemplate.Text));
        WriteRenderings(logEvent);
        if (logEvent.Level != LogEventLevel.Information)
            _json.WriteString("@l"u8, LevelNames[(int)logEvent.Level]);
        if (logEvent.Exception is { } exception)
            _json.WriteString("@x"u8, exception.ToString());
        if (logEvent.TraceId is { } traceId)
            _json.WriteString("@tr"u8, traceId.ToHexString());
        if (logEvent.SpanId is { } spanId)
            _json.WriteString("@sp"u8, spanId.ToHexString());
        foreach (var (name, value) in logEvent.Properties)
        {
            // CLEF reserves names that start with '@': such a property's name is escaped by doubling it.
            _json.WritePropertyName(Encoded(name, name.StartsWith('@') ? "@" + name : name));
            WriteValue(value);
        }
        _json.WriteEndObject();
        _json.Flush();
        _buffer.Write("\n"u8);
        return _buffer.WrittenSpan;
    }

    // The JSON string of text, cached under key.
    private JsonEncodedText Encoded(object key, string text)
    {
        if (_encoded.TryGetValue(key, out var encoded))
            return encoded;
        if (_encoded.Count >= CacheCapacity)
            _encoded.Clear();
        encoded = JsonEncodedText.Encode(text, Options.Encoder);
        _encoded.Add(key, encoded);
        return encoded;
    }

    // "@r": how each hole with a format string renders, in order; only templates with a ':' can have one.
    private void WriteRenderings(LogEvent logEvent)
    {
        if (!logEvent.MessageTemplate.Text.Contains(':', StringComparison.Ordinal))
            return;
        bool any = false;
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is not PropertyToken { Format: not null } property)
                continue;
            if (!any)
                _json.WriteStartArray("@r"u8);
            any = true;
            _text.GetStringBuilder().Clear();
            property.Render(logEvent.Properties, _text, CultureInfo.InvariantCulture);
            _json.WriteStringValue(_text.ToString());
        }
        if (any)
            _json.WriteEndArray();
    }

    private void WriteValue(LogEventPropertyValue value)
    {
        if (value is ScalarValue scalar)
        {
            switch (scalar.Value)
            {
                case null: _json.WriteNullValue(); return;
                case string text: _json.WriteStringValue(text); return;
                case int number: _json.WriteNumberValue(number); return;
                case long number: _json.WriteNumberValue(number); return;
                case bool flag: _json.WriteBooleanValue(flag); return;
                case double number when double.IsFinite(number): _json.WriteNumberValue(number); return;
                case float number when float.IsFinite(number): _json.WriteNumberValue(number); return;
                case decimal number: _json.WriteNumberValue(number); return;
                case uint number: _json.WriteNumberValue(number); return;
                case ulong number: _json.WriteNumberValue(number); return;
                case short number: _json.WriteNumberValue(number); return;
                case ushort number: _json.WriteNumberValue(number); return;
                case byte number: _json.WriteNumberValue(number); return;
                case sbyte number: _json.WriteNumberValue(number); return;
            }
        }
        _text.GetStringBuilder().Clear();
        Values.Format(value, _text);
        _json.WriteRawValue(_text.ToString());
    }
}
