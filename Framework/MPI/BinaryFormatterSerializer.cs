namespace MPI;

/// <summary>
/// The name MPI.NET gives its default serializer, so programs that assign
/// <c>comm.Serialization.Serializer = BinaryFormatterSerializer.Default</c> compile. .NET 9 removed BinaryFormatter;
/// this serializer is <see cref="ObjectSerializer"/> under the old name (same wire format), which also needs no
/// [Serializable] on the application's types.
/// </summary>
public sealed class BinaryFormatterSerializer : ISerializer
{
    /// <summary>The shared instance, as in MPI.NET.</summary>
    public static BinaryFormatterSerializer Default { get; } = new();

    private BinaryFormatterSerializer() { }

    /// <inheritdoc/>
    public void Serialize<T>(Stream stream, T value) => ObjectSerializer.Default.Serialize(stream, value);

    /// <inheritdoc/>
    public T Deserialize<T>(Stream stream) => ObjectSerializer.Default.Deserialize<T>(stream);
}
