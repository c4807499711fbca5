/* Prints, for the mpi.h it is compiled against, every value the framework's ABI tables hold (Framework/MPI/Native/
 * Consts), one "Key value" line each, keyed by the table's property path. AbiTableTests compiles it with each
 * mpicc and compares. Handles that are pointers (Open MPI) are printed as "@symbol": the exported global they are
 * the address of, which is how the framework resolves them. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void number(const char *key, long long value) { printf("%s %lld\n", key, value); }

static void handle(const char *key, const void *value, size_t size)
{
    if (size == sizeof(int)) {
        int integer;
        memcpy(&integer, value, sizeof integer);
        number(key, integer);
        return;
    }
    void *address;
    Dl_info info;
    memcpy(&address, value, sizeof address);
    if (dladdr(address, &info) && info.dli_sname != NULL && info.dli_saddr == address)
        printf("%s @%s\n", key, info.dli_sname);
    else
        printf("%s ?%p\n", key, address);
}

#define NUMBER(key, value) number(key, (long long)(value))
#define POINTER(key, value) number(key, (long long)(intptr_t)(value))
#define HANDLE(key, value)                      \
    do {                                        \
        __typeof__(value) copy_ = (value);      \
        handle(key, &copy_, sizeof copy_);      \
    } while (0)

int main(void)
{
    NUMBER("HandleSize", sizeof(MPI_Comm));
    NUMBER("StatusSize", sizeof(MPI_Status));
    NUMBER("StatusSourceOffset", offsetof(MPI_Status, MPI_SOURCE));
    NUMBER("StatusTagOffset", offsetof(MPI_Status, MPI_TAG));
    NUMBER("StatusErrorOffset", offsetof(MPI_Status, MPI_ERROR));

    NUMBER("AnySource", MPI_ANY_SOURCE);
    NUMBER("AnyTag", MPI_ANY_TAG);
    NUMBER("ProcNull", MPI_PROC_NULL);
    NUMBER("Root", MPI_ROOT);
    NUMBER("Undefined", MPI_UNDEFINED);
    NUMBER("ThreadSingle", MPI_THREAD_SINGLE);
    NUMBER("ThreadFunneled", MPI_THREAD_FUNNELED);
    NUMBER("ThreadSerialized", MPI_THREAD_SERIALIZED);
    NUMBER("ThreadMultiple", MPI_THREAD_MULTIPLE);
    NUMBER("Ident", MPI_IDENT);
    NUMBER("Congruent", MPI_CONGRUENT);
    NUMBER("Similar", MPI_SIMILAR);
    NUMBER("Unequal", MPI_UNEQUAL);

    NUMBER("MaxErrorString", MPI_MAX_ERROR_STRING);
    NUMBER("MaxProcessorName", MPI_MAX_PROCESSOR_NAME);
    NUMBER("MaxLibraryVersionString", MPI_MAX_LIBRARY_VERSION_STRING);

    NUMBER("KeyTagUpperBound", MPI_TAG_UB);
    NUMBER("KeyHost", MPI_HOST);
    NUMBER("KeyIO", MPI_IO);
    NUMBER("KeyWtimeIsGlobal", MPI_WTIME_IS_GLOBAL);

    POINTER("StatusIgnore", MPI_STATUS_IGNORE);
    POINTER("InPlace", MPI_IN_PLACE);

    NUMBER("Errors.Buffer", MPI_ERR_BUFFER);
    NUMBER("Errors.Count", MPI_ERR_COUNT);
    NUMBER("Errors.Type", MPI_ERR_TYPE);
    NUMBER("Errors.Tag", MPI_ERR_TAG);
    NUMBER("Errors.Comm", MPI_ERR_COMM);
    NUMBER("Errors.Rank", MPI_ERR_RANK);
    NUMBER("Errors.Request", MPI_ERR_REQUEST);
    NUMBER("Errors.Root", MPI_ERR_ROOT);
    NUMBER("Errors.Group", MPI_ERR_GROUP);
    NUMBER("Errors.Op", MPI_ERR_OP);
    NUMBER("Errors.Topology", MPI_ERR_TOPOLOGY);
    NUMBER("Errors.Dims", MPI_ERR_DIMS);
    NUMBER("Errors.Arg", MPI_ERR_ARG);
    NUMBER("Errors.Unknown", MPI_ERR_UNKNOWN);
    NUMBER("Errors.Truncate", MPI_ERR_TRUNCATE);
    NUMBER("Errors.Other", MPI_ERR_OTHER);
    NUMBER("Errors.Intern", MPI_ERR_INTERN);
    NUMBER("Errors.InStatus", MPI_ERR_IN_STATUS);
    NUMBER("Errors.Pending", MPI_ERR_PENDING);

    HANDLE("CommWorld", MPI_COMM_WORLD);
    HANDLE("CommSelf", MPI_COMM_SELF);
    HANDLE("CommNull", MPI_COMM_NULL);
    HANDLE("RequestNull", MPI_REQUEST_NULL);
    HANDLE("MessageNull", MPI_MESSAGE_NULL);
    HANDLE("MessageNoProc", MPI_MESSAGE_NO_PROC);
    HANDLE("ErrorsReturn", MPI_ERRORS_RETURN);
    HANDLE("ErrorsAreFatal", MPI_ERRORS_ARE_FATAL);
    HANDLE("DatatypeNull", MPI_DATATYPE_NULL);
    HANDLE("InfoNull", MPI_INFO_NULL);
    HANDLE("GroupNull", MPI_GROUP_NULL);
    HANDLE("GroupEmpty", MPI_GROUP_EMPTY);

    HANDLE("Datatypes.Byte", MPI_BYTE);
    HANDLE("Datatypes.Int8", MPI_INT8_T);
    HANDLE("Datatypes.UInt8", MPI_UINT8_T);
    HANDLE("Datatypes.Int16", MPI_INT16_T);
    HANDLE("Datatypes.UInt16", MPI_UINT16_T);
    HANDLE("Datatypes.Int32", MPI_INT32_T);
    HANDLE("Datatypes.UInt32", MPI_UINT32_T);
    HANDLE("Datatypes.Int64", MPI_INT64_T);
    HANDLE("Datatypes.UInt64", MPI_UINT64_T);
    HANDLE("Datatypes.Float", MPI_FLOAT);
    HANDLE("Datatypes.Double", MPI_DOUBLE);
    HANDLE("Datatypes.CBool", MPI_C_BOOL);
    HANDLE("Datatypes.Aint", MPI_AINT);

    HANDLE("Ops.Max", MPI_MAX);
    HANDLE("Ops.Min", MPI_MIN);
    HANDLE("Ops.Sum", MPI_SUM);
    HANDLE("Ops.Prod", MPI_PROD);
    HANDLE("Ops.LogicalAnd", MPI_LAND);
    HANDLE("Ops.BitwiseAnd", MPI_BAND);
    HANDLE("Ops.LogicalOr", MPI_LOR);
    HANDLE("Ops.BitwiseOr", MPI_BOR);
    HANDLE("Ops.LogicalXor", MPI_LXOR);
    HANDLE("Ops.BitwiseXor", MPI_BXOR);
    HANDLE("Ops.MinLoc", MPI_MINLOC);
    HANDLE("Ops.MaxLoc", MPI_MAXLOC);
    HANDLE("Ops.Replace", MPI_REPLACE);
    HANDLE("Ops.NoOp", MPI_NO_OP);

    HANDLE("OneSided.WinNull", MPI_WIN_NULL);
    NUMBER("OneSided.CommTypeShared", MPI_COMM_TYPE_SHARED);
    NUMBER("OneSided.LockExclusive", MPI_LOCK_EXCLUSIVE);
    NUMBER("OneSided.LockShared", MPI_LOCK_SHARED);
    NUMBER("OneSided.ModeNoCheck", MPI_MODE_NOCHECK);
    NUMBER("OneSided.ModeNoStore", MPI_MODE_NOSTORE);
    NUMBER("OneSided.ModeNoPut", MPI_MODE_NOPUT);
    NUMBER("OneSided.ModeNoPrecede", MPI_MODE_NOPRECEDE);
    NUMBER("OneSided.ModeNoSucceed", MPI_MODE_NOSUCCEED);
    NUMBER("OneSided.KeyWinBase", MPI_WIN_BASE);
    NUMBER("OneSided.KeyWinSize", MPI_WIN_SIZE);
    NUMBER("OneSided.KeyWinDispUnit", MPI_WIN_DISP_UNIT);
    NUMBER("OneSided.KeyWinCreateFlavor", MPI_WIN_CREATE_FLAVOR);
    NUMBER("OneSided.KeyWinModel", MPI_WIN_MODEL);
    NUMBER("OneSided.FlavorCreate", MPI_WIN_FLAVOR_CREATE);
    NUMBER("OneSided.FlavorAllocate", MPI_WIN_FLAVOR_ALLOCATE);
    NUMBER("OneSided.FlavorDynamic", MPI_WIN_FLAVOR_DYNAMIC);
    NUMBER("OneSided.FlavorShared", MPI_WIN_FLAVOR_SHARED);
    NUMBER("OneSided.ModelSeparate", MPI_WIN_SEPARATE);
    NUMBER("OneSided.ModelUnified", MPI_WIN_UNIFIED);
    NUMBER("OneSided.Errors.Win", MPI_ERR_WIN);
    NUMBER("OneSided.Errors.Base", MPI_ERR_BASE);
    NUMBER("OneSided.Errors.Size", MPI_ERR_SIZE);
    NUMBER("OneSided.Errors.Disp", MPI_ERR_DISP);
    NUMBER("OneSided.Errors.LockType", MPI_ERR_LOCKTYPE);
    NUMBER("OneSided.Errors.Assert", MPI_ERR_ASSERT);
    NUMBER("OneSided.Errors.RmaConflict", MPI_ERR_RMA_CONFLICT);
    NUMBER("OneSided.Errors.RmaSync", MPI_ERR_RMA_SYNC);
    NUMBER("OneSided.Errors.RmaRange", MPI_ERR_RMA_RANGE);
    NUMBER("OneSided.Errors.RmaAttach", MPI_ERR_RMA_ATTACH);
    NUMBER("OneSided.Errors.RmaShared", MPI_ERR_RMA_SHARED);
    NUMBER("OneSided.Errors.RmaFlavor", MPI_ERR_RMA_FLAVOR);
    return 0;
}
