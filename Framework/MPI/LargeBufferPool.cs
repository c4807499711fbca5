namespace MPI;

/// <summary>
/// Rents <see cref="LargeBuffer{T}"/>s: native memory in whole 2 MiB huge pages, 2 MiB-aligned and backed by
/// transparent huge pages where the kernel allows it, kept for reuse when a buffer is returned, so that the page
/// faults and the kernel's zeroing are paid once per block and not once per message. Meant for messages of about
/// 1 MiB and more (a smaller rent still takes a whole 2 MiB block). Thread-safe. Needs no MPI: it can be used before
/// MPI is initialized.
/// </summary>
/// <example>
/// <code>
/// using var buffer = LargeBufferPool.Shared.Rent&lt;double&gt;(512 * 1024); // 4 MiB
/// world.Broadcast(buffer.GetSpan(), 0);
/// </code>
/// </example>
public sealed class LargeBufferPool : IDisposable
{
    /// <summary>The default for <see cref="MaximumRetainedBytes"/>: 1 GiB.</summary>
    public const long DefaultMaximumRetainedBytes = 1L << 30;

    /// <summary>The granularity and alignment of the pool's memory: one transparent huge page, 2 MiB.</summary>
    public const int BlockSize = HugePageBlock.HugePageSize;

    // Free blocks, smallest first, so that a rent takes the smallest block that fits.
    private readonly List<HugePageBlock> _free = [];
    private long _retainedBytes;
    private bool _disposed;

    /// <summary>A pool with room for <paramref name="maximumRetainedBytes"/> bytes of returned buffers.</summary>
    /// <param name="maximumRetainedBytes">
    /// How many bytes of returned memory the pool keeps for reuse; memory returned beyond that is unmapped at once.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maximumRetainedBytes"/> is negative.</exception>
    public LargeBufferPool(long maximumRetainedBytes = DefaultMaximumRetainedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maximumRetainedBytes);
        MaximumRetainedBytes = maximumRetainedBytes;
    }

    /// <summary>The process's pool, keeping up to <see cref="DefaultMaximumRetainedBytes"/>; it cannot be disposed.</summary>
    public static LargeBufferPool Shared { get; } = new(DefaultMaximumRetainedBytes, shared: true);

    private LargeBufferPool(long maximumRetainedBytes, bool shared) : this(maximumRetainedBytes) => IsShared = shared;

    private bool IsShared { get; }

    /// <summary>
    /// Why rented memory will not have huge pages on this machine (transparent huge pages switched off in
    /// <c>/sys/kernel/mm/transparent_hugepage/enabled</c>, or absent), or null when it will. The buffers work
    /// either way, with ordinary pages as the fallback.
    /// </summary>
    public static string? HugePagesUnavailableReason => HugePageBlock.UnavailableReason;

    /// <summary>The most bytes of returned memory the pool keeps for reuse.</summary>
    public long MaximumRetainedBytes { get; }

    /// <summary>Bytes of returned memory the pool holds now, ready for the next rents.</summary>
    public long RetainedBytes
    {
        get { lock (_free) return _retainedBytes; }
    }

    /// <summary>
    /// Rents a buffer of <paramref name="length"/> elements (<paramref name="length"/> × <c>sizeof(T)</c> bytes),
    /// reusing a returned block of at most twice the needed size when there is one, otherwise mapping a new one.
    /// Dispose the buffer to return it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is zero or negative.</exception>
    /// <exception cref="ObjectDisposedException">The pool has been disposed.</exception>
    /// <exception cref="InsufficientMemoryException">The kernel refused the memory (mmap failed; the errno is named).</exception>
    public unsafe LargeBuffer<T> Rent<T>(int length) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        nuint bytes = (nuint)length * (nuint)sizeof(T);
        HugePageBlock? block = null;
        lock (_free)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int index = _free.FindIndex(candidate => candidate.Capacity >= bytes);
            // A much larger block would be wasted on this rent and is kept for a large one.
            if (index >= 0 && _free[index].Capacity / 2 <= bytes)
            {
                block = _free[index];
                _free.RemoveAt(index);
                _retainedBytes -= (long)block.Capacity;
            }
        }
        return new LargeBuffer<T>(this, block ?? HugePageBlock.Create(bytes), length);
    }

    /// <summary>Unmaps all retained memory (buffers still rented are not affected).</summary>
    public void Trim()
    {
        List<HugePageBlock> released;
        lock (_free)
        {
            released = [.. _free];
            _free.Clear();
            _retainedBytes = 0;
        }
        foreach (var block in released)
            block.Free();
    }

    /// <summary>
    /// Unmaps the retained memory; buffers still rented stay usable and are unmapped when returned. Further rents
    /// throw <see cref="ObjectDisposedException"/>. Does nothing for <see cref="Shared"/>; a second call does nothing.
    /// </summary>
    public void Dispose()
    {
        if (IsShared)
            return;
        lock (_free)
            _disposed = true;
        Trim();
    }

    internal void Return(HugePageBlock block)
    {
        lock (_free)
        {
            if (!_disposed && _retainedBytes + (long)block.Capacity <= MaximumRetainedBytes)
            {
                int index = _free.FindIndex(candidate => candidate.Capacity >= block.Capacity);
                _free.Insert(index < 0 ? _free.Count : index, block);
                _retainedBytes += (long)block.Capacity;
                return;
            }
        }
        block.Free();
    }
}
