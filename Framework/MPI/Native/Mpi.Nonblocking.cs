// Each function-pointer field below is one entry point: Mpi.Load resolves MPI_<field name> into it (Mpi.Binding.cs).
#pragma warning disable CS0649 // assigned by Mpi.Load, through the field's address (Mpi.Binding.cs)

namespace MPI.Native;

/// <summary>Nonblocking point-to-point entry points (MPI_Isend, MPI_Wait and MPI_Test live in Mpi.cs).</summary>
internal static unsafe partial class Mpi
{
    public static delegate* unmanaged<void*, int, nint, int, int, nint, void*, int> Irecv;
    public static delegate* unmanaged<int, int, nint, int*, void*, void*, int> Improbe;
    public static delegate* unmanaged<void*, int, nint, void*, void*, int> Imrecv;
    public static delegate* unmanaged<void*, int, int> Status_set_cancelled;
}
