// Each function-pointer field below is one entry point: Mpi.Load resolves MPI_<field name> into it (Mpi.Binding.cs).
#pragma warning disable CS0649 // assigned by Mpi.Load, through the field's address (Mpi.Binding.cs)

namespace MPI.Native;

/// <summary>
/// One-sided communication (MPI-3 chapter 12): windows, remote memory access and their synchronization, plus the
/// shared-memory communicator split that shared windows are built on. <c>MPI_Aint</c> arguments are <see cref="nint"/>.
/// </summary>
internal static unsafe partial class Mpi
{
    // Window creation: (base or size, disp_unit, info, comm, [baseptr,] win).
    public static delegate* unmanaged<void*, nint, int, nint, nint, void*, int> Win_create;
    public static delegate* unmanaged<nint, int, nint, nint, void*, void*, int> Win_allocate;
    public static delegate* unmanaged<nint, int, nint, nint, void*, void*, int> Win_allocate_shared;
    public static delegate* unmanaged<nint, int, nint*, int*, void*, int> Win_shared_query;
    public static delegate* unmanaged<void*, int> Win_free;
    public static delegate* unmanaged<nint, nint, int> Win_set_errhandler;
    public static delegate* unmanaged<nint, int, void*, int*, int> Win_get_attr;
    public static delegate* unmanaged<nint, void*, int> Win_get_group;

    // Communication: (origin, origin_count, origin_type, [result, result_count, result_type,] target_rank,
    // target_disp, target_count, target_type, [op,] win).
    public static delegate* unmanaged<void*, int, nint, int, nint, int, nint, nint, int> Put;
    public static delegate* unmanaged<void*, int, nint, int, nint, int, nint, nint, int> Get;
    public static delegate* unmanaged<void*, int, nint, int, nint, int, nint, nint, nint, int> Accumulate;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, int, nint, nint, nint, int> Get_accumulate;
    // (origin, result, type, target_rank, target_disp, op, win)
    public static delegate* unmanaged<void*, void*, nint, int, nint, nint, nint, int> Fetch_and_op;
    // (origin, compare, result, type, target_rank, target_disp, win)
    public static delegate* unmanaged<void*, void*, void*, nint, int, nint, nint, int> Compare_and_swap;
    // Request-based forms (passive target epochs only): the arguments of Put/Get/Accumulate, then the request.
    public static delegate* unmanaged<void*, int, nint, int, nint, int, nint, nint, void*, int> Rput;
    public static delegate* unmanaged<void*, int, nint, int, nint, int, nint, nint, void*, int> Rget;
    public static delegate* unmanaged<void*, int, nint, int, nint, int, nint, nint, nint, void*, int> Raccumulate;

    // Synchronization.
    public static delegate* unmanaged<int, nint, int> Win_fence;
    public static delegate* unmanaged<int, int, int, nint, int> Win_lock;
    public static delegate* unmanaged<int, nint, int> Win_unlock;
    public static delegate* unmanaged<int, nint, int> Win_lock_all;
    public static delegate* unmanaged<nint, int> Win_unlock_all;
    public static delegate* unmanaged<int, nint, int> Win_flush;
    public static delegate* unmanaged<int, nint, int> Win_flush_local;
    public static delegate* unmanaged<nint, int> Win_flush_all;
    public static delegate* unmanaged<nint, int> Win_flush_local_all;
    public static delegate* unmanaged<nint, int> Win_sync;
    public static delegate* unmanaged<nint, int, nint, int> Win_post;
    public static delegate* unmanaged<nint, int, nint, int> Win_start;
    public static delegate* unmanaged<nint, int> Win_complete;
    public static delegate* unmanaged<nint, int> Win_wait;
    public static delegate* unmanaged<nint, int*, int> Win_test;

    // (comm, split_type, key, info, newcomm)
    public static delegate* unmanaged<nint, int, int, nint, void*, int> Comm_split_type;
}
