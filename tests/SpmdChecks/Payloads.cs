namespace SpmdChecks;

/// <summary>An unmanaged struct with private fields: travels as raw memory.</summary>
internal struct Particle(int id, double x, double y)
{
    private readonly double _x = x;
    private readonly double _y = y;

    public int Id { get; } = id;

    public readonly override string ToString() => $"Particle({Id}, {_x}, {_y})";
}

internal enum Phase : short
{
    Idle = 3,
    Busy = 7,
}

/// <summary>A class with private state and collections: travels serialized, with no attributes.</summary>
internal sealed class Account
{
    private readonly string _owner;
    private readonly List<decimal> _history;

    public Account(string owner, params decimal[] history)
    {
        _owner = owner;
        _history = [.. history];
    }

    public string Describe() => $"{_owner}:{string.Join(";", _history)}";
}

internal sealed record Measurement(string Station, int[] Samples, Dictionary<string, double> Calibration)
{
    public string Describe() =>
        $"{Station}|{string.Join(",", Samples)}|{string.Join(",", Calibration.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}";
}

/// <summary>A struct that holds a reference, so it cannot travel as raw memory.</summary>
internal struct Labeled
{
    public string Label;
    public bool Flag;
    public long Value;
}

internal sealed class Blob
{
    public string Name = "";
    public byte[] Data = [];
}

/// <summary>
/// Like an MPI.NET-era [Serializable] class: private state in a base and a derived class, a constructor that
/// matches no member, and a cache that must not travel.
/// </summary>
internal class Shape(string name)
{
    private readonly string _name = name;

    public string Name => _name;
}

internal sealed class Circle : Shape
{
    private readonly double _radius;

    [NonSerialized]
    private readonly string? _cachedDescription;

    public Circle(string label, double radius) : base(label.ToUpperInvariant())
    {
        _radius = radius;
        _cachedDescription = "cached";
    }

    public string Describe() => $"{Name}:{_radius}:{_cachedDescription ?? "not cached"}";
}

/// <summary>A raw struct with user-defined operators, for reductions through Operation&lt;Point&gt;.</summary>
internal readonly record struct Point(int X, int Y)
{
    public static Point operator +(Point a, Point b) => new(a.X + b.X, a.Y + b.Y);

    public static bool operator <(Point a, Point b) => a.X < b.X || (a.X == b.X && a.Y < b.Y);

    public static bool operator >(Point a, Point b) => b < a;

    public static Point Plus(Point a, Point b) => a + b;
}
