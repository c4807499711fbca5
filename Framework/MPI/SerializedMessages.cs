using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// How a serialized value travels point to point. The sender sends a header message on the communicator with the
/// caller's tag: 16 bytes (a marker, the payload tag, the frame's length) followed by as much of the frame as fits in
/// <see cref="HeaderCapacity"/> bytes, which for small values is all of it. The rest of the frame (the payload)
/// follows on the communicator's private copy, with a tag the sender draws for that message alone, cut at fixed
/// offsets into messages of at most 1 GiB, so frames beyond 2 GiB travel too.
/// <para>
/// A receiver posts a real MPI receive for the header into a buffer of <see cref="HeaderCapacity"/> bytes, so MPI's
/// own matching decides which receive gets which message (non-overtaking holds across blocking and nonblocking
/// receives, any source and any tag). Once the header is in, the payload is received from the header's sender with
/// the header's payload tag, on a communicator no user receive can match: no other receive can take it.
/// </para>
/// <para>
/// The receiver posts that payload receive only when it next calls the framework, so senders never wait for it: the
/// payload sends are left to <see cref="DetachedSends"/> once the header is sent.
/// </para>
/// <para>
/// A string of at least <see cref="TextThreshold"/> characters (with the default serializer) travels as its UTF-16
/// characters instead: a header of 16 bytes (another marker, the payload tag, the number of characters), then the
/// characters straight from the sent string into the received one, as a raw array would, with no serializing, no
/// transcoding and no copy on either side.
/// </para>
/// </summary>
internal static unsafe class SerializedMessages
{
    // 64 KiB: values up to a few tens of KiB (strings, byte[], blocks of numbers) go as one message; each pending
    // nonblocking serialized receive holds a buffer of this size.
    public const int HeaderCapacity = 64 << 10;
    private const int Marker = 0x4E504D53; // "SMPN"
    private const int TextMarker = 0x55504D53; // "SMPU"

    /// <summary>
    /// Strings from this many characters travel as UTF-16 (see above): in UTF-8 they could not fit in the header
    /// message either. Shorter ones travel as MessagePack's UTF-8, for most of them in one message, which measured
    /// faster than a header and the characters in a second message (at 16 Ki characters, 16.8 against 20.7 us).
    /// </summary>
    public const int TextThreshold = HeaderCapacity - 64;

    [ThreadStatic]
    private static byte[]? _headerBuffer;

    /// <summary>This thread's buffer for blocking header receives (pinned: no fixed needed for the GC's sake).</summary>
    public static byte[] HeaderBuffer => _headerBuffer ??= GC.AllocateUninitializedArray<byte>(HeaderCapacity, pinned: true);

