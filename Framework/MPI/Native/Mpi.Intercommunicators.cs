namespace MPI.Native;

/// <summary>Intercommunicators and dynamic processes.</summary>
internal static unsafe partial class Mpi
{
    public static delegate* unmanaged<nint, int, nint, int, int, void*, int> Intercomm_create;
    public static delegate* unmanaged<nint, int, void*, int> Intercomm_merge;
    public static delegate* unmanaged<nint, int*, int> Comm_remote_size;
    public static delegate* unmanaged<nint, int*, int> Comm_test_inter;
    public static delegate* unmanaged<void*, int> Comm_get_parent;
    public static delegate* unmanaged<byte*, byte**, int, nint, int, nint, void*, int*, int> Comm_spawn;

    static partial void LoadIntercommunicators(Func<string, nint> resolve)
    {
        Intercomm_create = (delegate* unmanaged<nint, int, nint, int, int, void*, int>)resolve("MPI_Intercomm_create");
        Intercomm_merge = (delegate* unmanaged<nint, int, void*, int>)resolve("MPI_Intercomm_merge");
        Comm_remote_size = (delegate* unmanaged<nint, int*, int>)resolve("MPI_Comm_remote_size");
        Comm_test_inter = (delegate* unmanaged<nint, int*, int>)resolve("MPI_Comm_test_inter");
        Comm_get_parent = (delegate* unmanaged<void*, int>)resolve("MPI_Comm_get_parent");
        Comm_spawn = (delegate* unmanaged<byte*, byte**, int, nint, int, nint, void*, int*, int>)resolve("MPI_Comm_spawn");
    }
}
