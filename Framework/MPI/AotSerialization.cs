using System.Buffers;
using System.Runtime.CompilerServices;
using MemoryPack;
using MessagePack;
using MessagePack.Resolvers;

namespace MPI;

/// <summary>
/// The route of <see cref="ObjectSerializer"/> that needs no code generated at run time, so it works in a Native AOT
/// program: types marked <c>[MemoryPackable]</c> are written by MemoryPack's source-generated serializer (always, JIT
/// or AOT, so both kinds of rank agree on the bytes). Under Native AOT, MessagePack's built-in formatters
/// (primitives, strings, arrays of primitives, <see cref="DateTime"/>, ...) still serve; any other type is refused
/// with a <see cref="NotSupportedException"/> that names it and the fix, instead of failing deep inside
/// MessagePack's dynamic resolvers.
/// </summary>
internal static class AotSerialization
{
    /// <summary>Why the MessagePack route's reflection is not annotated: it is never reached under Native AOT.</summary>
    public const string MessagePackNeedsJit =
        "The contract-less MessagePack route generates code at run time and is refused under Native AOT before it is reached (AotSerialization); a JIT program is not trimmed.";

    private static readonly MessagePackSerializerOptions BuiltinOptions =
        MessagePackSerializerOptions.Standard.WithResolver(BuiltinResolver.Instance);

    /// <summary>Whether <typeparamref name="T"/> takes this route rather than the contract-less MessagePack one.</summary>
    public static bool Handles<T>() => Route<T>.Kind != RouteKind.Dynamic;

    public static void Serialize<T>(IBufferWriter<byte> writer, T value)
    {
        switch (Route<T>.Kind)
        {
            case RouteKind.MemoryPack:
                MemoryPackSerializer.Serialize(writer, value);
                break;
            case RouteKind.Builtin:
                MessagePackSerializer.Serialize(writer, value, BuiltinOptions);
                break;
            default:
                throw Route<T>.Refusal();
        }
    }

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2091",
        Justification = "MemoryPack is asked only for [MemoryPackable] types, whose formatter is source-generated and registered by the type itself; its reflection fallback is never used.")]
    public static T Deserialize<T>(in ReadOnlySequence<byte> bytes, out long bytesRead)
    {
        switch (Route<T>.Kind)
        {
            case RouteKind.MemoryPack:
                T? value = default;
                bytesRead = MemoryPackSerializer.Deserialize(bytes, ref value);
                return value!;
            case RouteKind.Builtin:
                var reader = new MessagePackReader(bytes);
                var read = MessagePackSerializer.Deserialize<T>(ref reader, BuiltinOptions);
                bytesRead = reader.Consumed;
                return read;
            default:
                throw Route<T>.Refusal();
        }
    }

    private enum RouteKind
    {
        /// <summary>Contract-less MessagePack (JIT only): <see cref="ObjectSerializer"/>'s own path.</summary>
        Dynamic,
        MemoryPack,
        Builtin,
        Refused,
    }

    private static class Route<T>
    {
        public static readonly RouteKind Kind = Decide();

        private static RouteKind Decide()
        {
            // The generator makes a [MemoryPackable] type implement this interface (and registers its formatter).
            if (typeof(IMemoryPackFormatterRegister).IsAssignableFrom(typeof(T)))
                return RouteKind.MemoryPack;
            if (RuntimeFeature.IsDynamicCodeSupported)
                return RouteKind.Dynamic;
            return BuiltinResolver.Instance.GetFormatter<T>() is null ? RouteKind.Refused : RouteKind.Builtin;
        }

        public static NotSupportedException Refusal() => new(
            $"{typeof(T)} cannot be serialized in a Native AOT program: the default serializer (MessagePack, " +
            "contract-less) generates its code at run time. Mark the type [MemoryPackable] and partial (MemoryPack's " +
            "source generator then writes its serializer), send it as raw memory (an unmanaged struct, or an array " +
            "of them), or run the program on the JIT (dotnet Program.dll).");
    }
}