    /// <summary>Fills the header fields of a written frame; returns the header message's length.</summary>
    public static int Seal(FrameWriter writer, int payloadTag)
    {
        var header = writer.First.AsSpan(0, FrameWriter.Reserved);
        BinaryPrimitives.WriteInt32LittleEndian(header, Marker);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], payloadTag);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], writer.Length - FrameWriter.Reserved);
        return (int)Math.Min(writer.Length, HeaderCapacity);
    }

    /// <summary>Fills <paramref name="header"/> (<see cref="FrameWriter.Reserved"/> bytes) for a string of <paramref name="length"/> characters.</summary>
    public static void SealText(Span<byte> header, int payloadTag, int length)
    {
        BinaryPrimitives.WriteInt32LittleEndian(header, TextMarker);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], payloadTag);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], length);
    }

    /// <summary>The payload messages of a string of <paramref name="length"/> characters: character ranges of at most a segment's bytes.</summary>
    public static IEnumerable<(int Start, int Count)> TextChunks(int length)
    {
        const int Most = FrameWriter.SegmentSize / sizeof(char);
        for (int start = 0; start < length; start += Most)
            yield return (start, Math.Min(Most, length - start));
    }

    /// <summary>The characters of <paramref name="text"/> as payload messages, each pinned as it is asked for, with its length in bytes.</summary>
    public static IEnumerable<(MemoryHandle Pin, int Count)> PinText(string text) =>
        TextChunks(text.Length).Select(chunk =>
            (MemoryMarshal.AsMemory(text.AsMemory(chunk.Start, chunk.Count)).Pin(), sizeof(char) * chunk.Count));

    /// <summary>The payload messages of a frame of <paramref name="streamLength"/> bytes (header bytes included).</summary>
    public static IEnumerable<(int Segment, int Offset, int Count)> Chunks(long streamLength)
    {
        for (long start = HeaderCapacity; start < streamLength;)
        {
            int segment = (int)(start / FrameWriter.SegmentSize);
            long end = Math.Min(streamLength, (segment + 1L) * FrameWriter.SegmentSize);
            yield return (segment, (int)(start - (long)segment * FrameWriter.SegmentSize), (int)(end - start));
            start = end;
        }
    }

    /// <summary>
    /// The header received in <paramref name="header"/> (<paramref name="count"/> bytes), checked: the payload tag and
    /// either the frame's length (header bytes included) or, for a string's characters, their number.
    /// </summary>
    public static (bool Text, int PayloadTag, long Length) Parse(ReadOnlySpan<byte> header, int count, int source,
        int tag, Type expected) =>
        TryParse(header, count, out var parsed)
            ? parsed
            : throw NotSerialized(source, tag, expected, count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                null);

    /// <summary>Whether <paramref name="header"/> (<paramref name="count"/> bytes received) is a serialized value's header; see <see cref="Parse"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> header, int count, out (bool Text, int PayloadTag, long Length) parsed)
    {
        parsed = default;
        if (!HasMarker(header, count))
            return false;
        int marker = BinaryPrimitives.ReadInt32LittleEndian(header);
        int payloadTag = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        long length = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        if (marker == TextMarker)
        {
            parsed = (true, payloadTag, length);
            return count == FrameWriter.Reserved && length is >= TextThreshold and <= int.MaxValue;
        }
        long stream = length + FrameWriter.Reserved;
        parsed = (false, payloadTag, stream);
        return length >= 0 && (stream <= HeaderCapacity ? stream == count : count == HeaderCapacity);
    }

    /// <summary>Whether the <paramref name="count"/> bytes received start like a header (a cheap first test).</summary>
    public static bool HasMarker(ReadOnlySpan<byte> received, int count) =>
        count >= FrameWriter.Reserved && received.Length >= FrameWriter.Reserved &&
        BinaryPrimitives.ReadInt32LittleEndian(received) is Marker or TextMarker;

    /// <summary>A message longer than any header (its receive was truncated), so not a serialized value; <paramref name="status"/> is the failed receive's.</summary>
    public static MessageTypeMismatchException TooLongForHeader(in StatusBuffer status, Type expected, Exception inner) =>
        NotSerialized(Ranks.FromNative(status.Source), Ranks.TagFromNative(status.Tag), expected,
            $"more than {HeaderCapacity}", inner);

    public static MessageTypeMismatchException NotSerialized(int source, int tag, Type expected, string size,
        Exception? inner) =>
        new($"The message from rank {source} with tag {tag} ({size} bytes) is not a serialized object, so it cannot " +
            $"be received as {expected}; it was probably sent as raw values of another type.", inner!);
}

/// <summary>Where the payload of a message whose header has arrived is received, and how its value is read.</summary>
internal abstract unsafe class IncomingPayload
{
    /// <summary>Posts the receives of the payload from <paramref name="source"/> (native rank) on the shadow communicator.</summary>
    public List<PostedOperation> PostPayload(int source, int payloadTag, nint shadow)
    {
        var operations = new List<PostedOperation>();
        foreach (var (pin, count) in PinPieces())
        {
            operations.Add(new PostedOperation([pin], null, request =>
                Mpi.Irecv(pin.Pointer, count, Mpi.Abi.Datatypes.Byte, source, payloadTag, shadow, (void*)request)));
        }
        return operations;
    }

