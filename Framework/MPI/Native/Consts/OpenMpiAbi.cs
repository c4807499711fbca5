using System.Runtime.InteropServices;

namespace MPI.Native.Consts;

/// <summary>Open MPI 4.x/5.x (<c>libmpi.so.40</c>): predefined handles are the addresses of exported globals.</summary>
internal static class OpenMpiAbi
{
    public static AbiTable Create(nint library)
    {
        nint Symbol(string name) => NativeLibrary.GetExport(library, name);
        return new AbiTable
        {
            Kind = MpiAbiKind.OpenMpi,
            HandleSize = 8,
            StatusSize = 24, StatusSourceOffset = 0, StatusTagOffset = 4, StatusErrorOffset = 8,
            AnySource = -1, AnyTag = -1, ProcNull = -2, Root = -4, Undefined = -32766,
            ThreadSingle = 0, ThreadFunneled = 1, ThreadSerialized = 2, ThreadMultiple = 3,
            Ident = 0, Congruent = 1, Similar = 2, Unequal = 3,
            MaxErrorString = 256, MaxProcessorName = 256, MaxLibraryVersionString = 256,
            KeyTagUpperBound = 0, KeyHost = 1, KeyIO = 2, KeyWtimeIsGlobal = 3,
            StatusIgnore = 0, InPlace = 1,
            Errors = new ErrorClasses(Buffer: 1, Count: 2, Type: 3, Tag: 4, Comm: 5, Rank: 6, Request: 7, Root: 8,
                Group: 9, Op: 10, Topology: 11, Dims: 12, Arg: 13, Unknown: 14, Truncate: 15, Other: 16, Intern: 17,
                InStatus: 18, Pending: 19),
            CommWorld = Symbol("ompi_mpi_comm_world"),
            CommSelf = Symbol("ompi_mpi_comm_self"),
            CommNull = Symbol("ompi_mpi_comm_null"),
            RequestNull = Symbol("ompi_request_null"),
            MessageNull = Symbol("ompi_message_null"),
            MessageNoProc = Symbol("ompi_message_no_proc"),
            ErrorsReturn = Symbol("ompi_mpi_errors_return"),
            ErrorsAreFatal = Symbol("ompi_mpi_errors_are_fatal"),
            DatatypeNull = Symbol("ompi_mpi_datatype_null"),
            InfoNull = Symbol("ompi_mpi_info_null"),
            GroupNull = Symbol("ompi_mpi_group_null"),
            GroupEmpty = Symbol("ompi_mpi_group_empty"),
            Datatypes = new PredefinedDatatypes(
                Byte: Symbol("ompi_mpi_byte"), Int8: Symbol("ompi_mpi_int8_t"), UInt8: Symbol("ompi_mpi_uint8_t"),
                Int16: Symbol("ompi_mpi_int16_t"), UInt16: Symbol("ompi_mpi_uint16_t"),
                Int32: Symbol("ompi_mpi_int32_t"), UInt32: Symbol("ompi_mpi_uint32_t"),
                Int64: Symbol("ompi_mpi_int64_t"), UInt64: Symbol("ompi_mpi_uint64_t"),
                Float: Symbol("ompi_mpi_float"), Double: Symbol("ompi_mpi_double"), CBool: Symbol("ompi_mpi_c_bool"),
                Aint: Symbol("ompi_mpi_aint")),
            Ops = new PredefinedOps(
                Max: Symbol("ompi_mpi_op_max"), Min: Symbol("ompi_mpi_op_min"), Sum: Symbol("ompi_mpi_op_sum"),
                Prod: Symbol("ompi_mpi_op_prod"), LogicalAnd: Symbol("ompi_mpi_op_land"),
                BitwiseAnd: Symbol("ompi_mpi_op_band"), LogicalOr: Symbol("ompi_mpi_op_lor"),
                BitwiseOr: Symbol("ompi_mpi_op_bor"), LogicalXor: Symbol("ompi_mpi_op_lxor"),
                BitwiseXor: Symbol("ompi_mpi_op_bxor"), MinLoc: Symbol("ompi_mpi_op_minloc"),
                MaxLoc: Symbol("ompi_mpi_op_maxloc"), Replace: Symbol("ompi_mpi_op_replace"),
                NoOp: Symbol("ompi_mpi_op_no_op")),
            OneSided = new OneSidedConstants(
                WinNull: Symbol("ompi_mpi_win_null"), CommTypeShared: 0, LockExclusive: 1, LockShared: 2,
                ModeNoCheck: 1, ModeNoStore: 8, ModeNoPut: 4, ModeNoPrecede: 2, ModeNoSucceed: 16,
                // Attribute keys are positions in mpi.h's enum: TAG_UB, HOST, IO, WTIME_IS_GLOBAL, APPNUM,
                // LASTUSEDCODE, UNIVERSE_SIZE, then the window keys.
                KeyWinBase: 7, KeyWinSize: 8, KeyWinDispUnit: 9, KeyWinCreateFlavor: 10, KeyWinModel: 11,
                FlavorCreate: 1, FlavorAllocate: 2, FlavorDynamic: 3, FlavorShared: 4, ModelSeparate: 1, ModelUnified: 0,
                Errors: new OneSidedErrorClasses(Win: 53, Base: 24, Size: 49, Disp: 26, LockType: 37, Assert: 22,
                    RmaConflict: 46, RmaSync: 47, RmaRange: 68, RmaAttach: 69, RmaShared: 71, RmaFlavor: 70)),
        };
    }
}
