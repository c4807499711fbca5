using MessagePack;
using MessagePack.Formatters;

namespace MPI;

/// <summary>
/// What keeps the default serializer from crashing the process: resolving members without a contract follows every
/// reference, so an object that refers to itself, a delegate (through its MethodInfo) or a native pointer would
/// recurse until the stack overflows, which no catch can stop. Such types are refused, and object graphs deeper than
/// <see cref="MaximumDepth"/> fail, both with a <see cref="MessagePackSerializationException"/> naming the type.
/// </summary>
internal static class SerializationGuard
{
    /// <summary>
    /// How deeply values may nest. Far below what overflows a secondary thread's stack (about 2,500 levels of
    /// contract-less formatters in 1.5 MiB), far above what data nests to.
    /// </summary>
    public const int MaximumDepth = 1000;

    [ThreadStatic]
    private static int _depth;

    /// <summary>Why values of <paramref name="type"/> cannot be serialized; null when they can.</summary>
    public static string? Refusal(Type type)
    {
        if (typeof(Delegate).IsAssignableFrom(type))
            return $"{type} is a delegate: code cannot be sent to another process (send the data it needs instead).";
        if (type == typeof(IntPtr) || type == typeof(UIntPtr) || type.IsPointer || type.IsFunctionPointer)
            return $"{type} is a native pointer or handle, which means nothing in another process.";
        return null;
    }

    /// <summary><paramref name="formatter"/>, counting depth for types that can nest (not primitives, strings or enums).</summary>
    public static IMessagePackFormatter<T>? Guard<T>(IMessagePackFormatter<T>? formatter) =>
        formatter is null || typeof(T).IsPrimitive || typeof(T).IsEnum || typeof(T) == typeof(string) || typeof(T) == typeof(decimal)
            ? formatter
            : new DepthGuardFormatter<T>(formatter);

    private sealed class DepthGuardFormatter<T>(IMessagePackFormatter<T> inner) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            if (++_depth > MaximumDepth)
            {
                _depth = 0; // the exception unwinds every level; the next value starts afresh
                throw new MessagePackSerializationException(
                    $"A {typeof(T)} is nested more than {MaximumDepth} levels deep: an object that refers to itself (a cycle) cannot be serialized, and data nested that deeply must be sent flattened.");
            }
            try
            {
                inner.Serialize(ref writer, value, options);
            }
            finally
            {
                _depth = Math.Max(0, _depth - 1);
            }
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            inner.Deserialize(ref reader, options);
    }
}

/// <summary>The formatter of a type the serializer refuses (see <see cref="SerializationGuard.Refusal"/>): it throws.</summary>
internal sealed class RefusedFormatter<T>(string reason) : IMessagePackFormatter<T>
{
    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) =>
        throw new MessagePackSerializationException(reason);

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        throw new MessagePackSerializationException(reason);
}
