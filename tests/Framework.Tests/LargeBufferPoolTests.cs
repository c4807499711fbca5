using System.Globalization;
using MPI;

namespace Framework.Tests;

/// <summary>
/// <see cref="LargeBufferPool"/> and <see cref="LargeBuffer{T}"/> in this test process (no MPI needed): alignment,
/// the kernel's own account of huge pages behind a buffer (<c>/proc/self/smaps</c>), reuse, retention, and the
/// errors of bad sizes and of use after return.
/// </summary>
[TestFixture]
public sealed class LargeBufferPoolTests
{
    private const int MiB = 1 << 20;

    [Test]
    public void RentedMemoryIsHugePageAlignedAndTheKernelBacksItWithHugePages()
    {
        using var pool = new LargeBufferPool();
        using var buffer = pool.Rent<double>(4 * MiB / sizeof(double));
        Assert.That(buffer.Length, Is.EqualTo(4 * MiB / sizeof(double)));
        Assert.That(buffer.ByteLength, Is.EqualTo(4 * MiB));
        Assert.That(buffer.GetSpan().Length, Is.EqualTo(buffer.Length));
        Assert.That(buffer.Memory.Length, Is.EqualTo(buffer.Length));
        Assert.That((long)buffer.Address % LargeBufferPool.BlockSize, Is.Zero, "2 MiB alignment");

        // This machine runs transparent huge pages in madvise mode: without the advice the kernel would give 4 KiB
        // pages and AnonHugePages would stay at 0 for the range.
        Assert.That(LargeBufferPool.HugePagesUnavailableReason, Is.Null);
        Assert.That(buffer.UsesHugePages, Is.True);
        Assert.That(AnonHugePagesKiB(buffer.Address), Is.GreaterThanOrEqualTo(4 * 1024),
            "the kernel's AnonHugePages for the buffer's mapping (pages are touched at creation)");
    }

    [Test]
    public void ReturnedMemoryIsReusedWithItsContentsAndRetainedUpToTheLimit()
    {
        using var pool = new LargeBufferPool();
        nint first;
        using (var buffer = pool.Rent<byte>(3 * MiB))
        {
            first = buffer.Address;
            Assert.That(buffer.GetSpan().ToArray().All(value => value == 0), "fresh memory is zero");
            buffer.GetSpan()[^1] = 42;
            Assert.That(pool.RetainedBytes, Is.Zero);
        }
        Assert.That(pool.RetainedBytes, Is.EqualTo(4 * MiB), "3 MiB rounds up to two huge pages");

        using (var again = pool.Rent<byte>(3 * MiB))
        {
            Assert.That(again.Address, Is.EqualTo(first), "the returned block is reused");
            Assert.That(again.GetSpan()[^1], Is.EqualTo(42), "reused memory is not cleared");
            Assert.That(pool.RetainedBytes, Is.Zero);
            // A block more than twice the size needed is kept for a large rent: a small one maps its own.
            using var small = pool.Rent<byte>(MiB);
            Assert.That(small.Address, Is.Not.EqualTo(first));
        }
        pool.Trim();
        Assert.That(pool.RetainedBytes, Is.Zero);
        Assert.That(AnonHugePagesKiB(first), Is.Null, "Trim unmaps the retained block");
    }

    [Test]
    public void MemoryReturnedBeyondTheLimitIsUnmapped()
    {
        using var pool = new LargeBufferPool(maximumRetainedBytes: 2 * MiB);
        var kept = pool.Rent<byte>(MiB);
        var dropped = pool.Rent<byte>(MiB);
        nint keptAddress = kept.Address, droppedAddress = dropped.Address;
        ((IDisposable)kept).Dispose();
        ((IDisposable)dropped).Dispose();
        Assert.That(pool.RetainedBytes, Is.EqualTo(2 * MiB));
        Assert.That(AnonHugePagesKiB(keptAddress), Is.Not.Null, "the first block is retained");
        Assert.That(AnonHugePagesKiB(droppedAddress), Is.Null, "the second is beyond the limit and unmapped");
    }

    [Test]
    public void BadSizesAndUseAfterReturnThrow()
    {
        using var pool = new LargeBufferPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent<byte>(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent<int>(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new LargeBufferPool(-1));

        var buffer = pool.Rent<int>(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Pin(11));
        ((IDisposable)buffer).Dispose();
        Assert.That(buffer.IsDisposed);
        Assert.DoesNotThrow(() => ((IDisposable)buffer).Dispose(), "a second dispose does nothing");
        Assert.That(pool.RetainedBytes, Is.EqualTo(2 * MiB), "returned once, not twice");
        var error = Assert.Throws<ObjectDisposedException>(() => buffer.GetSpan());
        Assert.That(error!.Message, Does.Contain("returned to its pool"));
        Assert.Throws<ObjectDisposedException>(() => buffer.Pin());
        Assert.Throws<ObjectDisposedException>(() => _ = buffer.Memory.Span);
    }

    [Test]
    public void ADisposedPoolRefusesRentsAndUnmapsWhatIsReturnedLater()
    {
        var pool = new LargeBufferPool();
        var outstanding = pool.Rent<byte>(MiB);
        nint address = outstanding.Address;
        pool.Dispose();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Rent<byte>(MiB));
        outstanding.GetSpan()[0] = 1; // still usable until returned
        ((IDisposable)outstanding).Dispose();
        Assert.That(pool.RetainedBytes, Is.Zero);
        Assert.That(AnonHugePagesKiB(address), Is.Null);

        LargeBufferPool.Shared.Dispose(); // does nothing: the process's pool stays usable
        using var shared = LargeBufferPool.Shared.Rent<byte>(MiB);
        Assert.That(shared.GetSpan().Length, Is.EqualTo(MiB));
    }

    /// <summary>
    /// The kernel's AnonHugePages (KiB) of the mapping holding <paramref name="address"/> in /proc/self/smaps, or
    /// null when no mapping holds it.
    /// </summary>
    private static long? AnonHugePagesKiB(nint address)
    {
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && !fields[0].EndsWith(':'))
            {
                ulong start = ulong.Parse(fields[0][..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                ulong end = ulong.Parse(fields[0][(dash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                inside = (ulong)address >= start && (ulong)address < end;
            }
            else if (inside && fields[0] == "AnonHugePages:")
            {
                return long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }
        return null;
    }
}
