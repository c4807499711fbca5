using System.Diagnostics.CodeAnalysis;
using System.Reflection;

// Each function-pointer field below is one entry point: Mpi.Load resolves MPI_<field name> into it (Mpi.Binding.cs).
#pragma warning disable CS0649 // assigned by Mpi.Load, through the field's address (Mpi.Binding.cs)

namespace MPI.Native;

/// <summary>
/// The raw MPI C API as function pointers resolved from the loaded library, plus the ABI table. The only place
/// that calls native MPI. An entry point is added by declaring its field (the C name without <c>MPI_</c>, the
/// signature as the field's type) in the file of its chapter and its line in Mpi.Binding.cs; <see cref="Load"/>
/// resolves it.
/// </summary>
/// <remarks>
/// Handles cross the call boundary as <see cref="nint"/> on every ABI. Where the library takes a 32-bit handle
/// (MPICH) this is still exact: the x86-64 System V and AArch64 calling conventions pass an <c>int</c> argument in
/// the low half of a 64-bit register or stack slot and leave the upper half unspecified, so the callee reads only
/// the low 32 bits. Handles returned through pointers are different: <see cref="ReadHandle"/> and
/// <see cref="WriteHandle"/> use the ABI's width.
/// </remarks>
internal static unsafe partial class Mpi
{
    private static AbiTable? _abi;

    // The throw lives in its own method so that this getter inlines: special ranks, the status sentinel and status
    // fields read it on the message path.
    public static AbiTable Abi => _abi ?? NotLoaded();

    public static bool IsLoaded => _abi is not null;

    [DoesNotReturn]
    private static AbiTable NotLoaded() => throw new InvalidOperationException(
        "MPI is not initialized: create an MPI.Environment (or call MPI.Environment.Run) first.");

    /// <summary>
    /// Throws what <see cref="Abi"/> throws when no library is loaded: every function pointer is null until then, and
    /// calling one would crash the process instead of raising an exception.
    /// </summary>
    public static void RequireLoaded() => _ = Abi;
    public static string LibraryName { get; private set; } = "";

    public static delegate* unmanaged<int*, byte***, int, int*, int> Init_thread;
    public static delegate* unmanaged<int*, int> Initialized;
    public static delegate* unmanaged<int*, int> Finalized;
    public static delegate* unmanaged<int> Finalize;
    public static delegate* unmanaged<nint, int, int> Abort;
    public static delegate* unmanaged<int*, int> Query_thread;
    public static delegate* unmanaged<int*, int> Is_thread_main;
    public static delegate* unmanaged<byte*, int*, int> Get_processor_name;
    public static delegate* unmanaged<byte*, int*, int> Get_library_version;
    public static delegate* unmanaged<int*, int*, int> Get_version;
    public static delegate* unmanaged<double> Wtime;
    public static delegate* unmanaged<double> Wtick;
    public static delegate* unmanaged<int, int*, int> Error_class;
    public static delegate* unmanaged<int, byte*, int*, int> Error_string;

    public static delegate* unmanaged<nint, int*, int> Comm_rank;
    public static delegate* unmanaged<nint, int*, int> Comm_size;
    public static delegate* unmanaged<nint, nint, int*, int> Comm_compare;
    public static delegate* unmanaged<nint, nint, int> Comm_set_errhandler;
    public static delegate* unmanaged<nint, int, void*, int*, int> Comm_get_attr;
    public static delegate* unmanaged<nint, void*, int> Comm_dup;
    public static delegate* unmanaged<nint, int, int, void*, int> Comm_split;
    public static delegate* unmanaged<void*, int> Comm_free;
    public static delegate* unmanaged<nint, int> Barrier;

