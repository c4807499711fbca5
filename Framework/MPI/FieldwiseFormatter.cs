using System.Reflection;
using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace MPI;

/// <summary>
/// MessagePack's contract-less resolution (public and private members, no attributes) for every type it can
/// build, except arrays and lists of primitive elements, which travel as raw blocks (<see cref="SerializationBlocks"/>);
/// a class whose constructors match none of its members, which contract-less resolution cannot rebuild, gets
/// <see cref="FieldwiseFormatter{T}"/> instead.
/// </summary>
internal sealed class ObjectResolver : IFormatterResolver
{
    public static readonly ObjectResolver Instance = new();

    private ObjectResolver() { }

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = Create();

        private static IMessagePackFormatter<T>? Create()
        {
            if (SerializationGuard.Refusal(typeof(T)) is { } refusal)
                return new RefusedFormatter<T>(refusal);
            if (SerializationBlocks.FormatterFor(typeof(T)) is IMessagePackFormatter<T> block)
                return block;
            try
            {
                return SerializationGuard.Guard(ContractlessStandardResolverAllowPrivate.Instance.GetFormatter<T>());
            }
            // MessagePack reports "can't find matched constructor" with an internal exception type, known by name.
            catch (TypeInitializationException e)
                when (e.GetBaseException().GetType().Name == "MessagePackDynamicObjectResolverException")
            {
                return SerializationGuard.Guard<T>(new FieldwiseFormatter<T>());
            }
        }
    }
}

/// <summary>
/// Writes every instance field (private ones and those of base classes included, <see cref="NonSerializedAttribute"/>
/// ones excluded) and rebuilds the object without running a constructor, as BinaryFormatter did for MPI.NET.
/// Fields are serialized by their declared type.
/// </summary>
[System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2070", Justification = AotSerialization.MessagePackNeedsJit)]
[System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2087", Justification = AotSerialization.MessagePackNeedsJit)]
internal sealed class FieldwiseFormatter<T> : IMessagePackFormatter<T>
{
    private static readonly FieldInfo[] Fields = typeof(T)
        .GetTypeHierarchy()
        .Reverse()
        .SelectMany(type => type
            .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .Where(field => !field.IsDefined(typeof(NonSerializedAttribute)))
            .OrderBy(field => field.MetadataToken))
        .ToArray();

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        writer.WriteArrayHeader(Fields.Length);
        foreach (var field in Fields)
            MessagePackSerializer.Serialize(field.FieldType, ref writer, field.GetValue(value), options);
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
            return default!;
        options.Security.DepthStep(ref reader);
        try
        {
            int count = reader.ReadArrayHeader();
            if (count != Fields.Length)
                throw new MessagePackSerializationException(
                    $"{typeof(T)} has {Fields.Length} fields but the message holds {count}.");
            var value = RuntimeHelpers.GetUninitializedObject(typeof(T));
            foreach (var field in Fields)
                field.SetValue(value, MessagePackSerializer.Deserialize(field.FieldType, ref reader, options));
            return (T)value;
        }
        finally
        {
            reader.Depth--;
        }
    }
}

internal static class TypeHierarchy
{
    /// <summary>The type and its base classes, most derived first, without <see cref="object"/>.</summary>
    public static IEnumerable<Type> GetTypeHierarchy(this Type type)
    {
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
            yield return current;
    }
}
