namespace MPI.Native.Consts;

/// <summary>
/// The MPI 5.0 standard ABI, version 1.0 (<c>libmpi_abi.so</c>): pointer-sized handles whose predefined values
/// are small integers fixed by the standard's <c>mpi.h</c>.
/// </summary>
internal static class StandardAbi
{
    public static AbiTable Create() => new()
    {
        Kind = MpiAbiKind.Standard,
        HandleSize = 8,
        StatusSize = 32, StatusSourceOffset = 0, StatusTagOffset = 4, StatusErrorOffset = 8,
        AnySource = -1, AnyTag = -2, ProcNull = -3, Root = -4, Undefined = -32766,
        ThreadSingle = 0, ThreadFunneled = 1024, ThreadSerialized = 2048, ThreadMultiple = 4096,
        Ident = 201, Congruent = 202, Similar = 203, Unequal = 204,
        MaxErrorString = 512, MaxProcessorName = 256, MaxLibraryVersionString = 8192,
        // MPI_HOST was removed from the standard; 503 is the slot it would take and no library answers it.
        KeyTagUpperBound = 501, KeyHost = 503, KeyIO = 502, KeyWtimeIsGlobal = 504,
        StatusIgnore = 0, InPlace = 1,
        Errors = new ErrorClasses(Buffer: 1, Count: 2, Type: 3, Tag: 4, Comm: 5, Rank: 6, Request: 7, Root: 8,
            Group: 9, Op: 10, Topology: 11, Dims: 12, Arg: 13, Unknown: 14, Truncate: 15, Other: 16, Intern: 17,
            InStatus: 19, Pending: 18),
        CommWorld = 0x101, CommSelf = 0x102, CommNull = 0x100,
        RequestNull = 0x180, MessageNull = 0x128, MessageNoProc = 0x129,
        ErrorsReturn = 0x143, ErrorsAreFatal = 0x141,
        DatatypeNull = 0x200, InfoNull = 0x130, GroupNull = 0x108, GroupEmpty = 0x109,
        Datatypes = new PredefinedDatatypes(
            Byte: 0x247, Int8: 0x240, UInt8: 0x241, Int16: 0x248, UInt16: 0x249, Int32: 0x250, UInt32: 0x251,
            Int64: 0x258, UInt64: 0x259, Float: 0x210, Double: 0x214, CBool: 0x238, Aint: 0x201),
        Ops = new PredefinedOps(
            Max: 0x23, Min: 0x22, Sum: 0x21, Prod: 0x24, LogicalAnd: 0x30, BitwiseAnd: 0x28, LogicalOr: 0x31,
            BitwiseOr: 0x29, LogicalXor: 0x32, BitwiseXor: 0x2a, MinLoc: 0x38, MaxLoc: 0x39, Replace: 0x3c,
            NoOp: 0x3d),
        OneSided = new OneSidedConstants(
            WinNull: 0x110, CommTypeShared: 221, LockExclusive: 301, LockShared: 302,
            ModeNoCheck: 1024, ModeNoStore: 8192, ModeNoPut: 4096, ModeNoPrecede: 2048, ModeNoSucceed: 16384,
            KeyWinBase: 601, KeyWinSize: 603, KeyWinDispUnit: 602, KeyWinCreateFlavor: 604, KeyWinModel: 605,
            FlavorCreate: 311, FlavorAllocate: 312, FlavorDynamic: 313, FlavorShared: 314,
            ModelSeparate: 322, ModelUnified: 321,
            Errors: new OneSidedErrorClasses(Win: 56, Base: 24, Size: 52, Disp: 26, LockType: 37, Assert: 22,
                RmaConflict: 47, RmaSync: 50, RmaRange: 48, RmaAttach: 46, RmaShared: 49, RmaFlavor: 57)),
    };
}