    /// <summary>The memory of each payload message in order, pinned as it is asked for, with its length in bytes.</summary>
    private protected abstract IEnumerable<(MemoryHandle Pin, int Count)> PinPieces();

    /// <summary>The value, once every payload receive has completed.</summary>
    /// <exception cref="MessageTypeMismatchException">The value is not a <typeparamref name="T"/>.</exception>
    public abstract T Read<T>(Serialization serialization, int source, int tag);
}

/// <summary>
/// A string's characters, received in place into a new string of their length (see <see cref="SerializedMessages"/>).
/// </summary>
internal sealed class IncomingText(long length) : IncomingPayload
{
    // The string is new and nothing else refers to it until Read returns it: MPI writes its characters in place.
    private readonly string _text = new('\0', (int)length);

    private protected override IEnumerable<(MemoryHandle Pin, int Count)> PinPieces() => SerializedMessages.PinText(_text);

    public override T Read<T>(Serialization serialization, int source, int tag) => _text is T value
        ? value
        : throw new MessageTypeMismatchException(
            $"The message from rank {source} with tag {tag} holds a {typeof(string)}, which cannot be received as {typeof(T)}.");
}

/// <summary>
/// The segments a large incoming frame is received into, laid out as the sender's: rented from the shared pool up to
/// <see cref="FrameWriter.PooledSize"/> (deserializing copies every value out, so they go back once it is read).
/// </summary>
internal sealed class IncomingFrame : IncomingPayload
{
    private readonly byte[][] _segments;
    private readonly long _streamLength;

    public IncomingFrame(ReadOnlySpan<byte> header, long streamLength)
    {
        _streamLength = streamLength;
        int count = (int)((streamLength + FrameWriter.SegmentSize - 1) / FrameWriter.SegmentSize);
        _segments = new byte[count][];
        for (int i = 0; i < count; i++)
            _segments[i] = Allocate((int)Math.Min(FrameWriter.SegmentSize, streamLength - (long)i * FrameWriter.SegmentSize));
        header.CopyTo(_segments[0]);
    }

    private static byte[] Allocate(int length) => length <= FrameWriter.PooledSize
        ? ArrayPool<byte>.Shared.Rent(length)
        : GC.AllocateUninitializedArray<byte>(length);

    private int LengthOf(int segment) =>
        (int)Math.Min(FrameWriter.SegmentSize, _streamLength - (long)segment * FrameWriter.SegmentSize);

    private protected override IEnumerable<(MemoryHandle Pin, int Count)> PinPieces() =>
        SerializedMessages.Chunks(_streamLength).Select(chunk =>
            (_segments[chunk.Segment].AsMemory(chunk.Offset, chunk.Count).Pin(), chunk.Count));

    /// <summary>
    /// Reads the value, once every payload message is in, and gives the pooled segments back: nothing refers to
    /// them afterwards.
    /// </summary>
    public override T Read<T>(Serialization serialization, int source, int tag)
    {
        var memories = new List<ReadOnlyMemory<byte>>(_segments.Length);
        for (int i = 0; i < _segments.Length; i++)
            memories.Add(_segments[i].AsMemory(0, LengthOf(i)));
        try
        {
            return SerializedFrame.Read<T>(FrameSequence.Of(memories).Slice(FrameWriter.Reserved), serialization,
                source, tag);
        }
        finally
        {
            foreach (var segment in _segments)
            {
                if (segment.Length <= FrameWriter.PooledSize)
                    ArrayPool<byte>.Shared.Return(segment);
            }
        }
    }
}

public abstract unsafe partial class Communicator
{
    private int _payloadTags;

    /// <summary>A tag for one message's payload on the shadow communicator, unique among this process's recent ones.</summary>
    private int NextPayloadTag() => (int)((uint)Interlocked.Increment(ref _payloadTags) % ((uint)MaxTagValue + 1));

