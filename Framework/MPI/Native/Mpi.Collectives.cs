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

    public static delegate* unmanaged<void*, int, void*, int> Op_create;
    public static delegate* unmanaged<void*, int> Op_free;
    public static delegate* unmanaged<nint, void*, int> Type_dup;

    static partial void LoadCollectives(Func<string, nint> resolve)
    {
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)resolve("MPI_Bcast");
        Gather = (delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, int>)resolve("MPI_Gather");
        Gatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, int, nint, int>)resolve("MPI_Gatherv");
        Allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)resolve("MPI_Allgather");
        Allgatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int>)resolve("MPI_Allgatherv");
        Scatter = (delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, int>)resolve("MPI_Scatter");
        Scatterv = (delegate* unmanaged<void*, int*, int*, nint, void*, int, nint, int, nint, int>)resolve("MPI_Scatterv");
        Alltoall = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)resolve("MPI_Alltoall");
        Alltoallv = (delegate* unmanaged<void*, int*, int*, nint, void*, int*, int*, nint, nint, int>)resolve("MPI_Alltoallv");
        Reduce = (delegate* unmanaged<void*, void*, int, nint, nint, int, nint, int>)resolve("MPI_Reduce");
        Allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)resolve("MPI_Allreduce");
        Reduce_scatter = (delegate* unmanaged<void*, void*, int*, nint, nint, nint, int>)resolve("MPI_Reduce_scatter");
        Scan = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)resolve("MPI_Scan");
        Exscan = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)resolve("MPI_Exscan");

        Ibarrier = (delegate* unmanaged<nint, void*, int>)resolve("MPI_Ibarrier");
        Ibcast = (delegate* unmanaged<void*, int, nint, int, nint, void*, int>)resolve("MPI_Ibcast");
        Igather = (delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, void*, int>)resolve("MPI_Igather");
        Iallgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, void*, int>)resolve("MPI_Iallgather");
        Iscatter = (delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, void*, int>)resolve("MPI_Iscatter");
        Ialltoall = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, void*, int>)resolve("MPI_Ialltoall");
        Ireduce = (delegate* unmanaged<void*, void*, int, nint, nint, int, nint, void*, int>)resolve("MPI_Ireduce");
        Iallreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, void*, int>)resolve("MPI_Iallreduce");
        Iscan = (delegate* unmanaged<void*, void*, int, nint, nint, nint, void*, int>)resolve("MPI_Iscan");
        Iexscan = (delegate* unmanaged<void*, void*, int, nint, nint, nint, void*, int>)resolve("MPI_Iexscan");

        Op_create = (delegate* unmanaged<void*, int, void*, int>)resolve("MPI_Op_create");
        Op_free = (delegate* unmanaged<void*, int>)resolve("MPI_Op_free");
        Type_dup = (delegate* unmanaged<nint, void*, int>)resolve("MPI_Type_dup");
    }
}
