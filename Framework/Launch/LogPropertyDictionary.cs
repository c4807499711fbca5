using System.Collections;
using System.Globalization;

namespace MPI.Launch;

/// <summary>
/// The properties of a <see cref="LogRecord"/>, read-only, in the order they were logged. Besides the generic
/// dictionary it is a non-generic read-only <see cref="IDictionary"/>, so PowerShell treats it as it treats a
/// hashtable (ConvertTo-Json writes an object, <c>$record.Properties.Number</c> reads a value), and it reads as
/// <c>Name=Value, ...</c> where a single string is needed (Export-Csv, string interpolation). Two sets of properties
/// are equal when they hold the same names with equal values.
/// </summary>
public sealed class LogPropertyDictionary : IReadOnlyDictionary<string, object?>, IDictionary, IEquatable<LogPropertyDictionary>
{
    private readonly Dictionary<string, object?> _values;
    private readonly List<string> _order;

    /// <summary>No properties.</summary>
    public static LogPropertyDictionary Empty { get; } = new([]);

    /// <summary>A copy of <paramref name="values"/>, keeping their order.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">Two entries have the same name.</exception>
    public LogPropertyDictionary(IEnumerable<KeyValuePair<string, object?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = new Dictionary<string, object?>(StringComparer.Ordinal);
        _order = [];
        foreach (var (name, value) in values)
        {
            _values.Add(name, value);
            _order.Add(name);
        }
    }

    /// <summary>The value of the property <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no such property.</exception>
    public object? this[string key] => _values[key];

    /// <summary>The property names, in the order they were logged.</summary>
    public IEnumerable<string> Keys => _order;

    /// <summary>The property values, in the order they were logged.</summary>
    public IEnumerable<object?> Values => _order.Select(name => _values[name]);

    /// <summary>How many properties there are.</summary>
    public int Count => _order.Count;

    /// <summary>Whether there is a property <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <summary>The value of the property <paramref name="key"/>, if there is one.</summary>
    public bool TryGetValue(string key, out object? value) => _values.TryGetValue(key, out value);

    /// <summary>The properties, in the order they were logged.</summary>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() =>
        _order.Select(name => new KeyValuePair<string, object?>(name, _values[name])).GetEnumerator();

    // Entries as a hashtable gives them, so PowerShell shows them in its Name/Value table.
    IEnumerator IEnumerable.GetEnumerator() => new Entries(GetEnumerator());

    /// <summary>The properties as <c>Name=Value</c>, separated by commas, values in the invariant culture.</summary>
    public override string ToString() =>
        string.Join(", ", this.Select(pair => $"{pair.Key}={Convert.ToString(pair.Value, CultureInfo.InvariantCulture)}"));

    /// <summary>Whether <paramref name="other"/> holds the same names with equal values.</summary>
    public bool Equals(LogPropertyDictionary? other) =>
        other is not null && other.Count == Count && _values.All(pair => other._values.TryGetValue(pair.Key, out var value) && Equals(pair.Value, value));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as LogPropertyDictionary);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = 0;
        foreach (var (name, value) in _values)
            hash ^= HashCode.Combine(name, value);
        return hash;
    }

    // The non-generic dictionary, read-only: what PowerShell recognises as a hashtable.
    object? IDictionary.this[object key]
    {
        get => key is string name && _values.TryGetValue(name, out var value) ? value : null;
        set => throw ReadOnly();
    }

    ICollection IDictionary.Keys => _order;

    ICollection IDictionary.Values => Values.ToList();

    bool IDictionary.IsReadOnly => true;

    bool IDictionary.IsFixedSize => true;

    bool ICollection.IsSynchronized => false;

    object ICollection.SyncRoot => _values;

    void IDictionary.Add(object key, object? value) => throw ReadOnly();

    void IDictionary.Clear() => throw ReadOnly();

    bool IDictionary.Contains(object key) => key is string name && _values.ContainsKey(name);

    IDictionaryEnumerator IDictionary.GetEnumerator() => new Entries(GetEnumerator());

    void IDictionary.Remove(object key) => throw ReadOnly();

    void ICollection.CopyTo(Array array, int index)
    {
        foreach (var (name, value) in this)
            array.SetValue(new DictionaryEntry(name, value), index++);
    }

    private static NotSupportedException ReadOnly() => new("The properties of a log record cannot be changed.");

    private sealed class Entries(IEnumerator<KeyValuePair<string, object?>> pairs) : IDictionaryEnumerator
    {
        public DictionaryEntry Entry => new(pairs.Current.Key, pairs.Current.Value);

        public object Key => pairs.Current.Key;

        public object? Value => pairs.Current.Value;

        public object Current => Entry;

        public bool MoveNext() => pairs.MoveNext();

        public void Reset() => pairs.Reset();
    }
}
