using System.Runtime.InteropServices;

namespace MPI;

/// <summary>
/// One anonymous private mapping, a whole number of 2 MiB huge pages long and starting on a 2 MiB boundary, that
/// the kernel is asked to back with transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>, as numpy does for large
/// arrays). The libraries' shared-memory copies of a large message then take one TLB entry per 2 MiB instead of 512,
/// which doubled a 4 MiB ping-pong's bandwidth here. Pages are touched once at creation, so page faults and the
/// kernel's zeroing are paid then and never while a message is in flight; <see cref="LargeBufferPool"/> reuses blocks.
/// </summary>
internal sealed unsafe partial class HugePageBlock
{
    /// <summary>The size of a transparent huge page on x86-64 and the usual arm64 kernels.</summary>
    internal const int HugePageSize = 2 << 20;

    private const int ProtectRead = 1, ProtectWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, AdviseHugePage = 14;
    private const string EnabledSetting = "/sys/kernel/mm/transparent_hugepage/enabled";

    private HugePageBlock(byte* pointer, nuint capacity, bool hugePages)
    {
        Pointer = pointer;
        Capacity = capacity;
        HugePages = hugePages;
    }

    /// <summary>The first byte, on a 2 MiB boundary; null once freed.</summary>
    internal byte* Pointer { get; private set; }

    /// <summary>Bytes mapped: a multiple of <see cref="HugePageSize"/>.</summary>
    internal nuint Capacity { get; }

    /// <summary>Whether the kernel was asked for huge pages and accepted (false: ordinary 4 KiB pages).</summary>
    internal bool HugePages { get; }

    /// <summary>
    /// Why huge pages are not used on this machine (transparent huge pages off, or not in the kernel), or null when
    /// they are. Read once per process.
    /// </summary>
    internal static string? UnavailableReason => LazyUnavailableReason.Value;

    private static readonly Lazy<string?> LazyUnavailableReason = new(ReadUnavailableReason);

    /// <summary>Maps at least <paramref name="bytes"/> bytes (rounded up to whole huge pages) and touches every page.</summary>
    /// <exception cref="InsufficientMemoryException">mmap refused the mapping (errno named).</exception>
    internal static HugePageBlock Create(nuint bytes)
    {
        nuint capacity = (bytes + HugePageSize - 1) / HugePageSize * HugePageSize;
        // mmap only promises page alignment: map one huge page more, then give back the unaligned head and the tail.
        nuint mapped = capacity + HugePageSize;
        var address = Map(null, mapped, ProtectRead | ProtectWrite, MapPrivate | MapAnonymous, -1, 0);
        if (address == (void*)-1)
            throw new InsufficientMemoryException(
                $"mmap of {mapped} bytes for a large buffer failed (errno {Marshal.GetLastPInvokeError()}).");
        var start = (byte*)address;
        var aligned = (byte*)(((nuint)start + HugePageSize - 1) / HugePageSize * HugePageSize);
        nuint head = (nuint)(aligned - start), tail = mapped - head - capacity;
        if (head > 0)
            Unmap(start, head);
        if (tail > 0)
            Unmap(aligned + capacity, tail);
        // The advice must come before the first touch: a page faulted in as 4 KiB stays so until khugepaged merges it.
        bool hugePages = UnavailableReason is null && Advise(aligned, capacity, AdviseHugePage) == 0;
        // One write per base page: with huge pages the first write of each 2 MiB faults in the whole huge page.
        nuint basePage = (nuint)System.Environment.SystemPageSize;
        for (nuint offset = 0; offset < capacity; offset += basePage)
            aligned[offset] = 0;
        return new HugePageBlock(aligned, capacity, hugePages);
    }

    /// <summary>Unmaps the block; a second call does nothing.</summary>
    internal void Free()
    {
        if (Pointer == null)
            return;
        Unmap(Pointer, Capacity);
        Pointer = null;
    }

    private static string? ReadUnavailableReason()
    {
        if (!OperatingSystem.IsLinux())
            return "transparent huge pages are a Linux feature";
        string setting;
        try
        {
            setting = File.ReadAllText(EnabledSetting).Trim();
        }
        catch (IOException exception)
        {
            return $"{EnabledSetting} cannot be read ({exception.Message}): the kernel has no transparent huge pages";
        }
        catch (UnauthorizedAccessException exception)
        {
            return $"{EnabledSetting} cannot be read ({exception.Message})";
        }
        // The kernel marks the active mode with brackets: "always [madvise] never".
        return setting.Contains("[never]", StringComparison.Ordinal)
            ? $"transparent huge pages are switched off ({EnabledSetting}: {setting})"
            : null;
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Map(void* address, nuint length, int protection, int flags, int descriptor, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Unmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Advise(void* address, nuint length, int advice);
}
