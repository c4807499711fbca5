// Each function-pointer field below is one entry point: Mpi.Load resolves MPI_<field name> into it (Mpi.Binding.cs).
#pragma warning disable CS0649 // assigned by Mpi.Load, through the field's address (Mpi.Binding.cs)

namespace MPI.Native;

/// <summary>Collective operations, reduction operators and their nonblocking forms.</summary>
internal static unsafe partial class Mpi
{
    public static delegate* unmanaged<void*, int, nint, int, nint, int> Bcast;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, int> Gather;
    public static delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, int, nint, int> Gatherv;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> Allgather;
    public static delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int> Allgatherv;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, int> Scatter;
    public static delegate* unmanaged<void*, int*, int*, nint, void*, int, nint, int, nint, int> Scatterv;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> Alltoall;
    public static delegate* unmanaged<void*, int*, int*, nint, void*, int*, int*, nint, nint, int> Alltoallv;
    public static delegate* unmanaged<void*, void*, int, nint, nint, int, nint, int> Reduce;
    public static delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Allreduce;
    public static delegate* unmanaged<void*, void*, int*, nint, nint, nint, int> Reduce_scatter;
    public static delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Scan;
    public static delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Exscan;

    public static delegate* unmanaged<nint, void*, int> Ibarrier;
    public static delegate* unmanaged<void*, int, nint, int, nint, void*, int> Ibcast;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, void*, int> Igather;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, nint, void*, int> Iallgather;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, void*, int> Iscatter;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, nint, void*, int> Ialltoall;
    public static delegate* unmanaged<void*, void*, int, nint, nint, int, nint, void*, int> Ireduce;
    public static delegate* unmanaged<void*, void*, int, nint, nint, nint, void*, int> Iallreduce;
    public static delegate* unmanaged<void*, void*, int, nint, nint, nint, void*, int> Iscan;
    public static delegate* unmanaged<void*, void*, int, nint, nint, nint, void*, int> Iexscan;

    public static delegate* unmanaged<UserFunction, int, void*, int> Op_create;
    public static delegate* unmanaged<void*, int> Op_free;
    public static delegate* unmanaged<nint, void*, int> Type_dup;
}
