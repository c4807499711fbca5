using MPI.Native;

namespace MPI;

/// <summary>A communicator within one group of processes: the home of collective operations.</summary>
public unsafe partial class Intracommunicator : Communicator
{
    internal Intracommunicator(nint handle, bool predefined) : base(handle, predefined) { }

    /// <summary>Waits until every rank of the communicator has called it.</summary>
    public void Barrier() => Mpi.Check(Mpi.Barrier(LiveHandle));

    /// <summary>A duplicate of this communicator, with the same ranks and a separate message space.</summary>
    public override object Clone() => new Intracommunicator(DuplicateHandle(LiveHandle), predefined: false);

    /// <summary>
    /// Splits the communicator: ranks that pass the same <paramref name="color"/> end up together, ordered by
    /// <paramref name="key"/> then by their rank here.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="color"/> is negative.</exception>
    public Intracommunicator Split(int color, int key)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(color);
        long handle = 0;
        Mpi.Check(Mpi.Comm_split(LiveHandle, color, key, &handle));
        var split = Mpi.ReadHandle(&handle);
        Mpi.Check(Mpi.Comm_set_errhandler(split, Mpi.Abi.ErrorsReturn));
        return new Intracommunicator(split, predefined: false);
    }
}
