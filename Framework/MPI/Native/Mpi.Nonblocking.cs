namespace MPI.Native;

/// <summary>Nonblocking point-to-point entry points (MPI_Isend, MPI_Wait and MPI_Test live in Mpi.cs).</summary>
internal static unsafe partial class Mpi
{
    public static delegate* unmanaged<void*, int, nint, int, int, nint, void*, int> Irecv;
    public static delegate* unmanaged<int, int, nint, int*, void*, void*, int> Improbe;

    static partial void LoadNonblocking(Func<string, nint> resolve)
    {
        Irecv = (delegate* unmanaged<void*, int, nint, int, int, nint, void*, int>)resolve("MPI_Irecv");
        Improbe = (delegate* unmanaged<int, int, nint, int*, void*, void*, int>)resolve("MPI_Improbe");
    }
}
