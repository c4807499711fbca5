using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using MessagePack;

namespace MPI;

/// <summary>Turns objects into bytes and back, for values that cannot travel as raw memory.</summary>
public interface ISerializer
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="stream"/>, leaving the stream open.</summary>
    void Serialize<T>(Stream stream, T value);

    /// <summary>Reads one <typeparamref name="T"/> from <paramref name="stream"/> (which holds exactly one value).</summary>
    /// <remarks>Whatever this throws reaches the receiver as a <see cref="MessageTypeMismatchException"/>.</remarks>
    T Deserialize<T>(Stream stream);
}

/// <summary>The serialization settings of a communicator (which serializer it uses for non-raw types).</summary>
public class Serialization
{
    /// <summary>
    /// The serializer for values that are not unmanaged types. Defaults to <see cref="ObjectSerializer.Default"/>.
    /// Sender and receiver must use the same one.
    /// </summary>
    public ISerializer Serializer { get; set; } = ObjectSerializer.Default;

    // MPI.NET's tuning knobs and hooks for its chunked, threaded transport. Kept for source compatibility; the
    // transport here does not consult them (it sizes its own buffers and runs on the caller's thread).

    /// <summary>MPI.NET: the chunk size of a split serialized object, in bytes (16 MiB). Not consulted here.</summary>
    public int BufferSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>MPI.NET: the most serialization worker threads. Not consulted here.</summary>
    public int WorkerCount { get; set; } = 16;

    /// <summary>MPI.NET: called with the size (bytes) and destination rank of each block sent. Not called here.</summary>
    public Action<int, int>? SendLogger { get; set; }

    /// <summary>MPI.NET: called while a process waits. Not called here.</summary>
    public Action<string>? WaitLogger { get; set; }
}

/// <summary>
/// The default serializer: MessagePack with contract-less resolution of public and private members, so user
/// classes, structs with references, records and collections need no attributes; classes that no constructor can
/// rebuild are written field by field (see <see cref="ObjectResolver"/>).
/// </summary>
public sealed class ObjectSerializer : ISerializer
{
    /// <summary>The one instance (the serializer is stateless).</summary>
    public static ObjectSerializer Default { get; } = new();

    // Built on first use, not with Default (which every communicator touches): MessagePack's options set up its
    // security settings, which seed a hash from the system's random generator and so load OpenSSL in every rank.
    private static MessagePackSerializerOptions Options => Configured.Options;

    private static class Configured
    {
        public static readonly MessagePackSerializerOptions Options =
            MessagePackSerializerOptions.Standard.WithResolver(ObjectResolver.Instance);
    }

    private ObjectSerializer() { }

    /// <summary>Writes <paramref name="value"/> to <paramref name="stream"/> as MessagePack.</summary>
    /// <exception cref="MessagePackSerializationException">A member of the value's type cannot be serialized.</exception>
    public void Serialize<T>(Stream stream, T value) => MessagePackSerializer.Serialize(stream, value, Options);

    /// <summary>Reads one <typeparamref name="T"/> written by <see cref="Serialize{T}(Stream, T)"/>.</summary>
    /// <exception cref="MessagePackSerializationException">The bytes do not hold a <typeparamref name="T"/>.</exception>
    public T Deserialize<T>(Stream stream) => MessagePackSerializer.Deserialize<T>(stream, Options);

    internal static void Serialize<T>(IBufferWriter<byte> writer, T value)
    {
        // A string, the commonest small value, is written directly: the bytes MessagePack's own formatter writes,
        // without its resolver lookup (and, under Native AOT, without building options).
        if (typeof(T) == typeof(string))
        {
            var direct = new MessagePackWriter(writer);
            direct.Write(Unsafe.As<T, string?>(ref value));
            direct.Flush();
            return;
        }
        if (AotSerialization.Handles<T>()) { AotSerialization.Serialize(writer, value); return; }
        MessagePackSerializer.Serialize(writer, value, Options);
    }

    internal static T Deserialize<T>(in ReadOnlySequence<byte> bytes, out long bytesRead)
    {
        var reader = new MessagePackReader(bytes);
        if (typeof(T) == typeof(string))
        {
            var text = reader.ReadString();
            bytesRead = reader.Consumed;
            return Unsafe.As<string?, T>(ref text);
        }
        if (AotSerialization.Handles<T>()) return AotSerialization.Deserialize<T>(bytes, out bytesRead);
        var value = MessagePackSerializer.Deserialize<T>(ref reader, Options);
        bytesRead = reader.Consumed;
        return value;
    }
}

/// <summary>
/// The frame of a serialized value: the sender's type name (so a receiver that asks for an incompatible type is told
/// what was sent) followed by the serializer's bytes, written after <see cref="FrameWriter.Reserved"/> header bytes.
/// </summary>
internal static class SerializedFrame
{
    [ThreadStatic]
    private static FrameWriter? _writer;

