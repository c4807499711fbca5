using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace MPI;

/// <summary>
/// Arrays and lists of primitive numbers, chars and bools as one block of raw memory (a MessagePack extension whose
/// type code names the element type) instead of element by element: they are copied, not encoded, wherever they sit
/// in a value. Sender and receiver are the same build of the framework on machines of the same byte order, as MPI's
/// raw path assumes too. <c>byte[]</c> keeps MessagePack's own binary format, already a block.
/// </summary>
internal static class SerializationBlocks
{
    // The extension codes: a base plus the element's TypeCode (Boolean 3 ... Double 14), so that reading a block of
    // another element type is refused rather than reinterpreted.
    private const sbyte CodeBase = 80;

    /// <summary>A block formatter for <paramref name="type"/> when it is an array or list of such elements; else null.</summary>
    public static object? FormatterFor(Type type)
    {
        if (type.IsSZArray && type.GetElementType() is { } element && element != typeof(byte))
            return Of(element, new ArrayFormatters());
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            return Of(type.GetGenericArguments()[0], new ListFormatters());
        return null;
    }

    // Each element type spelled out (no MakeGenericType), so that Native AOT compiles every formatter; enums, whose
    // type code is their underlying type's, are not primitive and stay out.
    private static object? Of<TMake>(Type element, TMake make) where TMake : struct, IFormatterMaker =>
        !element.IsPrimitive ? null : Type.GetTypeCode(element) switch
        {
            TypeCode.Boolean => make.Make<bool>(),
            TypeCode.Char => make.Make<char>(),
            TypeCode.SByte => make.Make<sbyte>(),
            TypeCode.Byte => make.Make<byte>(),
            TypeCode.Int16 => make.Make<short>(),
            TypeCode.UInt16 => make.Make<ushort>(),
            TypeCode.Int32 => make.Make<int>(),
            TypeCode.UInt32 => make.Make<uint>(),
            TypeCode.Int64 => make.Make<long>(),
            TypeCode.UInt64 => make.Make<ulong>(),
            TypeCode.Single => make.Make<float>(),
            TypeCode.Double => make.Make<double>(),
            _ => null,
        };

    private interface IFormatterMaker
    {
        object Make<T>() where T : unmanaged;
    }

    private readonly struct ArrayFormatters : IFormatterMaker
    {
        public object Make<T>() where T : unmanaged => new BlockArrayFormatter<T>();
    }

    private readonly struct ListFormatters : IFormatterMaker
    {
        public object Make<T>() where T : unmanaged => new BlockListFormatter<T>();
    }

    public static sbyte CodeOf<T>() => (sbyte)(CodeBase + (int)Type.GetTypeCode(typeof(T)));

    /// <summary>Writes the block header and the elements' bytes; false when the block is too long for one extension.</summary>
    public static bool TryWrite<T>(ref MessagePackWriter writer, ReadOnlySpan<T> values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        if ((ulong)values.Length * (ulong)Unsafe.SizeOf<T>() > uint.MaxValue)
            return false;
        writer.WriteExtensionFormatHeader(new ExtensionHeader(CodeOf<T>(), (uint)bytes.Length));
        writer.WriteRaw(bytes);
        return true;
    }

    /// <summary>The element count of the block the reader is at (its header read); throws for another element type.</summary>
    public static int ReadCount<T>(ref MessagePackReader reader) where T : unmanaged
    {
        var header = reader.ReadExtensionFormatHeader();
        if (header.TypeCode != CodeOf<T>())
            throw new MessagePackSerializationException(
                header.TypeCode is > CodeBase and <= CodeBase + (sbyte)TypeCode.Double
                    ? $"The block holds {(TypeCode)(header.TypeCode - CodeBase)} elements, not {typeof(T)}."
                    : $"Extension type {header.TypeCode} is not a block of {typeof(T)}.");
        if (header.Length % (uint)Unsafe.SizeOf<T>() != 0)
            throw new MessagePackSerializationException(
                $"A block of {typeof(T)} cannot be {header.Length} bytes long.");
        return (int)(header.Length / (uint)Unsafe.SizeOf<T>());
    }

    /// <summary>Copies the block's bytes (after <see cref="ReadCount{T}"/>) into <paramref name="values"/>.</summary>
    public static void ReadInto<T>(ref MessagePackReader reader, Span<T> values) where T : unmanaged =>
        reader.ReadRaw(MemoryMarshal.AsBytes(values).Length).CopyTo(MemoryMarshal.AsBytes(values));
}

/// <summary>A <c>T[]</c> of primitive elements as one raw block (see <see cref="SerializationBlocks"/>).</summary>
internal sealed class BlockArrayFormatter<T> : IMessagePackFormatter<T[]?> where T : unmanaged
{
    // Blocks longer than an extension holds (4 GiB) go element by element.
    private static readonly ArrayFormatter<T> Elementwise = new();

    public void Serialize(ref MessagePackWriter writer, T[]? value, MessagePackSerializerOptions options)
    {
        if (value is null)
            writer.WriteNil();
        else if (!SerializationBlocks.TryWrite<T>(ref writer, value))
            Elementwise.Serialize(ref writer, value, options);
    }

    public T[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
            return null;
        if (reader.NextMessagePackType != MessagePackType.Extension)
            return Elementwise.Deserialize(ref reader, options);
        var values = GC.AllocateUninitializedArray<T>(SerializationBlocks.ReadCount<T>(ref reader));
        SerializationBlocks.ReadInto<T>(ref reader, values);
        return values;
    }
}

/// <summary>A <c>List&lt;T&gt;</c> of primitive elements as one raw block (see <see cref="SerializationBlocks"/>).</summary>
internal sealed class BlockListFormatter<T> : IMessagePackFormatter<List<T>?> where T : unmanaged
{
    private static readonly ListFormatter<T> Elementwise = new();

    public void Serialize(ref MessagePackWriter writer, List<T>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
            writer.WriteNil();
        else if (!SerializationBlocks.TryWrite<T>(ref writer, CollectionsMarshal.AsSpan(value)))
            Elementwise.Serialize(ref writer, value, options);
    }

    public List<T>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
            return null;
        if (reader.NextMessagePackType != MessagePackType.Extension)
            return Elementwise.Deserialize(ref reader, options);
        int count = SerializationBlocks.ReadCount<T>(ref reader);
        var values = new List<T>(count);
        CollectionsMarshal.SetCount(values, count);
        SerializationBlocks.ReadInto<T>(ref reader, CollectionsMarshal.AsSpan(values));
        return values;
    }
}
