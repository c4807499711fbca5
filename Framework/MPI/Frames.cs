using System.Buffers;
using System.Runtime.InteropServices;

namespace MPI;

/// <summary>
/// The bytes a value serializes to, held in segments of at most <see cref="SegmentSize"/> bytes so that a frame can
/// exceed what one .NET array (or one MPI count of bytes) holds. Every segment but the last is exactly
/// <see cref="SegmentSize"/> long: sender and receiver then cut a frame at the same offsets without telling each
/// other. The first <see cref="Reserved"/> bytes are left for the message header, so that a small frame goes out in
/// one message without a copy.
/// </summary>
internal sealed class FrameWriter : IBufferWriter<byte>
{
    public const int SegmentSize = 1 << 30;
    public const int Reserved = 16;

    private const int InitialSize = 256;
    // Buffers that grew past this are dropped after use rather than kept per thread.
    private const int RetainedSize = 1 << 20;

    private readonly List<byte[]> _full = [];
    private byte[] _current = new byte[InitialSize];
    private int _used = Reserved;
    private byte[]? _scratch;

    /// <summary>Bytes written, the reserved header bytes included.</summary>
    public long Length => (long)_full.Count * SegmentSize + _used;

    /// <summary>The first segment (reserved header bytes first).</summary>
    public byte[] First => _full.Count > 0 ? _full[0] : _current;

    /// <summary>The segments in order; the last holds <see cref="Length"/> modulo the segment size.</summary>
    public IEnumerable<ArraySegment<byte>> Segments()
    {
        foreach (var segment in _full)
            yield return segment;
        yield return new ArraySegment<byte>(_current, 0, _used);
    }

    public void Reset()
    {
        _full.Clear();
        if (_current.Length > RetainedSize)
            _current = new byte[InitialSize];
        _used = Reserved;
        _scratch = null;
    }

    /// <summary>Hands the written segments to the caller (for a send still in flight) and starts afresh.</summary>
    public List<ArraySegment<byte>> Detach()
    {
        var segments = Segments().ToList();
        _full.Clear();
        _current = new byte[InitialSize];
        _used = Reserved;
        return segments;
    }

    public void Advance(int count)
    {
        if (_scratch is { } scratch)
        {
            _scratch = null;
            Append(scratch.AsSpan(0, count));
            ArrayPool<byte>.Shared.Return(scratch);
            return;
        }
        _used += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).Span;

    private Memory<byte> Reserve(int sizeHint)
    {
        int need = Math.Max(sizeHint, 1);
        if (_current.Length - _used >= need)
            return _current.AsMemory(_used);
        if (_current.Length < SegmentSize)
        {
            long wanted = Math.Min(Math.Max(2L * _current.Length, (long)_used + need), SegmentSize);
            Array.Resize(ref _current, (int)wanted);
            if (_current.Length - _used >= need)
                return _current.AsMemory(_used);
        }
        if (_used == SegmentSize)
        {
            _full.Add(_current);
            _current = new byte[Math.Min(Math.Max(need, RetainedSize), SegmentSize)];
            _used = 0;
            if (_current.Length >= need)
                return _current;
        }
        // The span asked for would cross a segment boundary: lend a scratch buffer, copied in on Advance.
        _scratch = ArrayPool<byte>.Shared.Rent(need);
        return _scratch;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var room = Reserve(0).Span;
            int n = Math.Min(room.Length, bytes.Length);
            bytes[..n].CopyTo(room);
            _used += n;
            bytes = bytes[n..];
        }
    }
}

/// <summary>Builds read-only sequences over frame segments (managed arrays or native memory).</summary>
internal static class FrameSequence
{
    public static ReadOnlySequence<byte> Of(IReadOnlyList<ReadOnlyMemory<byte>> segments)
    {
        if (segments.Count == 1)
            return new ReadOnlySequence<byte>(segments[0]);
        Segment? first = null, last = null;
        foreach (var memory in segments)
        {
            var segment = new Segment(memory, last is null ? 0 : last.RunningIndex + last.Memory.Length);
            if (last is null)
                first = segment;
            else
                last.SetNext(segment);
            last = segment;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    /// <summary>A sequence over native memory of any length, in pieces a <see cref="Memory{T}"/> can address.</summary>
    public static unsafe ReadOnlySequence<byte> OfNative(byte* start, long length)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        for (long offset = 0; offset < length || pieces.Count == 0; offset += FrameWriter.SegmentSize)
        {
            int size = (int)Math.Min(FrameWriter.SegmentSize, length - offset);
            pieces.Add(new NativeMemoryManager(start + offset, size).Memory);
        }
        return Of(pieces);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }

    private sealed unsafe class NativeMemoryManager(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}

/// <summary>
/// Contiguous memory that never moves, for the serialized collectives: a pinned array when it fits in one, native
/// memory (freed by the finalizer, as frames sliced from one block share it) beyond.
/// </summary>
internal sealed unsafe class FrameStorage
{
    private static readonly FrameStorage None = new(0);
    private readonly byte[]? _array;
    private readonly byte* _native;

    private FrameStorage(long length)
    {
        Length = length;
        if (length <= Array.MaxLength)
        {
            _array = GC.AllocateUninitializedArray<byte>((int)Math.Max(length, 8), pinned: true);
            Pointer = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(
                ref MemoryMarshal.GetArrayDataReference(_array));
        }
        else
        {
            _native = (byte*)NativeMemory.Alloc((nuint)length);
            Pointer = _native;
        }
    }

    ~FrameStorage()
    {
        if (_native != null)
            NativeMemory.Free(_native);
    }

    public static FrameStorage Allocate(long length) => length == 0 ? None : new FrameStorage(length);

    public byte* Pointer { get; }

    public long Length { get; }

    public ReadOnlySequence<byte> Slice(long offset, long length)
    {
        if (_array is not null)
            return new ReadOnlySequence<byte>(_array, (int)offset, (int)length);
        return FrameSequence.OfNative(Pointer + offset, length);
    }
}

/// <summary>One serialized value's bytes inside a <see cref="FrameStorage"/>, starting at a multiple of 8.</summary>
internal sealed unsafe class Frame(FrameStorage storage, long offset, long length)
{
    public static readonly Frame Empty = new(FrameStorage.Allocate(0), 0, 0);

    public long Length => length;

    /// <summary>The first byte; the storage holds at least <see cref="Length"/> rounded up to 8 bytes from here.</summary>
    public byte* Pointer => storage.Pointer + offset;

    /// <summary>The bytes; valid while this frame is reachable (the caller keeps it alive).</summary>
    public ReadOnlySequence<byte> Bytes => storage.Slice(offset, length);

    public FrameStorage Storage => storage;
}
