namespace MPI.Native.Consts;

/// <summary>MPICH and ABI-compatible libraries (<c>libmpich.so.12</c>): 32-bit integer handles.</summary>
internal static class MpichAbi
{
    // MPICH handles such as 0x8c000000 are negative as int; the (int) casts sign-extend them into nint.
    private static nint H(uint value) => unchecked((int)value);

    public static AbiTable Create() => new()
    {
        Kind = MpiAbiKind.Mpich,
        HandleSize = 4,
        StatusSize = 20, StatusSourceOffset = 8, StatusTagOffset = 12, StatusErrorOffset = 16,
        AnySource = -2, AnyTag = -1, ProcNull = -1, Root = -3, Undefined = -32766,
        ThreadSingle = 0, ThreadFunneled = 1, ThreadSerialized = 2, ThreadMultiple = 3,
        Ident = 0, Congruent = 1, Similar = 2, Unequal = 3,
        MaxErrorString = 512, MaxProcessorName = 128, MaxLibraryVersionString = 8192,
        KeyTagUpperBound = 0x64400001, KeyHost = 0x64400003, KeyIO = 0x64400005, KeyWtimeIsGlobal = 0x64400007,
        StatusIgnore = 1, InPlace = -1,
        Errors = new ErrorClasses(Buffer: 1, Count: 2, Type: 3, Tag: 4, Comm: 5, Rank: 6, Request: 19, Root: 7,
            Group: 8, Op: 9, Topology: 10, Dims: 11, Arg: 12, Unknown: 13, Truncate: 14, Other: 15, Intern: 16,
            InStatus: 17, Pending: 18),
        CommWorld = H(0x44000000), CommSelf = H(0x44000001), CommNull = H(0x04000000),
        RequestNull = H(0x2c000000), MessageNull = H(0x2c000000), MessageNoProc = H(0x6c000000),
        ErrorsReturn = H(0x54000001), ErrorsAreFatal = H(0x54000000),
        DatatypeNull = H(0x0c000000), InfoNull = H(0x1c000000),
        GroupNull = H(0x08000000), GroupEmpty = H(0x48000000),
        Datatypes = new PredefinedDatatypes(
            Byte: H(0x4c00010d), Int8: H(0x4c000137), UInt8: H(0x4c00013b), Int16: H(0x4c000238),
            UInt16: H(0x4c00023c), Int32: H(0x4c000439), UInt32: H(0x4c00043d), Int64: H(0x4c00083a),
            UInt64: H(0x4c00083e), Float: H(0x4c00040a), Double: H(0x4c00080b), CBool: H(0x4c00013f),
            Aint: H(0x4c000843)),
        Ops = new PredefinedOps(
            Max: H(0x58000001), Min: H(0x58000002), Sum: H(0x58000003), Prod: H(0x58000004),
            LogicalAnd: H(0x58000005), BitwiseAnd: H(0x58000006), LogicalOr: H(0x58000007),
            BitwiseOr: H(0x58000008), LogicalXor: H(0x58000009), BitwiseXor: H(0x5800000a),
            MinLoc: H(0x5800000b), MaxLoc: H(0x5800000c), Replace: H(0x5800000d), NoOp: H(0x5800000e)),
        OneSided = new OneSidedConstants(
            WinNull: H(0x20000000), CommTypeShared: 1, LockExclusive: 234, LockShared: 235,
            ModeNoCheck: 1024, ModeNoStore: 2048, ModeNoPut: 4096, ModeNoPrecede: 8192, ModeNoSucceed: 16384,
            KeyWinBase: 0x66000001, KeyWinSize: 0x66000003, KeyWinDispUnit: 0x66000005,
            KeyWinCreateFlavor: 0x66000007, KeyWinModel: 0x66000009,
            FlavorCreate: 1, FlavorAllocate: 2, FlavorDynamic: 3, FlavorShared: 4, ModelSeparate: 1, ModelUnified: 2,
            Errors: new OneSidedErrorClasses(Win: 45, Base: 46, Size: 51, Disp: 52, LockType: 47, Assert: 53,
                RmaConflict: 49, RmaSync: 50, RmaRange: 55, RmaAttach: 56, RmaShared: 57, RmaFlavor: 58)),
    };
}
