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

    static partial void LoadTopologies(Func<string, nint> resolve)
    {
        Cart_create = (delegate* unmanaged<nint, int, int*, int*, int, void*, int>)resolve("MPI_Cart_create");
        Dims_create = (delegate* unmanaged<int, int, int*, int>)resolve("MPI_Dims_create");
        Cartdim_get = (delegate* unmanaged<nint, int*, int>)resolve("MPI_Cartdim_get");
        Cart_get = (delegate* unmanaged<nint, int, int*, int*, int*, int>)resolve("MPI_Cart_get");
        Cart_rank = (delegate* unmanaged<nint, int*, int*, int>)resolve("MPI_Cart_rank");
        Cart_coords = (delegate* unmanaged<nint, int, int, int*, int>)resolve("MPI_Cart_coords");
        Cart_shift = (delegate* unmanaged<nint, int, int, int*, int*, int>)resolve("MPI_Cart_shift");
        Cart_sub = (delegate* unmanaged<nint, int*, void*, int>)resolve("MPI_Cart_sub");
        Cart_map = (delegate* unmanaged<nint, int, int*, int*, int*, int>)resolve("MPI_Cart_map");
        Graph_create = (delegate* unmanaged<nint, int, int*, int*, int, void*, int>)resolve("MPI_Graph_create");
        Graphdims_get = (delegate* unmanaged<nint, int*, int*, int>)resolve("MPI_Graphdims_get");
        Graph_get = (delegate* unmanaged<nint, int, int, int*, int*, int>)resolve("MPI_Graph_get");
        Graph_neighbors_count = (delegate* unmanaged<nint, int, int*, int>)resolve("MPI_Graph_neighbors_count");
        Graph_neighbors = (delegate* unmanaged<nint, int, int, int*, int>)resolve("MPI_Graph_neighbors");
        Graph_map = (delegate* unmanaged<nint, int, int*, int*, int*, int>)resolve("MPI_Graph_map");
    }
}