    /// <summary>
    /// A blocking send of a serialized value: returns once the header is sent, handing the payload sends to
    /// <see cref="DetachedSends"/> (the receiver posts the payload receive only when it next calls the framework).
    /// </summary>
    private void SendSerialized<T>(T value, int dest, int tag)
    {
        if (AddressesSelf(dest))
        {
            SendSerializedToSelf(value, dest, tag);
            return;
        }
        DetachedSends.ReleaseCompleted();
        if (AsText(value) is { } text)
        {
            CompleteHeader(PostText(text, dest, tag));
            return;
        }
        var writer = SerializedFrame.Write(value, Serialization);
        if (writer.Length > SerializedMessages.HeaderCapacity)
        {
            CompleteHeader(PostFrame(writer, dest, tag));
            return;
        }
        // A frame that fits in the header goes out in one blocking send straight from this thread's writer: no copy.
        try
        {
            int headerLength = SerializedMessages.Seal(writer, 0);
            fixed (byte* p = writer.First)
                SendBlocking(p, headerLength, Mpi.Abi.Datatypes.Byte, dest, tag, LiveHandle);
        }
        finally
        {
            SerializedFrame.Release(writer);
        }
    }

    /// <summary>
    /// Waits for the header send of <paramref name="operations"/> (from <see cref="PostSerialized"/>) and detaches
    /// the payload sends; a failed header takes its payload sends back (cancelled) so nothing waits for them.
    /// </summary>
    private static void CompleteHeader(List<PostedOperation> operations)
    {
        try
        {
            operations[0].Complete(block: true, out _);
        }
        catch
        {
            foreach (var operation in operations.Skip(1))
                operation.Cancel();
            throw;
        }
        finally
        {
            DetachedSends.Add(operations.Skip(1));
        }
    }

    // Sends to this rank itself are buffered by SelfSends (cancelled at finalize if never received).
    private void SendSerializedToSelf<T>(T value, int dest, int tag)
    {
        var writer = SerializedFrame.Write(value, Serialization);
        try
        {
            bool payload = writer.Length > SerializedMessages.HeaderCapacity;
            int headerLength = SerializedMessages.Seal(writer, payload ? NextPayloadTag() : 0);
            fixed (byte* p = writer.First)
                SendBlocking(p, headerLength, Mpi.Abi.Datatypes.Byte, dest, tag, LiveHandle);
            if (!payload)
                return;
            int payloadTag = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(writer.First.AsSpan(4));
            var segments = writer.Segments().ToList();
            foreach (var (segment, offset, count) in SerializedMessages.Chunks(writer.Length))
            {
                fixed (byte* p = &segments[segment].Array![offset])
                    SendBlocking(p, count, Mpi.Abi.Datatypes.Byte, dest, payloadTag, ShadowHandle);
            }
        }
        finally
        {
            SerializedFrame.Release(writer);
        }
    }

    /// <summary>Posts the header and payload sends of <paramref name="value"/>; the operations own their buffers.</summary>
    private List<PostedOperation> PostSerialized<T>(T value, int dest, int tag)
    {
        DetachedSends.ReleaseCompleted();
        return AsText(value) is { } text
            ? PostText(text, dest, tag)
            : PostFrame(SerializedFrame.Write(value, Serialization), dest, tag);
    }

    /// <summary><paramref name="value"/> when it is a string that travels as its characters (see <see cref="SerializedMessages"/>).</summary>
    private string? AsText<T>(T value) =>
        value is string { Length: >= SerializedMessages.TextThreshold } text && Serialization.Serializer is ObjectSerializer
            ? text
            : null;

    /// <summary>Posts the header and the character sends of <paramref name="text"/>, sent from the string itself (it cannot change).</summary>
    private List<PostedOperation> PostText(string text, int dest, int tag)
    {
        int payloadTag = NextPayloadTag();
        var header = ArrayPool<byte>.Shared.Rent(FrameWriter.Reserved);
        SerializedMessages.SealText(header, payloadTag, text.Length);
        int pieces = SerializedMessages.TextChunks(text.Length).Count();
        return PostMessages(header, FrameWriter.Reserved, new PooledLease(header, 1 + pieces),
            SerializedMessages.PinText(text), dest, tag, payloadTag);
    }

