namespace MPI;

/// <summary>How an attribute's value is carried to the copy made by <see cref="Communicator.Clone"/>.</summary>
public enum AttributeDuplication
{
    /// <summary>Not copied: the clone starts without it.</summary>
    None,

    /// <summary>
    /// Copied as it stands: primitives by value, other structs by sharing their storage (a later assignment on
    /// either communicator is seen by both), objects by reference.
    /// </summary>
    Shallow,

    /// <summary>An independent copy: structs by value, objects through <see cref="ICloneable.Clone"/>.</summary>
    Deep,
}

/// <summary>A key for values cached on communicators (see <see cref="Communicator.Attributes"/>).</summary>
#pragma warning disable CA1711 // MPI.NET's name for an attribute key.
public abstract class Attribute : IDisposable
#pragma warning restore CA1711
{
    private protected Attribute(AttributeDuplication duplication) => Duplication = duplication;

    /// <summary>How values of this attribute reach a communicator's clone.</summary>
    public AttributeDuplication Duplication { get; }

    /// <summary>
    /// Creates a key for values of type <typeparamref name="T"/>, copied to clones as <paramref name="duplication"/>
    /// says. Kept in .NET: no MPI keyval is created.
    /// </summary>
    /// <exception cref="ArgumentException">Deep duplication of a class that is not <see cref="ICloneable"/>.</exception>
    public static Attribute Create<T>(AttributeDuplication duplication)
    {
        if (duplication == AttributeDuplication.Deep && !typeof(T).IsValueType && !typeof(ICloneable).IsAssignableFrom(typeof(T)))
            throw new ArgumentException(
                $"Deep duplication copies objects with ICloneable.Clone(), which {typeof(T)} does not implement.",
                nameof(duplication));
        return new TypedAttribute(duplication, typeof(T));
    }

    /// <summary>Nothing to release: attributes live in managed memory only.</summary>
    public void Dispose() => GC.SuppressFinalize(this);

    /// <summary>The slot a clone gets for this attribute's slot, or null when it gets none.</summary>
    internal abstract AttributeSet.Slot? Duplicate(AttributeSet.Slot slot);

    private sealed class TypedAttribute(AttributeDuplication duplication, Type type) : Attribute(duplication)
    {
        internal override AttributeSet.Slot? Duplicate(AttributeSet.Slot slot) => Duplication switch
        {
            AttributeDuplication.None => null,
            AttributeDuplication.Shallow when type.IsValueType && !type.IsPrimitive => slot,
            AttributeDuplication.Deep when slot.Value is ICloneable cloneable && !type.IsValueType =>
                new AttributeSet.Slot(cloneable.Clone()),
            _ => new AttributeSet.Slot(slot.Value),
        };
    }
}

/// <summary>The attribute values cached on one communicator.</summary>
public sealed class AttributeSet
{
    private readonly Dictionary<Attribute, Slot> _slots = [];

    /// <summary>The value of <paramref name="attribute"/> on this communicator; null when it has none. Setting null keeps the attribute, with a null value.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="attribute"/> is null.</exception>
    public object? this[Attribute attribute]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(attribute);
            return _slots.TryGetValue(attribute, out var slot) ? slot.Value : null;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(attribute);
            if (_slots.TryGetValue(attribute, out var slot))
                slot.Value = value;
            else
                _slots[attribute] = new Slot(value);
        }
    }

    /// <summary>Removes the attribute's value from this communicator (a clone keeps its own); removing twice is fine.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="attribute"/> is null.</exception>
    public void Remove(Attribute attribute)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        _slots.Remove(attribute);
    }

    /// <summary>Gives <paramref name="clone"/> this set's values, each as its attribute's duplication says.</summary>
    internal void CopyTo(AttributeSet clone)
    {
        foreach (var (attribute, slot) in _slots)
        {
            if (attribute.Duplicate(slot) is { } copied)
                clone._slots[attribute] = copied;
        }
    }

    /// <summary>Storage for one value; shared between communicators for shallow-copied structs.</summary>
    internal sealed class Slot(object? value)
    {
        public object? Value { get; set; } = value;
    }
}
