namespace MPI.Native;

/// <summary>Process groups and communicators built from them.</summary>
internal static unsafe partial class Mpi
{
    public static delegate* unmanaged<nint, void*, int> Comm_group;
    public static delegate* unmanaged<nint, void*, int> Comm_remote_group;
    public static delegate* unmanaged<nint, nint, void*, int> Comm_create;
    public static delegate* unmanaged<nint, int*, int> Group_size;
    public static delegate* unmanaged<nint, int*, int> Group_rank;
    public static delegate* unmanaged<nint, nint, void*, int> Group_union;
    public static delegate* unmanaged<nint, nint, void*, int> Group_intersection;
    public static delegate* unmanaged<nint, nint, void*, int> Group_difference;
    public static delegate* unmanaged<nint, int, int*, void*, int> Group_incl;
    public static delegate* unmanaged<nint, int, int*, void*, int> Group_excl;
    public static delegate* unmanaged<nint, int, int*, nint, int*, int> Group_translate_ranks;
    public static delegate* unmanaged<nint, nint, int*, int> Group_compare;
    public static delegate* unmanaged<void*, int> Group_free;

    static partial void LoadGroups(Func<string, nint> resolve)
    {
        Comm_group = (delegate* unmanaged<nint, void*, int>)resolve("MPI_Comm_group");
        Comm_remote_group = (delegate* unmanaged<nint, void*, int>)resolve("MPI_Comm_remote_group");
        Comm_create = (delegate* unmanaged<nint, nint, void*, int>)resolve("MPI_Comm_create");
        Group_size = (delegate* unmanaged<nint, int*, int>)resolve("MPI_Group_size");
        Group_rank = (delegate* unmanaged<nint, int*, int>)resolve("MPI_Group_rank");
        Group_union = (delegate* unmanaged<nint, nint, void*, int>)resolve("MPI_Group_union");
        Group_intersection = (delegate* unmanaged<nint, nint, void*, int>)resolve("MPI_Group_intersection");
        Group_difference = (delegate* unmanaged<nint, nint, void*, int>)resolve("MPI_Group_difference");
        Group_incl = (delegate* unmanaged<nint, int, int*, void*, int>)resolve("MPI_Group_incl");
        Group_excl = (delegate* unmanaged<nint, int, int*, void*, int>)resolve("MPI_Group_excl");
        Group_translate_ranks = (delegate* unmanaged<nint, int, int*, nint, int*, int>)resolve("MPI_Group_translate_ranks");
        Group_compare = (delegate* unmanaged<nint, nint, int*, int>)resolve("MPI_Group_compare");
        Group_free = (delegate* unmanaged<void*, int>)resolve("MPI_Group_free");
    }
}