    /// <summary>Posts the header and payload sends of a written frame, releasing the thread's writer.</summary>
    private List<PostedOperation> PostFrame(FrameWriter writer, int dest, int tag)
    {
        List<ArraySegment<byte>> segments;
        byte[]? rented;
        int headerLength;
        long length = writer.Length;
        bool payload = length > SerializedMessages.HeaderCapacity;
        int payloadTag = payload ? NextPayloadTag() : 0;
        try
        {
            headerLength = SerializedMessages.Seal(writer, payloadTag);
            if (!payload)
            {
                // Small frames are copied into a pooled array; the thread's writer stays for the next value.
                rented = ArrayPool<byte>.Shared.Rent(headerLength);
                writer.First.AsSpan(0, headerLength).CopyTo(rented);
                segments = [new ArraySegment<byte>(rented, 0, headerLength)];
            }
            else
            {
                segments = writer.Detach(out rented);
            }
        }
        finally
        {
            SerializedFrame.Release(writer);
        }
        var chunks = payload ? SerializedMessages.Chunks(length).ToList() : [];
        // Every operation holds a share of the rented buffer; it returns to the pool once all have completed.
        var lease = rented is null ? null : new PooledLease(rented, 1 + chunks.Count);
        return PostMessages(segments[0].Array!, headerLength, lease,
            chunks.Select(chunk => (segments[chunk.Segment].Array.AsMemory(chunk.Offset, chunk.Count).Pin(), chunk.Count)),
            dest, tag, payloadTag);
    }

    /// <summary>
    /// Posts the header send (<paramref name="headerLength"/> bytes of <paramref name="header"/>, with the caller's
    /// tag) and the payload sends (each pinned as it is posted, on the shadow communicator with the payload tag); every
    /// operation holds a share of <paramref name="lease"/>.
    /// </summary>
    private List<PostedOperation> PostMessages(byte[] header, int headerLength, PooledLease? lease,
        IEnumerable<(MemoryHandle Pin, int Count)> payload, int dest, int tag, int payloadTag)
    {
        var comm = LiveHandle;
        var shadow = ShadowHandle;
        int nativeDest = Ranks.ToNative(dest);
        var operations = new List<PostedOperation>();
        try
        {
            var headerPin = header.AsMemory(0, headerLength).Pin();
            operations.Add(new PostedOperation([headerPin], lease, request =>
                Mpi.Isend(headerPin.Pointer, headerLength, Mpi.Abi.Datatypes.Byte, nativeDest, tag, comm, (void*)request)));
            foreach (var (pin, count) in payload)
            {
                operations.Add(new PostedOperation([pin], lease, request =>
                    Mpi.Isend(pin.Pointer, count, Mpi.Abi.Datatypes.Byte, nativeDest, payloadTag, shadow, (void*)request)));
            }
        }
        catch
        {
            foreach (var operation in operations)
                operation.Complete(block: true, out _);
            throw;
        }
        return operations;
    }

    /// <summary>A blocking receive of a serialized value: the header into this thread's buffer, then any payload.</summary>
    private T ReceiveSerialized<T>(int source, int tag, out CompletedStatus status)
    {
        var header = SerializedMessages.HeaderBuffer;
        StatusBuffer native = default;
        try
        {
            fixed (byte* p = header)
                PendingReceives.Receive(p, SerializedMessages.HeaderCapacity, Mpi.Abi.Datatypes.Byte,
                    Ranks.ToNative(source), Ranks.TagToNative(tag), LiveHandle, &native);
        }
        catch (MessageTruncatedException e)
        {
            throw SerializedMessages.TooLongForHeader(native, typeof(T), e);
        }
        return FinishSerialized<T>(header, native, out status, onArrival: null);
    }

