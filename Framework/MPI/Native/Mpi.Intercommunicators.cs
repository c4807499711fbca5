// Each function-pointer field below is one entry point: Mpi.Load resolves MPI_<field name> into it (Mpi.Binding.cs).
#pragma warning disable CS0649 // assigned by Mpi.Load, through the field's address (Mpi.Binding.cs)

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
}
