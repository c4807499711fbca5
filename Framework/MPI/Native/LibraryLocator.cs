using System.Runtime.InteropServices;
using System.Text;

namespace MPI.Native;

/// <summary>Which <c>mpiexec</c> started this process, read from the variables each launcher sets.</summary>
internal enum Launcher
{
    None,
    OpenMpi,
    Hydra,
}

/// <summary>
/// Finds and opens the native MPI library: the path in <see cref="LibraryVariable"/> wins; otherwise the library that
/// matches the launcher's environment; otherwise a probe order. Then tells which ABI the library speaks.
/// </summary>
internal static unsafe class LibraryLocator
{
    /// <summary>Environment variable naming the MPI library file to load, overriding every other choice.</summary>
    public const string LibraryVariable = "SPMD_MPI_LIBRARY";

    private static readonly string[] StandardNames = ["libmpi_abi.so.1", "libmpi_abi.so.0", "libmpi_abi.so"];
    private static readonly string[] OpenMpiNames = ["libmpi.so.40"];
    private static readonly string[] MpichNames = ["libmpich.so.12", "libmpi.so.12"];

    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    public static Launcher DetectLauncher(out string evidence)
    {
        string? Var(string name) => System.Environment.GetEnvironmentVariable(name);
        if (Var("OMPI_COMM_WORLD_SIZE") is { } ompiSize)
        {
            evidence = $"OMPI_COMM_WORLD_SIZE={ompiSize}";
            return Launcher.OpenMpi;
        }
        if (Var("PMI_SIZE") is { } pmiSize)
        {
            evidence = $"PMI_SIZE={pmiSize}";
            return Launcher.Hydra;
        }
        if (Var("PMIX_RANK") is { } pmixRank)
        {
            evidence = $"PMIX_RANK={pmixRank}";
            return Launcher.OpenMpi;
        }
        evidence = "no launcher variables";
        return Launcher.None;
    }

    /// <summary>The world size the launcher announced, or null when no launcher started this process.</summary>
    public static int? LauncherWorldSize()
    {
        foreach (var name in new[] { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE" })
        {
            if (int.TryParse(System.Environment.GetEnvironmentVariable(name), out int size))
                return size;
        }
        return null;
    }

    public static string LauncherDisplayName(Launcher launcher) => launcher switch
    {
        Launcher.OpenMpi => "Open MPI's mpiexec",
        Launcher.Hydra => "MPICH's mpiexec (Hydra)",
        _ => "no mpiexec",
    };

    public static (nint Handle, string Name) Open()
    {
        var explicitPath = System.Environment.GetEnvironmentVariable(LibraryVariable);
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            var handle = DlOpen(explicitPath, out var error);
            return handle != 0
                ? (handle, explicitPath)
                : throw new MpiLibraryException(
                    $"{LibraryVariable}={explicitPath} names an MPI library that could not be loaded: {error}");
        }

        var launcher = DetectLauncher(out var evidence);
        string[] candidates = launcher switch
        {
            Launcher.OpenMpi => [.. OpenMpiNames, .. StandardNames],
            Launcher.Hydra => [.. MpichNames, .. StandardNames],
            _ => [.. StandardNames, .. MpichNames, .. OpenMpiNames],
        };
        var failures = new List<string>();
        foreach (var name in candidates)
        {
            var handle = DlOpen(name, out var error);
            if (handle != 0)
                return (handle, name);
            failures.Add(error);
        }
        throw new MpiLibraryException(
            $"No MPI library found for {LauncherDisplayName(launcher)} ({evidence}). Tried {string.Join(", ", candidates)}. " +
            $"Install Open MPI (libopenmpi3) or MPICH (libmpich12), or set {LibraryVariable} to the library's path. " +
            $"Loader said: {string.Join("; ", failures.Distinct())}");
    }

    public static MpiAbiKind DetectAbi(nint library)
    {
        if (NativeLibrary.TryGetExport(library, "MPI_Abi_get_version", out var abiVersion))
        {
            int major = 0, minor = 0;
            if (((delegate* unmanaged<int*, int*, int>)abiVersion)(&major, &minor) == 0 && major >= 1)
                return MpiAbiKind.Standard;
        }
        return NativeLibrary.TryGetExport(library, "ompi_mpi_comm_world", out _) ? MpiAbiKind.OpenMpi : MpiAbiKind.Mpich;
    }

    // Open MPI's plugins resolve symbols of libmpi itself, so the library must be opened RTLD_GLOBAL, which
    // NativeLibrary.Load does not do; dlopen is called directly.
    private static nint DlOpen(string name, out string error)
    {
        var libc = NativeLibrary.Load("libc.so.6");
        var dlopen = (delegate* unmanaged<byte*, int, nint>)NativeLibrary.GetExport(libc, "dlopen");
        var dlerror = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(libc, "dlerror");
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = bytes)
        {
            var handle = dlopen(p, RtldNow | RtldGlobal);
            error = handle == 0 ? Marshal.PtrToStringUTF8((nint)dlerror()) ?? $"{name}: cannot open" : "";
            return handle;
        }
    }
}