    /// <summary>
    /// Completes a serialized receive whose header arrived: reads a small frame from the header, or receives the
    /// payload (blocking) and then reads it.
    /// </summary>
    internal T FinishSerialized<T>(byte[] header, in StatusBuffer native, out CompletedStatus status,
        Action<T>? onArrival)
    {
        var incoming = TakeHeader(header, native, typeof(T), out var small, out int from, out int tag);
        if (from == Ranks.ProcNull)
        {
            status = new CompletedStatus(native, 0);
            return default!;
        }
        if (incoming is not null)
        {
            foreach (var operation in incoming.PostPayload(native.Source, PayloadTagOf(header), ShadowHandle))
                operation.Complete(block: true, out _);
        }
        var value = incoming is null
            ? SerializedFrame.Read<T>(small, Serialization, from, tag)
            : incoming.Read<T>(Serialization, from, tag);
        onArrival?.Invoke(value);
        status = new CompletedStatus(native, value is Array array ? array.Length : 1);
        return value;
    }

    internal static int PayloadTagOf(byte[] header) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));

    /// <summary>
    /// Checks a received header: null with the frame in <paramref name="small"/> when the header holds all of it,
    /// otherwise where to receive the payload (a frame's segments, or a new string).
    /// </summary>
    internal static IncomingPayload? TakeHeader(byte[] header, in StatusBuffer native, Type expected,
        out ReadOnlyMemory<byte> small, out int from, out int tag)
    {
        small = default;
        from = Ranks.FromNative(native.Source);
        tag = Ranks.TagFromNative(native.Tag);
        if (from == Ranks.ProcNull)
            return null;
        int count = CountOf(native, Mpi.Abi.Datatypes.Byte);
        var (text, _, stream) = SerializedMessages.Parse(header, count, from, tag, expected);
        if (text)
            return new IncomingText(stream);
        if (stream <= SerializedMessages.HeaderCapacity)
        {
            small = header.AsMemory(FrameWriter.Reserved, count - FrameWriter.Reserved);
            return null;
        }
        return new IncomingFrame(header.AsSpan(0, count), stream);
    }
}

/// <summary>
/// A nonblocking serialized send. It completes when the header send does: the payload sends are then handed to
/// <see cref="DetachedSends"/>, since the receiver posts their receive only when it next calls the framework, and a
/// Wait that waited for them could deadlock with a receiver in a collective. So completion means what MPI's
/// buffered sends mean: the message is under way, its data is the framework's own copy, and it will be delivered
/// once the receiver takes it (this process completes the payload before MPI is finalized).
/// </summary>
internal sealed class MultipartRequest(List<PostedOperation> operations, int count) : Request
{
    private protected override CompletedStatus? Progress(bool block)
    {
        if (!operations[0].Complete(block, out var header))
            return null;
        var payload = operations.Skip(1).ToList();
        if (new Status(header).Cancelled)
        {
            // The receiver never saw the header, so nothing will receive the payload.
            foreach (var operation in payload)
                operation.Cancel();
        }
        DetachedSends.Add(payload);
        return new CompletedStatus(header, count);
    }

    // A serialized send is cancelled through its header; once that is matched, the payload must follow.
    private protected override void CancelInFlight() => operations[0].Cancel();
}

/// <summary>
/// A nonblocking receive of a serialized value: the header receive is posted at once (so it takes its place in MPI's
/// matching order); the payload receive is posted as soon as the header is in, by whichever call notices first (a
/// test, a wait, or any blocking call of this process, through <see cref="PendingReceives"/>).
/// </summary>
internal sealed unsafe class SerializedReceiveRequest<T> : ReceiveRequest, IPendingReceive
{
    private readonly Communicator _communicator;
    private readonly Action<T>? _onArrival;
    private readonly object? _resultOverride;
    private readonly byte[] _header;
    private readonly PostedOperation _headerReceive;
    private StatusBuffer _headerStatus;
    private bool _headerDone;
    private bool _busy;
    private IncomingPayload? _incoming;
    private List<PostedOperation> _payload = [];
    private int _payloadDone;
    private Exception? _failure;
    private object? _value;

