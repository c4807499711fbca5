// Each function-pointer field below is one entry point: Mpi.Load resolves MPI_<field name> into it (Mpi.Binding.cs).
#pragma warning disable CS0649 // assigned by Mpi.Load, through the field's address (Mpi.Binding.cs)

namespace MPI.Native;

/// <summary>Process groups and communicators built from them.</summary>
internal static unsafe partial class Mpi
{
    public static delegate* unmanaged<nint, void*, int> Comm_group;
    public static delegate* unmanaged<nint, void*, int> Comm_remote_group;
    public static delegate* unmanaged<nint, nint, void*, int> Comm_create;
    public static delegate* unmanaged<nint, nint, int, void*, int> Comm_create_group;
    public static delegate* unmanaged<nint, int*, int> Group_size;
    public static delegate* unmanaged<nint, int*, int> Group_rank;
    public static GroupSetOperation Group_union;
    public static GroupSetOperation Group_intersection;
    public static GroupSetOperation Group_difference;
    public static GroupSelection Group_incl;
    public static GroupSelection Group_excl;
    public static delegate* unmanaged<nint, int, int*, nint, int*, int> Group_translate_ranks;
    public static delegate* unmanaged<nint, nint, int*, int> Group_compare;
    public static delegate* unmanaged<void*, int> Group_free;
}
