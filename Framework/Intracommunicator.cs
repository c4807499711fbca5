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

    /// <summary>
    /// Starts <paramref name="maxprocs"/> new processes running <paramref name="command"/> with
    /// <paramref name="argv"/> (collective over this communicator; the arguments matter at
    /// <paramref name="root"/>). Returns the intercommunicator to them; they reach back through
    /// <see cref="Communicator.Parent"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The loaded MPI library cannot start processes (MPICH's ch4:ucx).</exception>
    public Intercommunicator Spawn(string command, string[]? argv, int maxprocs, int root)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxprocs);
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root,
                $"Root rank {root} is out of range: the communicator has {Size} ranks (0 to {Size - 1}).");
        return DynamicProcesses.Spawn(this, command, argv ?? [], maxprocs, root);
    }
}
