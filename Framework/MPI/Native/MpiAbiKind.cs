namespace MPI.Native;

/// <summary>The binary interface a loaded MPI library speaks. Everything above <c>Native/</c> is independent of it.</summary>
public enum MpiAbiKind
{
    /// <summary>MPICH and its ABI family: Intel MPI, MVAPICH, Cray MPICH (<c>libmpich.so.12</c>).</summary>
    Mpich,

    /// <summary>Open MPI 4 and 5 (<c>libmpi.so.40</c>).</summary>
    OpenMpi,

    /// <summary>The MPI 5.0 standard ABI (<c>libmpi_abi.so</c>).</summary>
    Standard,
}
