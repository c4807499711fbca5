using System.Runtime.InteropServices;
using System.Text;

namespace MPI.Native;

/// <summary>
/// Parameters the framework sets for the MPI library (and the transports under it) before MPI_Init, where the user has
/// not set them: they are read from the process environment, which has to be changed natively, as .NET keeps its own
/// copy.
/// </summary>
internal static unsafe class LibrarySettings
{
    // Debian's openmpi-mca-params.conf has "osc = ^ucx,pt2pt", which leaves osc/sm and osc/rdma. Neither can make a
    // window over existing memory (MPI_Win_create) for a single process, so a one-rank job (or a window over a
    // one-rank communicator) fails. Allowing pt2pt back as the last choice mends that; sm and rdma are still
    // preferred wherever they accept the window.
    private const string OneSidedComponents = "sm,rdma,pt2pt";

    /// <summary>
    /// Sets the defaults that must be in place before the library is loaded (UCX reads its own as it loads, under
    /// either MPI); a value the user set is left alone.
    /// </summary>
    public static void BeforeLoad()
    {
        // UCX (MPICH's transport here) installs handlers for SIGSEGV, SIGBUS, SIGILL and SIGFPE that end the process:
        // the runtime raises NullReferenceException and others through SIGSEGV, so any such exception, even one caught
        // at once (PowerShell catches its own), killed the rank with "Caught signal 11". The runtime's own handlers
        // report real faults as before.
        SetDefault("UCX_ERROR_SIGNALS", "");
        // As it loads, UCX rewrites the first instructions of libc's mmap, munmap, mremap, madvise, brk, sbrk, shmat
        // and shmdt in place, to learn of memory changes for its registration cache; a thread inside one of them at
        // that moment runs half-written code and the rank dies of SIGSEGV. The runtime's threads (the GC, the JIT,
        // and a PowerShell runspace opening alongside) call them all the time. Without memory events UCX keeps no
        // registration cache, which only network cards that register memory (InfiniBand) would miss.
        SetDefault("UCX_MEM_EVENTS", "no");
    }

    /// <summary>Sets the defaults for a library of <paramref name="kind"/>, before MPI_Init; a value the user set is left alone.</summary>
    public static void BeforeInit(MpiAbiKind kind)
    {
        if (kind == MpiAbiKind.OpenMpi)
            SetDefault("OMPI_MCA_osc", OneSidedComponents);
    }

    private static void SetDefault(string name, string value)
    {
        if (System.Environment.GetEnvironmentVariable(name) is null)
            _ = SetEnvironment(name, value, overwrite: 0);
    }

    // Bound by hand rather than by [LibraryImport]: under Native AOT, resolving a P/Invoke by library name sets up the
    // reflection runtime and probes several file names ("libc" is libc.so, a linker script, among them), about a
    // millisecond of every rank's start-up, before MPI_Init.
    private static int SetEnvironment(string name, string value, int overwrite)
    {
        var setenv = (delegate* unmanaged<byte*, byte*, int, int>)NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "setenv");
        fixed (byte* utf8Name = Encoding.UTF8.GetBytes(name + "\0"))
        fixed (byte* utf8Value = Encoding.UTF8.GetBytes(value + "\0"))
            return setenv(utf8Name, utf8Value, overwrite);
    }
}
