using System.Runtime.CompilerServices;

namespace MPI.Native;

/// <summary>
/// An opaque MPI_Status large and aligned enough for every ABI (MPICH 20 bytes, Open MPI 24, standard 32).
/// Fields are read at the loaded ABI's offsets; counts are always asked of MPI.
/// </summary>
[InlineArray(4)]
internal struct StatusBuffer
{
    private long _element;

    public readonly int Source => Read(Mpi.Abi.StatusSourceOffset);
    public readonly int Tag => Read(Mpi.Abi.StatusTagOffset);
    public readonly int Error => Read(Mpi.Abi.StatusErrorOffset);

    /// <summary>Whether MPI wrote the same status into both (every byte: fields, count and cancellation alike).</summary>
    public readonly bool SameAs(in StatusBuffer other) =>
        this[0] == other[0] && this[1] == other[1] && this[2] == other[2] && this[3] == other[3];

    private readonly int Read(int offset) =>
        Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref Unsafe.As<long, byte>(ref Unsafe.AsRef(in this[0])), offset));
}