    public SerializedReceiveRequest(Communicator communicator, int source, int tag, Action<T>? onArrival,
        object? resultOverride = null)
    {
        _communicator = communicator;
        _onArrival = onArrival;
        _resultOverride = resultOverride;
        _header = ArrayPool<byte>.Shared.Rent(SerializedMessages.HeaderCapacity);
        var pin = _header.AsMemory(0, SerializedMessages.HeaderCapacity).Pin();
        _headerReceive = PostedOperation.Receive(pin, SerializedMessages.HeaderCapacity, Mpi.Abi.Datatypes.Byte,
            Ranks.ToNative(source), Ranks.TagToNative(tag), communicator.LiveHandle);
        PendingReceives.Add(this);
    }

    private protected override object? Value => _value;

    bool IPendingReceive.Advance()
    {
        if (_busy)
            return false;
        try
        {
            return TryHeader();
        }
#pragma warning disable CA1031 // Kept for the owner's Wait or Test, which rethrows it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _failure = e;
            return true;
        }
    }

    /// <summary>Tests the header receive; once it is in, posts the payload receives. True when the header is in.</summary>
    private bool TryHeader()
    {
        if (_headerDone)
            return true;
        // Written by Complete even when it throws: MPI fills a failed receive's status.
        StatusBuffer native = default;
        try
        {
            if (!_headerReceive.Complete(block: false, out native))
                return false;
        }
        catch (MessageTruncatedException e)
        {
            throw SerializedMessages.TooLongForHeader(native, typeof(T), e);
        }
        _headerDone = true;
        _headerStatus = native;
        var status = new Status(native);
        if (status.Cancelled)
            return true;
        _incoming = Communicator.TakeHeader(_header, native, typeof(T), out _, out _, out _);
        if (_incoming is not null)
            _payload = _incoming.PostPayload(native.Source, Communicator.PayloadTagOf(_header), _communicator.ShadowHandle);
        return true;
    }

    private protected override CompletedStatus? Progress(bool block)
    {
        _busy = true;
        try
        {
            while (!HeaderIn())
            {
                if (!block)
                    return null;
                PendingReceives.Advance();
            }
            PendingReceives.Remove(this);
            if (new Status(_headerStatus).Cancelled)
                return new CompletedStatus(_headerStatus, 0);
            for (; _payloadDone < _payload.Count; _payloadDone++)
            {
                if (!_payload[_payloadDone].Complete(block, out _))
                    return null;
            }
            var value = _incoming is null
                ? _communicator.FinishSerialized(_header, _headerStatus, out var status, _onArrival)
                : FinishLarge(out status);
            _value = _resultOverride ?? value;
            ArrayPool<byte>.Shared.Return(_header);
            return status;
        }
        finally
        {
            _busy = false;
        }
    }

    // Another thread advancing the pending receives may be taking the header right now: the header's state changes
    // under their gate only, and a failure it kept is seen together with the header being in.
    private bool HeaderIn()
    {
        lock (PendingReceives.Gate)
        {
            if (_failure is not null)
                throw _failure;
            return TryHeader();
        }
    }

    private T FinishLarge(out CompletedStatus status)
    {
        var from = Ranks.FromNative(_headerStatus.Source);
        var value = _incoming!.Read<T>(_communicator.Serialization, from, Ranks.TagFromNative(_headerStatus.Tag));
        _onArrival?.Invoke(value);
        status = new CompletedStatus(_headerStatus, value is Array array ? array.Length : 1);
        return value;
    }

    private protected override void CancelInFlight()
    {
        lock (PendingReceives.Gate)
        {
            if (!_headerDone)
                _headerReceive.Cancel();
        }
    }
}
