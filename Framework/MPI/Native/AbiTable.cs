namespace MPI.Native;

/// <summary>
/// Everything that differs between MPI ABIs: integer constants, pointer sentinels, the status layout and the
/// predefined handles. One instance per process, built by one of the files under <c>Consts/</c>. Handles are
/// held as <see cref="nint"/> whatever their native width (MPICH's 32-bit handles are stored sign-extended).
/// </summary>
internal sealed class AbiTable
{
    public required MpiAbiKind Kind { get; init; }

    /// <summary>Width in bytes of MPI_Comm, MPI_Request, MPI_Datatype... (4 for MPICH, 8 otherwise).</summary>
    public required int HandleSize { get; init; }

    public required int StatusSize { get; init; }
    public required int StatusSourceOffset { get; init; }
    public required int StatusTagOffset { get; init; }
    public required int StatusErrorOffset { get; init; }

    public required int AnySource { get; init; }
    public required int AnyTag { get; init; }
    public required int ProcNull { get; init; }
    public required int Root { get; init; }
    public required int Undefined { get; init; }
    public required int ThreadSingle { get; init; }
    public required int ThreadFunneled { get; init; }
    public required int ThreadSerialized { get; init; }
    public required int ThreadMultiple { get; init; }
    public required int Ident { get; init; }
    public required int Congruent { get; init; }
    public required int Similar { get; init; }
    public required int Unequal { get; init; }

    public required int MaxErrorString { get; init; }
    public required int MaxProcessorName { get; init; }
    public required int MaxLibraryVersionString { get; init; }

    public required int KeyTagUpperBound { get; init; }
    public required int KeyHost { get; init; }
    public required int KeyIO { get; init; }
    public required int KeyWtimeIsGlobal { get; init; }

    public required nint StatusIgnore { get; init; }
    public required nint InPlace { get; init; }

    public required ErrorClasses Errors { get; init; }

    public required nint CommWorld { get; init; }
    public required nint CommSelf { get; init; }
    public required nint CommNull { get; init; }
    public required nint RequestNull { get; init; }
    public required nint MessageNull { get; init; }
    public required nint MessageNoProc { get; init; }
    public required nint ErrorsReturn { get; init; }

    /// <summary>MPI_ERRORS_ARE_FATAL, MPI's default handler, which the framework replaces on every communicator.</summary>
    public required nint ErrorsAreFatal { get; init; }

    public required nint DatatypeNull { get; init; }
    public required nint InfoNull { get; init; }
    public required nint GroupNull { get; init; }
    public required nint GroupEmpty { get; init; }

    public required PredefinedDatatypes Datatypes { get; init; }
    public required PredefinedOps Ops { get; init; }

    /// <summary>Windows, their synchronization and shared-memory splits: MPI-3 one-sided communication.</summary>
    public required OneSidedConstants OneSided { get; init; }
}

/// <summary>MPI error classes, whose numbers differ between ABIs (MPI_ERR_TRUNCATE is 14 on MPICH, 15 elsewhere).</summary>
internal sealed record ErrorClasses(
    int Buffer, int Count, int Type, int Tag, int Comm, int Rank, int Request, int Root, int Group, int Op,
    int Topology, int Dims, int Arg, int Unknown, int Truncate, int Other, int Intern, int InStatus, int Pending);

internal sealed record PredefinedDatatypes(
    nint Byte, nint Int8, nint UInt8, nint Int16, nint UInt16, nint Int32, nint UInt32, nint Int64, nint UInt64,
    nint Float, nint Double, nint CBool, nint Aint);

internal sealed record PredefinedOps(
    nint Max, nint Min, nint Sum, nint Prod, nint LogicalAnd, nint BitwiseAnd, nint LogicalOr, nint BitwiseOr,
    nint LogicalXor, nint BitwiseXor, nint MinLoc, nint MaxLoc, nint Replace, nint NoOp);

/// <summary>
/// Constants of one-sided communication (MPI-3 chapter 12) and of MPI_Comm_split_type. Lock types, assertion bits,
/// window attribute keys, flavors and memory models all differ between ABIs, as do the RMA error classes.
/// </summary>
internal sealed record OneSidedConstants(
    nint WinNull, int CommTypeShared, int LockExclusive, int LockShared,
    int ModeNoCheck, int ModeNoStore, int ModeNoPut, int ModeNoPrecede, int ModeNoSucceed,
    int KeyWinBase, int KeyWinSize, int KeyWinDispUnit, int KeyWinCreateFlavor, int KeyWinModel,
    int FlavorCreate, int FlavorAllocate, int FlavorDynamic, int FlavorShared, int ModelSeparate, int ModelUnified,
    OneSidedErrorClasses Errors);

/// <summary>The error classes MPI raises for windows and remote memory access.</summary>
internal sealed record OneSidedErrorClasses(
    int Win, int Base, int Size, int Disp, int LockType, int Assert, int RmaConflict, int RmaSync, int RmaRange,
    int RmaAttach, int RmaShared, int RmaFlavor);
