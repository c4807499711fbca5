using System.Buffers;

namespace MPI;

/// <summary>
/// A large communication buffer rented from a <see cref="LargeBufferPool"/>: <see cref="Length"/> elements in native
/// memory that starts on a 2 MiB boundary and is backed by transparent huge pages where the kernel allows it
/// (<see cref="UsesHugePages"/>). The MPI libraries' shared-memory copies of a message of 1 MiB or more run
/// about twice as fast from and to such memory as from ordinary 4 KiB pages. The memory never moves, so
/// nonblocking operations need no pinning; pass <see cref="GetSpan"/> or <see cref="MemoryManager{T}.Memory"/> to
/// the span overloads of Send, Receive, Broadcast, ImmediateSend, ImmediateReceive and the other collectives, which
/// use it in place without copying.
/// <para>
/// The contents of a newly rented buffer are not cleared: memory fresh from the kernel is zero, memory reused from the
/// pool holds what its previous renter left (as with <see cref="ArrayPool{T}"/>). <see cref="IDisposable.Dispose"/>
/// returns the memory to its pool; afterwards this object throws <see cref="ObjectDisposedException"/>, and no span
/// or memory taken from it may be used (the pool hands the memory to the next renter). A buffer never disposed keeps
/// its memory mapped until the process ends.
/// </para>
/// </summary>
/// <typeparam name="T">The element type: any unmanaged type.</typeparam>
public sealed unsafe class LargeBuffer<T> : MemoryManager<T> where T : unmanaged
{
    private readonly LargeBufferPool _pool;
    private HugePageBlock? _block;

    internal LargeBuffer(LargeBufferPool pool, HugePageBlock block, int length)
    {
        _pool = pool;
        _block = block;
        Length = length;
        UsesHugePages = block.HugePages;
    }

    /// <summary>The number of elements (not bytes).</summary>
    public int Length { get; }

    /// <summary>The size in bytes: <see cref="Length"/> × <c>sizeof(T)</c>.</summary>
    public long ByteLength => (long)Length * sizeof(T);

    /// <summary>
    /// Whether the kernel was asked to back this memory with transparent huge pages and accepted. False when
    /// <see cref="LargeBufferPool.HugePagesUnavailableReason"/> says why not (the memory then has ordinary pages and
    /// works the same, only slower for large messages).
    /// </summary>
    public bool UsesHugePages { get; }

    /// <summary>Whether the buffer has been returned to its pool.</summary>
    public bool IsDisposed => _block is null;

    /// <summary>The whole buffer, <see cref="Length"/> elements.</summary>
    /// <exception cref="ObjectDisposedException">The buffer has been returned to its pool.</exception>
    public override Span<T> GetSpan() => new(LiveBlock.Pointer, Length);

    /// <summary>The memory never moves: pinning only hands out the address of element <paramref name="elementIndex"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementIndex"/> is negative or above <see cref="Length"/>.</exception>
    /// <exception cref="ObjectDisposedException">The buffer has been returned to its pool.</exception>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)Length, nameof(elementIndex));
        return new MemoryHandle((T*)LiveBlock.Pointer + elementIndex);
    }

    /// <summary>Nothing to do: the memory never moves.</summary>
    public override void Unpin() { }

    /// <summary>The address of the first element, for tests that ask the kernel about the pages behind it.</summary>
    internal nint Address => (nint)LiveBlock.Pointer;

    /// <summary>Returns the memory to the pool; a second call does nothing.</summary>
    protected override void Dispose(bool disposing)
    {
        var block = Interlocked.Exchange(ref _block, null);
        if (block is not null)
            _pool.Return(block);
    }

    private HugePageBlock LiveBlock => _block ?? throw new ObjectDisposedException(
        nameof(LargeBuffer<T>), "The large buffer has been returned to its pool; rent another.");
}
