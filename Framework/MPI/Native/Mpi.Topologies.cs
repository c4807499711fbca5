// Each function-pointer field below is one entry point: Mpi.Load resolves MPI_<field name> into it (Mpi.Binding.cs).
#pragma warning disable CS0649 // assigned by Mpi.Load, through the field's address (Mpi.Binding.cs)

namespace MPI.Native;

/// <summary>Cartesian and graph process topologies.</summary>
internal static unsafe partial class Mpi
{
    public static delegate* unmanaged<nint, int, int*, int*, int, void*, int> Cart_create;
    public static delegate* unmanaged<int, int, int*, int> Dims_create;
    public static delegate* unmanaged<nint, int*, int> Cartdim_get;
    public static delegate* unmanaged<nint, int, int*, int*, int*, int> Cart_get;
    public static delegate* unmanaged<nint, int*, int*, int> Cart_rank;
    public static delegate* unmanaged<nint, int, int, int*, int> Cart_coords;
    public static delegate* unmanaged<nint, int, int, int*, int*, int> Cart_shift;
    public static delegate* unmanaged<nint, int*, void*, int> Cart_sub;
    public static delegate* unmanaged<nint, int, int*, int*, int*, int> Cart_map;
    public static delegate* unmanaged<nint, int, int*, int*, int, void*, int> Graph_create;
    public static delegate* unmanaged<nint, int*, int*, int> Graphdims_get;
    public static delegate* unmanaged<nint, int, int, int*, int*, int> Graph_get;
    public static delegate* unmanaged<nint, int, int*, int> Graph_neighbors_count;
    public static delegate* unmanaged<nint, int, int, int*, int> Graph_neighbors;
    public static delegate* unmanaged<nint, int, int*, int*, int*, int> Graph_map;
}