    /// <summary>Serializes into this thread's writer; pass it to <see cref="Release"/> when done.</summary>
    public static FrameWriter Write<T>(T value, Serialization serialization)
    {
        var writer = _writer ?? new FrameWriter();
        _writer = null; // a nested write (a serializer that sends) gets its own writer
        var name = TypeName<T>.Utf8;
        var header = writer.GetSpan(2 + name.Length);
        header[0] = (byte)(name.Length >> 8);
        header[1] = (byte)name.Length;
        name.CopyTo(header[2..]);
        writer.Advance(2 + name.Length);
        if (serialization.Serializer is ObjectSerializer)
        {
            ObjectSerializer.Serialize(writer, value);
        }
        else
        {
            using var stream = new MemoryStream();
            serialization.Serializer.Serialize(stream, value);
            writer.Write(stream.GetBuffer().AsSpan(0, (int)stream.Length));
        }
        return writer;
    }

    public static void Release(FrameWriter writer)
    {
        writer.Reset();
        _writer = writer;
    }

    public static T Read<T>(ReadOnlyMemory<byte> frame, Serialization serialization, int source, int tag) =>
        Read<T>(new ReadOnlySequence<byte>(frame), serialization, source, tag);

    public static T Read<T>(ReadOnlySequence<byte> frame, Serialization serialization, int source, int tag)
    {
        var first = frame.FirstSpan;
        int nameLength = first.Length >= 2 ? (first[0] << 8) | first[1] : -1;
        if (nameLength < 0 || 2 + nameLength > first.Length)
            throw new MessageTypeMismatchException(
                $"The message from rank {source} with tag {tag} ({frame.Length} bytes) is not a serialized object, " +
                $"so it cannot be received as {typeof(T)}; it was probably sent as raw values of another type.");
        // The sender's type name is decoded only to explain a failure.
        string SentType() => Encoding.UTF8.GetString(frame.FirstSpan.Slice(2, nameLength));
        var payload = frame.Slice(2 + nameLength);
        try
        {
            if (serialization.Serializer is ObjectSerializer)
            {
                if (!first.Slice(2, nameLength).SequenceEqual(TypeName<T>.Utf8))
                    MemberNames<T>.Check(payload, SentType);
                var value = ObjectSerializer.Deserialize<T>(payload, out long read);
                return read == payload.Length
                    ? value
                    : throw new MessageTypeMismatchException(
                        $"The message from rank {source} with tag {tag} holds a {SentType()}; reading it as " +
                        $"{typeof(T)} left {payload.Length - read} of {payload.Length} bytes unread.");
            }
            using var stream = new MemoryStream(payload.ToArray(), writable: false);
            return serialization.Serializer.Deserialize<T>(stream);
        }
        catch (Exception e) when (e is not MessageTypeMismatchException)
        {
            throw new MessageTypeMismatchException(
                $"The message from rank {source} with tag {tag} holds a {SentType()}, which cannot be received as " +
                $"{typeof(T)}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The names under which a <typeparamref name="T"/> written member by member (MessagePack's contract-less maps) can
    /// hold its members: every field and property of it and its base classes, and names given by
    /// <see cref="KeyAttribute"/> or <see cref="System.Runtime.Serialization.DataMemberAttribute"/> (a superset of the
    /// keys MessagePack writes). Checked only when a value arrives from a type of another name: MessagePack skips keys
    /// it does not know, so a value of an unrelated type would otherwise arrive as a <typeparamref name="T"/> of defaults.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2070", Justification = AotSerialization.MessagePackNeedsJit)]
    private static class MemberNames<T>
    {
        private static readonly HashSet<string>? Names = typeof(T) == typeof(object) ||
            typeof(System.Collections.IEnumerable).IsAssignableFrom(typeof(T)) || typeof(T).IsPrimitive
            ? null
            : typeof(T).GetTypeHierarchy()
                .SelectMany(type => type.GetMembers(System.Reflection.BindingFlags.Instance |
                    System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic |
                    System.Reflection.BindingFlags.DeclaredOnly))
                .Where(member => member is System.Reflection.FieldInfo or System.Reflection.PropertyInfo)
                .SelectMany(member => new[]
                {
                    member.Name,
                    member.GetCustomAttributes(typeof(KeyAttribute), true).OfType<KeyAttribute>().FirstOrDefault()?.StringKey,
                    member.GetCustomAttributes(typeof(System.Runtime.Serialization.DataMemberAttribute), true)
                        .OfType<System.Runtime.Serialization.DataMemberAttribute>().FirstOrDefault()?.Name,
                })
                .OfType<string>()
                .ToHashSet(StringComparer.Ordinal);

        /// <summary>Throws when <paramref name="payload"/> is a map with a string key that names no member of <typeparamref name="T"/>.</summary>
        public static void Check(in ReadOnlySequence<byte> payload, Func<string> sentType)
        {
            if (Names is null)
                return;
            var reader = new MessagePackReader(payload);
            if (reader.NextMessagePackType != MessagePackType.Map)
                return;
            int count = reader.ReadMapHeader();
            for (int i = 0; i < count; i++)
            {
                if (reader.NextMessagePackType != MessagePackType.String)
                    return;
                var key = reader.ReadString()!;
                if (!Names.Contains(key))
                {
                    throw new MessagePackSerializationException(
                        $"the {sentType()} has a member '{key}' that {typeof(T)} does not have");
                }
                reader.Skip();
            }
        }
    }

    private static class TypeName<T>
    {
        public static readonly byte[] Utf8 = Encoding.UTF8.GetBytes(typeof(T).ToString()).AsSpan(0,
            Math.Min(Encoding.UTF8.GetByteCount(typeof(T).ToString()), ushort.MaxValue)).ToArray();
    }
}
