using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MPI;

/// <summary>
/// The bytes a value serializes to, held in segments of at most <see cref="SegmentSize"/> bytes so that a frame can
/// exceed what one .NET array (or one MPI count of bytes) holds. Every segment but the last is exactly
/// <see cref="SegmentSize"/> long: sender and receiver then cut a frame at the same offsets without telling each
/// other. The first <see cref="Reserved"/> bytes are left for the message header, so that a small frame goes out in
/// one message without a copy.
/// <para>
/// Buffers beyond the first few hundred bytes are rented from <see cref="ArrayPool{T}.Shared"/> and go back when the
/// frame is done (or, for a frame still in flight, when its sends complete, see <see cref="Detach"/>), and a writer
/// starts at the size of its previous frame: sending values of similar sizes over and over then neither grows nor
/// copies a buffer, nor touches fresh memory, whose page faults cost more than the copy itself.
/// </para>
/// </summary>
internal sealed class FrameWriter : IBufferWriter<byte>
{
    public const int SegmentSize = 1 << 30;
    public const int Reserved = 16;

    private const int InitialSize = 256;
    /// <summary>Frame buffers up to this size are pooled; larger ones are allocated (the shared pool keeps few of them).</summary>
    public const int PooledSize = 64 << 20;

    private readonly byte[] _initial = new byte[InitialSize];
    private readonly List<byte[]> _full = [];
    private byte[] _current;
    private bool _rented;
    private int _used = Reserved;
    private long _previousLength;
    private byte[]? _scratch;

    public FrameWriter() => _current = _initial;

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

    /// <summary>Empties the writer for the next value, returning its rented buffer.</summary>
    public void Reset()
    {
        if (_rented)
            ArrayPool<byte>.Shared.Return(_current);
        StartAfresh();
    }

    /// <summary>
    /// Hands the written segments to the caller (for sends still in flight) and starts afresh; the caller returns
    /// the rented buffer among them, if any (<paramref name="rented"/>), once nothing reads them any more.
    /// </summary>
    public List<ArraySegment<byte>> Detach(out byte[]? rented)
    {
        var segments = Segments().ToList();
        rented = _rented ? _current : null;
        StartAfresh();
        return segments;
    }

    private void StartAfresh()
    {
        _previousLength = Length;
        _full.Clear();
        _current = _initial;
        _rented = false;
        _used = Reserved;
        _scratch = null;
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
            // Twice the size, at least what is needed, and at least the previous frame's size when that was pooled
            // (renting a pooled buffer larger than needed costs nothing: its untouched pages are never faulted in).
            long wanted = Math.Max(Math.Max(2L * _current.Length, (long)_used + need),
                _full.Count == 0 && _previousLength <= PooledSize ? _previousLength : 0);
            Grow((int)Math.Min(wanted, SegmentSize));
            if (_current.Length - _used >= need)
                return _current.AsMemory(_used);
        }
        if (_used == SegmentSize)
        {
            _full.Add(_current);
            _current = new byte[Math.Min(Math.Max(need, InitialSize), SegmentSize)];
            _rented = false;
            _used = 0;
            if (_current.Length >= need)
                return _current;
        }
        // The span asked for would cross a segment boundary: lend a scratch buffer, copied in on Advance.
        _scratch = ArrayPool<byte>.Shared.Rent(need);
        return _scratch;
    }

    private void Grow(int size)
    {
        bool rent = size <= PooledSize;
        var next = rent ? ArrayPool<byte>.Shared.Rent(size) : new byte[size];
        _current.AsSpan(0, _used).CopyTo(next);
        if (_rented)
            ArrayPool<byte>.Shared.Return(_current);
        _current = next;
        _rented = rent;
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
/// memory (freed by the finalizer, as frames sliced from one block share it) beyond. Arrays up to
/// <see cref="FrameWriter.PooledSize"/> come from <see cref="PinnedArrays"/> and go back there when the collective
/// that used them calls <see cref="Return"/>: a pinned array is only reclaimed by a full (gen2) collection, which
/// collectives allocating one or two per call would otherwise trigger again and again.
/// </summary>
internal sealed unsafe class FrameStorage
{
    private static readonly FrameStorage None = new(0);
    private readonly byte[]? _array;
    private readonly byte* _native;
    private byte[]? _pooled;

    private FrameStorage(long length)
    {
        Length = length;
        if (length <= Array.MaxLength)
        {
            var array = PinnedArrays.Rent((int)Math.Max(length, 8), out bool pooled);
            _pooled = pooled ? array : null;
            Pointer = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(
                ref MemoryMarshal.GetArrayDataReference(array));
            _array = array;
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

    /// <summary>Gives a pooled array back, once no frame in it will be read again (a second call does nothing).</summary>
    public void Return()
    {
        var pooled = Interlocked.Exchange(ref _pooled, null);
        if (pooled is not null)
            PinnedArrays.Return(pooled);
    }
}

/// <summary>
/// A few pinned arrays of each power-of-two size from 256 bytes to <see cref="FrameWriter.PooledSize"/>, kept for the
/// serialized collectives' frames (see <see cref="FrameStorage"/>).
/// </summary>
internal static class PinnedArrays
{
    private const int SmallestShift = 8, LargestShift = 26, KeptPerSize = 4;
    private static readonly Stack<byte[]>[] Kept =
        Enumerable.Range(0, LargestShift - SmallestShift + 1).Select(_ => new Stack<byte[]>()).ToArray();

    /// <summary>A pinned array of at least <paramref name="length"/> bytes; pooled says whether it is to be returned.</summary>
    public static byte[] Rent(int length, out bool pooled)
    {
        int shift = length <= 1 << SmallestShift ? SmallestShift : 64 - BitOperations.LeadingZeroCount((ulong)length - 1);
        pooled = shift <= LargestShift;
        if (!pooled)
            return GC.AllocateUninitializedArray<byte>(length, pinned: true);
        var kept = Kept[shift - SmallestShift];
        lock (kept)
        {
            if (kept.Count > 0)
                return kept.Pop();
        }
        return GC.AllocateUninitializedArray<byte>(1 << shift, pinned: true);
    }

    public static void Return(byte[] array)
    {
        var kept = Kept[BitOperations.Log2((uint)array.Length) - SmallestShift];
        lock (kept)
        {
            if (kept.Count < KeptPerSize)
                kept.Push(array);
        }
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