    public static delegate* unmanaged<void*, int, nint, int, int, nint, int> Send;
    public static delegate* unmanaged<void*, int, nint, int, int, nint, void*, int> Recv;
    public static delegate* unmanaged<void*, int, nint, int, int, nint, void*, int> Isend;
    public static delegate* unmanaged<void*, void*, int> Wait;
    public static delegate* unmanaged<void*, int*, void*, int> Test;
    public static delegate* unmanaged<void*, int> Cancel;
    public static delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, void*, int> Sendrecv;
    public static delegate* unmanaged<int, int, nint, void*, int> Probe;
    public static delegate* unmanaged<int, int, nint, int*, void*, int> Iprobe;
    public static delegate* unmanaged<int, int, nint, void*, void*, int> Mprobe;
    public static delegate* unmanaged<void*, int, nint, void*, void*, int> Mrecv;
    public static delegate* unmanaged<void*, nint, int*, int> Get_count;
    public static delegate* unmanaged<void*, int*, int> Test_cancelled;

    public static delegate* unmanaged<int, nint, void*, int> Type_contiguous;
    public static delegate* unmanaged<void*, int> Type_commit;
    public static delegate* unmanaged<nint, int*, int> Type_size;
    public static delegate* unmanaged<void*, int> Type_free;

    private static readonly Lock LoadLock = new();

    /// <summary>Opens the library (once per process) and resolves every entry point and constant.</summary>
    public static void Load()
    {
        lock (LoadLock)
        {
            if (_abi is not null)
                return;
            LibrarySettings.BeforeLoad();
            var (library, name) = LibraryLocator.Open();
            var kind = LibraryLocator.DetectAbi(library);
            BindEntryPoints(library, name);

            LibraryName = name;
            _abi = kind switch
            {
                MpiAbiKind.OpenMpi => Consts.OpenMpiAbi.Create(library),
                MpiAbiKind.Mpich => Consts.MpichAbi.Create(),
                _ => Consts.StandardAbi.Create(),
            };
        }
    }

    /// <summary>The entry points this layer declares: the function-pointer fields of <see cref="Mpi"/> (for the tests that check <see cref="BindEntryPoints"/> and the libraries' exports).</summary>
    internal static IEnumerable<FieldInfo> EntryPoints =>
        typeof(Mpi).GetFields(BindingFlags.Public | BindingFlags.Static).Where(entry => entry.FieldType.IsFunctionPointer);

    /// <summary>The exported symbol an entry-point field stands for.</summary>
    internal static string SymbolOf(FieldInfo entryPoint) => "MPI_" + entryPoint.Name;

    /// <summary>Reads a handle that MPI wrote through a pointer, at the ABI's width.</summary>
    public static nint ReadHandle(void* location) => Abi.HandleSize == 4 ? *(int*)location : *(nint*)location;

    /// <summary>Writes a handle where MPI will read it through a pointer, at the ABI's width.</summary>
    public static void WriteHandle(void* location, nint handle)
    {
        if (Abi.HandleSize == 4)
            *(int*)location = (int)handle;
        else
            *(nint*)location = handle;
    }

    /// <summary>
    /// Frees an MPI object (communicator, group...) through <paramref name="free"/>, unless MPI is no longer
    /// running: objects a program never disposed must not touch MPI after finalize.
    /// </summary>
    public static void FreeWhileActive(nint handle, delegate* unmanaged<void*, int> free)
    {
        if (!Environment.Initialized || Environment.Finalized)
            return;
        long location = 0;
        WriteHandle(&location, handle);
        Check(free(&location));
    }

    /// <summary>Throws the exception that matches an MPI return code; does nothing on MPI_SUCCESS.</summary>
    public static void Check(int code)
    {
        if (code != 0)
            throw ErrorTranslation.ToException(code);
    }

    public static string ErrorString(int code)
    {
        var buffer = stackalloc byte[Abi.MaxErrorString + 1];
        int length = 0;
        return Error_string(code, buffer, &length) == 0
            ? System.Text.Encoding.UTF8.GetString(buffer, length).Trim()
            : $"MPI error code {code}";
    }

    public static int ErrorClass(int code)
    {
        int errorClass = code;
        return Error_class(code, &errorClass) == 0 ? errorClass : code;
    }
}
