using System.Runtime.InteropServices;

namespace MPI.Native;

internal static unsafe partial class Mpi
{
    /// <summary>
    /// Resolves every entry point into its field: one line per function-pointer field of this class (across its
    /// Mpi.*.cs files), by the field's address, so its declaration stays the only place its signature is written.
    /// Reflection over the fields did the same at a cost of milliseconds per rank under Native AOT (its type loader
    /// builds a type for every signature); AbiTableTests checks that this list holds every field.
    /// </summary>
    /// <exception cref="MpiLibraryException">The library does not export one of the entry points (named).</exception>
    internal static void BindEntryPoints(nint library, string libraryName)
    {
        // Mpi.cs
        fixed (void* slot = &Init_thread) Bind(library, libraryName, nameof(Init_thread), slot);
        fixed (void* slot = &Initialized) Bind(library, libraryName, nameof(Initialized), slot);
        fixed (void* slot = &Finalized) Bind(library, libraryName, nameof(Finalized), slot);
        fixed (void* slot = &Finalize) Bind(library, libraryName, nameof(Finalize), slot);
        fixed (void* slot = &Abort) Bind(library, libraryName, nameof(Abort), slot);
        fixed (void* slot = &Query_thread) Bind(library, libraryName, nameof(Query_thread), slot);
        fixed (void* slot = &Is_thread_main) Bind(library, libraryName, nameof(Is_thread_main), slot);
        fixed (void* slot = &Get_processor_name) Bind(library, libraryName, nameof(Get_processor_name), slot);
        fixed (void* slot = &Get_library_version) Bind(library, libraryName, nameof(Get_library_version), slot);
        fixed (void* slot = &Get_version) Bind(library, libraryName, nameof(Get_version), slot);
        fixed (void* slot = &Wtime) Bind(library, libraryName, nameof(Wtime), slot);
        fixed (void* slot = &Wtick) Bind(library, libraryName, nameof(Wtick), slot);
        fixed (void* slot = &Error_class) Bind(library, libraryName, nameof(Error_class), slot);
        fixed (void* slot = &Error_string) Bind(library, libraryName, nameof(Error_string), slot);
        fixed (void* slot = &Comm_rank) Bind(library, libraryName, nameof(Comm_rank), slot);
        fixed (void* slot = &Comm_size) Bind(library, libraryName, nameof(Comm_size), slot);
        fixed (void* slot = &Comm_compare) Bind(library, libraryName, nameof(Comm_compare), slot);
        fixed (void* slot = &Comm_set_errhandler) Bind(library, libraryName, nameof(Comm_set_errhandler), slot);
        fixed (void* slot = &Comm_get_attr) Bind(library, libraryName, nameof(Comm_get_attr), slot);
        fixed (void* slot = &Comm_dup) Bind(library, libraryName, nameof(Comm_dup), slot);
        fixed (void* slot = &Comm_split) Bind(library, libraryName, nameof(Comm_split), slot);
        fixed (void* slot = &Comm_free) Bind(library, libraryName, nameof(Comm_free), slot);
        fixed (void* slot = &Barrier) Bind(library, libraryName, nameof(Barrier), slot);
        fixed (void* slot = &Send) Bind(library, libraryName, nameof(Send), slot);
        fixed (void* slot = &Recv) Bind(library, libraryName, nameof(Recv), slot);
        fixed (void* slot = &Isend) Bind(library, libraryName, nameof(Isend), slot);
        fixed (void* slot = &Wait) Bind(library, libraryName, nameof(Wait), slot);
        fixed (void* slot = &Test) Bind(library, libraryName, nameof(Test), slot);
        fixed (void* slot = &Cancel) Bind(library, libraryName, nameof(Cancel), slot);
        fixed (void* slot = &Sendrecv) Bind(library, libraryName, nameof(Sendrecv), slot);
        fixed (void* slot = &Probe) Bind(library, libraryName, nameof(Probe), slot);
        fixed (void* slot = &Iprobe) Bind(library, libraryName, nameof(Iprobe), slot);
        fixed (void* slot = &Mprobe) Bind(library, libraryName, nameof(Mprobe), slot);
        fixed (void* slot = &Mrecv) Bind(library, libraryName, nameof(Mrecv), slot);
        fixed (void* slot = &Get_count) Bind(library, libraryName, nameof(Get_count), slot);
        fixed (void* slot = &Test_cancelled) Bind(library, libraryName, nameof(Test_cancelled), slot);
        fixed (void* slot = &Type_contiguous) Bind(library, libraryName, nameof(Type_contiguous), slot);
        fixed (void* slot = &Type_commit) Bind(library, libraryName, nameof(Type_commit), slot);
        fixed (void* slot = &Type_size) Bind(library, libraryName, nameof(Type_size), slot);
        fixed (void* slot = &Type_free) Bind(library, libraryName, nameof(Type_free), slot);

        // Mpi.Collectives.cs
        fixed (void* slot = &Bcast) Bind(library, libraryName, nameof(Bcast), slot);
        fixed (void* slot = &Gather) Bind(library, libraryName, nameof(Gather), slot);
        fixed (void* slot = &Gatherv) Bind(library, libraryName, nameof(Gatherv), slot);
        fixed (void* slot = &Allgather) Bind(library, libraryName, nameof(Allgather), slot);
        fixed (void* slot = &Allgatherv) Bind(library, libraryName, nameof(Allgatherv), slot);
        fixed (void* slot = &Scatter) Bind(library, libraryName, nameof(Scatter), slot);
        fixed (void* slot = &Scatterv) Bind(library, libraryName, nameof(Scatterv), slot);
        fixed (void* slot = &Alltoall) Bind(library, libraryName, nameof(Alltoall), slot);
        fixed (void* slot = &Alltoallv) Bind(library, libraryName, nameof(Alltoallv), slot);
        fixed (void* slot = &Reduce) Bind(library, libraryName, nameof(Reduce), slot);
        fixed (void* slot = &Allreduce) Bind(library, libraryName, nameof(Allreduce), slot);
        fixed (void* slot = &Reduce_scatter) Bind(library, libraryName, nameof(Reduce_scatter), slot);
        fixed (void* slot = &Scan) Bind(library, libraryName, nameof(Scan), slot);
        fixed (void* slot = &Exscan) Bind(library, libraryName, nameof(Exscan), slot);
        fixed (void* slot = &Ibarrier) Bind(library, libraryName, nameof(Ibarrier), slot);
        fixed (void* slot = &Ibcast) Bind(library, libraryName, nameof(Ibcast), slot);
        fixed (void* slot = &Igather) Bind(library, libraryName, nameof(Igather), slot);
        fixed (void* slot = &Iallgather) Bind(library, libraryName, nameof(Iallgather), slot);
        fixed (void* slot = &Iscatter) Bind(library, libraryName, nameof(Iscatter), slot);
        fixed (void* slot = &Ialltoall) Bind(library, libraryName, nameof(Ialltoall), slot);
        fixed (void* slot = &Ireduce) Bind(library, libraryName, nameof(Ireduce), slot);
        fixed (void* slot = &Iallreduce) Bind(library, libraryName, nameof(Iallreduce), slot);
        fixed (void* slot = &Iscan) Bind(library, libraryName, nameof(Iscan), slot);
        fixed (void* slot = &Iexscan) Bind(library, libraryName, nameof(Iexscan), slot);
        fixed (void* slot = &Op_create) Bind(library, libraryName, nameof(Op_create), slot);
        fixed (void* slot = &Op_free) Bind(library, libraryName, nameof(Op_free), slot);
        fixed (void* slot = &Type_dup) Bind(library, libraryName, nameof(Type_dup), slot);

        // Mpi.Groups.cs
        fixed (void* slot = &Comm_group) Bind(library, libraryName, nameof(Comm_group), slot);
        fixed (void* slot = &Comm_remote_group) Bind(library, libraryName, nameof(Comm_remote_group), slot);
        fixed (void* slot = &Comm_create) Bind(library, libraryName, nameof(Comm_create), slot);
        fixed (void* slot = &Comm_create_group) Bind(library, libraryName, nameof(Comm_create_group), slot);
        fixed (void* slot = &Group_size) Bind(library, libraryName, nameof(Group_size), slot);
        fixed (void* slot = &Group_rank) Bind(library, libraryName, nameof(Group_rank), slot);
        fixed (void* slot = &Group_union) Bind(library, libraryName, nameof(Group_union), slot);
        fixed (void* slot = &Group_intersection) Bind(library, libraryName, nameof(Group_intersection), slot);
        fixed (void* slot = &Group_difference) Bind(library, libraryName, nameof(Group_difference), slot);
        fixed (void* slot = &Group_incl) Bind(library, libraryName, nameof(Group_incl), slot);
        fixed (void* slot = &Group_excl) Bind(library, libraryName, nameof(Group_excl), slot);
        fixed (void* slot = &Group_translate_ranks) Bind(library, libraryName, nameof(Group_translate_ranks), slot);
        fixed (void* slot = &Group_compare) Bind(library, libraryName, nameof(Group_compare), slot);
        fixed (void* slot = &Group_free) Bind(library, libraryName, nameof(Group_free), slot);

        // Mpi.Intercommunicators.cs
        fixed (void* slot = &Intercomm_create) Bind(library, libraryName, nameof(Intercomm_create), slot);
        fixed (void* slot = &Intercomm_merge) Bind(library, libraryName, nameof(Intercomm_merge), slot);
        fixed (void* slot = &Comm_remote_size) Bind(library, libraryName, nameof(Comm_remote_size), slot);
        fixed (void* slot = &Comm_test_inter) Bind(library, libraryName, nameof(Comm_test_inter), slot);
        fixed (void* slot = &Comm_get_parent) Bind(library, libraryName, nameof(Comm_get_parent), slot);
        fixed (void* slot = &Comm_spawn) Bind(library, libraryName, nameof(Comm_spawn), slot);

        // Mpi.Nonblocking.cs
        fixed (void* slot = &Irecv) Bind(library, libraryName, nameof(Irecv), slot);
        fixed (void* slot = &Improbe) Bind(library, libraryName, nameof(Improbe), slot);
        fixed (void* slot = &Imrecv) Bind(library, libraryName, nameof(Imrecv), slot);
        fixed (void* slot = &Status_set_cancelled) Bind(library, libraryName, nameof(Status_set_cancelled), slot);

        // Mpi.OneSided.cs
        fixed (void* slot = &Win_create) Bind(library, libraryName, nameof(Win_create), slot);
        fixed (void* slot = &Win_allocate) Bind(library, libraryName, nameof(Win_allocate), slot);
        fixed (void* slot = &Win_allocate_shared) Bind(library, libraryName, nameof(Win_allocate_shared), slot);
        fixed (void* slot = &Win_shared_query) Bind(library, libraryName, nameof(Win_shared_query), slot);
        fixed (void* slot = &Win_free) Bind(library, libraryName, nameof(Win_free), slot);
        fixed (void* slot = &Win_set_errhandler) Bind(library, libraryName, nameof(Win_set_errhandler), slot);
        fixed (void* slot = &Win_get_attr) Bind(library, libraryName, nameof(Win_get_attr), slot);
        fixed (void* slot = &Win_get_group) Bind(library, libraryName, nameof(Win_get_group), slot);
        fixed (void* slot = &Put) Bind(library, libraryName, nameof(Put), slot);
        fixed (void* slot = &Get) Bind(library, libraryName, nameof(Get), slot);
        fixed (void* slot = &Accumulate) Bind(library, libraryName, nameof(Accumulate), slot);
        fixed (void* slot = &Get_accumulate) Bind(library, libraryName, nameof(Get_accumulate), slot);
        fixed (void* slot = &Fetch_and_op) Bind(library, libraryName, nameof(Fetch_and_op), slot);
        fixed (void* slot = &Compare_and_swap) Bind(library, libraryName, nameof(Compare_and_swap), slot);
        fixed (void* slot = &Rput) Bind(library, libraryName, nameof(Rput), slot);
        fixed (void* slot = &Rget) Bind(library, libraryName, nameof(Rget), slot);
        fixed (void* slot = &Raccumulate) Bind(library, libraryName, nameof(Raccumulate), slot);
        fixed (void* slot = &Win_fence) Bind(library, libraryName, nameof(Win_fence), slot);
        fixed (void* slot = &Win_lock) Bind(library, libraryName, nameof(Win_lock), slot);
        fixed (void* slot = &Win_unlock) Bind(library, libraryName, nameof(Win_unlock), slot);
        fixed (void* slot = &Win_lock_all) Bind(library, libraryName, nameof(Win_lock_all), slot);
        fixed (void* slot = &Win_unlock_all) Bind(library, libraryName, nameof(Win_unlock_all), slot);
        fixed (void* slot = &Win_flush) Bind(library, libraryName, nameof(Win_flush), slot);
        fixed (void* slot = &Win_flush_local) Bind(library, libraryName, nameof(Win_flush_local), slot);
        fixed (void* slot = &Win_flush_all) Bind(library, libraryName, nameof(Win_flush_all), slot);
        fixed (void* slot = &Win_flush_local_all) Bind(library, libraryName, nameof(Win_flush_local_all), slot);
        fixed (void* slot = &Win_sync) Bind(library, libraryName, nameof(Win_sync), slot);
        fixed (void* slot = &Win_post) Bind(library, libraryName, nameof(Win_post), slot);
        fixed (void* slot = &Win_start) Bind(library, libraryName, nameof(Win_start), slot);
        fixed (void* slot = &Win_complete) Bind(library, libraryName, nameof(Win_complete), slot);
        fixed (void* slot = &Win_wait) Bind(library, libraryName, nameof(Win_wait), slot);
        fixed (void* slot = &Win_test) Bind(library, libraryName, nameof(Win_test), slot);
        fixed (void* slot = &Comm_split_type) Bind(library, libraryName, nameof(Comm_split_type), slot);

        // Mpi.Topologies.cs
        fixed (void* slot = &Cart_create) Bind(library, libraryName, nameof(Cart_create), slot);
        fixed (void* slot = &Dims_create) Bind(library, libraryName, nameof(Dims_create), slot);
        fixed (void* slot = &Cartdim_get) Bind(library, libraryName, nameof(Cartdim_get), slot);
        fixed (void* slot = &Cart_get) Bind(library, libraryName, nameof(Cart_get), slot);
        fixed (void* slot = &Cart_rank) Bind(library, libraryName, nameof(Cart_rank), slot);
        fixed (void* slot = &Cart_coords) Bind(library, libraryName, nameof(Cart_coords), slot);
        fixed (void* slot = &Cart_shift) Bind(library, libraryName, nameof(Cart_shift), slot);
        fixed (void* slot = &Cart_sub) Bind(library, libraryName, nameof(Cart_sub), slot);
        fixed (void* slot = &Cart_map) Bind(library, libraryName, nameof(Cart_map), slot);
        fixed (void* slot = &Graph_create) Bind(library, libraryName, nameof(Graph_create), slot);
        fixed (void* slot = &Graphdims_get) Bind(library, libraryName, nameof(Graphdims_get), slot);
        fixed (void* slot = &Graph_get) Bind(library, libraryName, nameof(Graph_get), slot);
        fixed (void* slot = &Graph_neighbors_count) Bind(library, libraryName, nameof(Graph_neighbors_count), slot);
        fixed (void* slot = &Graph_neighbors) Bind(library, libraryName, nameof(Graph_neighbors), slot);
        fixed (void* slot = &Graph_map) Bind(library, libraryName, nameof(Graph_map), slot);
    }

    private static void Bind(nint library, string libraryName, string field, void* slot)
    {
        var symbol = "MPI_" + field;
        if (!NativeLibrary.TryGetExport(library, symbol, out var address))
            throw new MpiLibraryException($"The MPI library {libraryName} does not export {symbol}.");
        *(nint*)slot = address;
    }
}
