using System.Runtime.CompilerServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// Special rank and tag values as this library's callers see them. They are fixed here (compiled into user
/// assemblies as constants) and translated to the loaded library's values at the call boundary, because Open MPI
/// and MPICH disagree on them.
/// </summary>
internal static class Ranks
{
    public const int AnySource = -1;
    public const int AnyTag = -1;
    public const int ProcNull = -2;
    public const int Root = -4;

    // Inlined on every message: ordinary ranks pass straight through.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ToNative(int rank) => rank >= 0 ? rank : SpecialToNative(rank);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TagToNative(int tag) => tag >= 0 ? tag : Mpi.Abi.AnyTag;

    private static int SpecialToNative(int rank) => rank switch
    {
        AnySource => Mpi.Abi.AnySource,
        ProcNull => Mpi.Abi.ProcNull,
        Root => Mpi.Abi.Root,
        _ => rank,
    };

    public static int FromNative(int rank)
    {
        if (rank >= 0)
            return rank;
        var abi = Mpi.Abi;
        if (rank == abi.ProcNull)
            return ProcNull;
        if (rank == abi.AnySource)
            return AnySource;
        return rank == abi.Root ? Root : rank;
    }

    public static int TagFromNative(int tag) => tag == Mpi.Abi.AnyTag ? AnyTag : tag;
}
