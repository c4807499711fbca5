namespace MPI.Logging;

/// <summary>
/// How a rank records a named span of its work (a phase: "exchange", "solve") so that the launcher's timeline can
/// draw it: one record when the span begins and one when it ends, both carrying <see cref="SpanProperty"/> (the name)
/// and <see cref="SpanIdProperty"/> (unique within the process), the end also <see cref="DurationProperty"/>. A span
/// that began inside another carries the outer one's id as <see cref="ParentProperty"/>.
/// </summary>
public static class SpanContract
{
    /// <summary>The template of the record written as a span begins.</summary>
    public const string BeganTemplate = "Span {Span} began";

    /// <summary>The template of the record written as a span ends, with its length in milliseconds.</summary>
    public const string EndedTemplate = "Span {Span} ended after {SpanMilliseconds} ms";

    /// <summary>The properties of span records: the span's name, its id (unique in the process), the id of the span it is inside, and its length in milliseconds.</summary>
    public const string SpanProperty = "Span", SpanIdProperty = "SpanId", ParentProperty = "SpanParent",
        DurationProperty = "SpanMilliseconds";
}
