using System.Runtime.InteropServices;

namespace MPI.Native;

/// <summary>
/// The raw MPI C API as function pointers resolved from the loaded library, plus the ABI table. The only place
/// that calls native MPI.
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

    public static AbiTable Abi => _abi ?? throw new InvalidOperationException(
        "MPI is not initialized: create an MPI.Environment (or call MPI.Environment.Run) first.");

    public static bool IsLoaded => _abi is not null;
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
            var (library, name) = LibraryLocator.Open();
            var kind = LibraryLocator.DetectAbi(library);
            nint F(string symbol) => NativeLibrary.TryGetExport(library, symbol, out var address)
                ? address
                : throw new MpiLibraryException($"The MPI library {name} does not export {symbol}.");

            Init_thread = (delegate* unmanaged<int*, byte***, int, int*, int>)F("MPI_Init_thread");
            Initialized = (delegate* unmanaged<int*, int>)F("MPI_Initialized");
            Finalized = (delegate* unmanaged<int*, int>)F("MPI_Finalized");
            Finalize = (delegate* unmanaged<int>)F("MPI_Finalize");
            Abort = (delegate* unmanaged<nint, int, int>)F("MPI_Abort");
            Query_thread = (delegate* unmanaged<int*, int>)F("MPI_Query_thread");
            Is_thread_main = (delegate* unmanaged<int*, int>)F("MPI_Is_thread_main");
            Get_processor_name = (delegate* unmanaged<byte*, int*, int>)F("MPI_Get_processor_name");
            Get_library_version = (delegate* unmanaged<byte*, int*, int>)F("MPI_Get_library_version");
            Get_version = (delegate* unmanaged<int*, int*, int>)F("MPI_Get_version");
            Wtime = (delegate* unmanaged<double>)F("MPI_Wtime");
            Wtick = (delegate* unmanaged<double>)F("MPI_Wtick");
            Error_class = (delegate* unmanaged<int, int*, int>)F("MPI_Error_class");
            Error_string = (delegate* unmanaged<int, byte*, int*, int>)F("MPI_Error_string");

            Comm_rank = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_rank");
            Comm_size = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_size");
            Comm_compare = (delegate* unmanaged<nint, nint, int*, int>)F("MPI_Comm_compare");
            Comm_set_errhandler = (delegate* unmanaged<nint, nint, int>)F("MPI_Comm_set_errhandler");
            Comm_get_attr = (delegate* unmanaged<nint, int, void*, int*, int>)F("MPI_Comm_get_attr");
            Comm_dup = (delegate* unmanaged<nint, void*, int>)F("MPI_Comm_dup");
            Comm_split = (delegate* unmanaged<nint, int, int, void*, int>)F("MPI_Comm_split");
            Comm_free = (delegate* unmanaged<void*, int>)F("MPI_Comm_free");
            Barrier = (delegate* unmanaged<nint, int>)F("MPI_Barrier");

            Send = (delegate* unmanaged<void*, int, nint, int, int, nint, int>)F("MPI_Send");
            Recv = (delegate* unmanaged<void*, int, nint, int, int, nint, void*, int>)F("MPI_Recv");
            Isend = (delegate* unmanaged<void*, int, nint, int, int, nint, void*, int>)F("MPI_Isend");
            Wait = (delegate* unmanaged<void*, void*, int>)F("MPI_Wait");
            Test = (delegate* unmanaged<void*, int*, void*, int>)F("MPI_Test");
            Cancel = (delegate* unmanaged<void*, int>)F("MPI_Cancel");
            Sendrecv = (delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, void*, int>)F("MPI_Sendrecv");
            Probe = (delegate* unmanaged<int, int, nint, void*, int>)F("MPI_Probe");
            Iprobe = (delegate* unmanaged<int, int, nint, int*, void*, int>)F("MPI_Iprobe");
            Mprobe = (delegate* unmanaged<int, int, nint, void*, void*, int>)F("MPI_Mprobe");
            Mrecv = (delegate* unmanaged<void*, int, nint, void*, void*, int>)F("MPI_Mrecv");
            Get_count = (delegate* unmanaged<void*, nint, int*, int>)F("MPI_Get_count");
            Test_cancelled = (delegate* unmanaged<void*, int*, int>)F("MPI_Test_cancelled");

            Type_contiguous = (delegate* unmanaged<int, nint, void*, int>)F("MPI_Type_contiguous");
            Type_commit = (delegate* unmanaged<void*, int>)F("MPI_Type_commit");
            Type_size = (delegate* unmanaged<nint, int*, int>)F("MPI_Type_size");
            Type_free = (delegate* unmanaged<void*, int>)F("MPI_Type_free");

            // Each chapter of the API resolves its own entry points, in its own file (Mpi.<Chapter>.cs).
            LoadNonblocking(F);
            LoadCollectives(F);
            LoadGroups(F);
            LoadTopologies(F);
            LoadIntercommunicators(F);

            LibraryName = name;
            _abi = kind switch
            {
                MpiAbiKind.OpenMpi => Consts.OpenMpiAbi.Create(library),
                MpiAbiKind.Mpich => Consts.MpichAbi.Create(),
                _ => Consts.StandardAbi.Create(),
            };
        }
    }

    static partial void LoadNonblocking(Func<string, nint> resolve);
    static partial void LoadCollectives(Func<string, nint> resolve);
    static partial void LoadGroups(Func<string, nint> resolve);
    static partial void LoadTopologies(Func<string, nint> resolve);
    static partial void LoadIntercommunicators(Func<string, nint> resolve);

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
