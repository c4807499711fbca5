namespace MPI.Native;

/// <summary>
/// A communicator handle taken over by the framework: read at the ABI's width and set to MPI_ERRORS_RETURN, so its
/// failures come back as return codes (and become exceptions) instead of aborting the job. Every communicator object
/// is built from one, and <see cref="Adopt(nint)"/> is the only way to make one: no communicator can miss the error
/// handler. <c>default</c> stands for no communicator (MPI_COMM_NULL: this rank is not part of the new one).
/// </summary>
internal readonly unsafe struct CommHandle
{
    private CommHandle(nint value) => Value = value;

    /// <summary>The native handle; 0 when there is no communicator.</summary>
    public nint Value { get; }

    /// <summary>Adopts the handle MPI wrote at <paramref name="location"/> (the output argument of the call that made it).</summary>
    public static CommHandle Adopt(void* location) => Adopt(Mpi.ReadHandle(location));

    /// <summary>Adopts <paramref name="handle"/>; MPI_COMM_NULL gives the empty value.</summary>
    public static CommHandle Adopt(nint handle)
    {
        if (handle == Mpi.Abi.CommNull)
            return default;
        Mpi.Check(Mpi.Comm_set_errhandler(handle, Mpi.Abi.ErrorsReturn));
        return new CommHandle(handle);
    }
}
