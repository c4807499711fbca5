using MPI.Native;

namespace MPI;

/// <summary>
/// A communicator within one group of processes: the home of collective operations (MPI.NET's array forms in
/// <c>Collectives.cs</c>, span forms in <c>SpanCollectives.cs</c>, nonblocking forms in
/// <c>NonblockingCollectives.cs</c>).
/// </summary>
public unsafe partial class Intracommunicator : Communicator
{
    internal Intracommunicator(CommHandle handle, bool predefined, bool adopted = false)
        : base(handle, predefined, adopted) { }

    private protected override Communicator WrapDuplicate(CommHandle handle) => new Intracommunicator(handle, predefined: false);

    /// <summary>
    /// Splits the communicator (MPI_Comm_split, collective): ranks that pass the same <paramref name="color"/> end up
    /// together, ordered by <paramref name="key"/> then by their rank here.
    /// </summary>
    /// <param name="color">Which new communicator this rank joins (not negative).</param>
    /// <param name="key">This rank's place among those of its colour.</param>
    /// <returns>The new intracommunicator of this rank's colour.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="color"/> is negative; the rank still takes part, as one that joins no new communicator, so the
    /// other ranks get theirs.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public new Intracommunicator Split(int color, int key) => (Intracommunicator)base.Split(color, key);

    /// <summary>
    /// Splits the communicator into the ranks that can share memory, one communicator per node
    /// (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED, collective). Ranks are ordered by <paramref name="key"/>, then
    /// by their rank here. The result is what <see cref="Window{T}.AllocateShared"/> needs.
    /// </summary>
    /// <param name="key">This rank's place among the ranks of its node.</param>
    /// <returns>This rank's node communicator, which the caller disposes.</returns>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public Intracommunicator SplitShared(int key = 0)
    {
        long handle = 0;
        Mpi.Check(Mpi.Comm_split_type(LiveHandle, Mpi.Abi.OneSided.CommTypeShared, key,
            Mpi.Abi.InfoNull, &handle));
        return new Intracommunicator(CommHandle.Adopt(&handle), predefined: false);
    }

    /// <summary>
    /// Starts <paramref name="maxprocs"/> new processes running <paramref name="command"/> with
    /// <paramref name="argv"/> (MPI_Comm_spawn, collective over this communicator; the arguments matter at
    /// <paramref name="root"/>). They reach back through <see cref="Communicator.Parent"/>.
    /// </summary>
    /// <param name="command">The program the new processes run.</param>
    /// <param name="argv">Its arguments (null for none).</param>
    /// <param name="maxprocs">How many processes to start.</param>
    /// <param name="root">The rank whose arguments count.</param>
    /// <returns>The intercommunicator whose remote group is the new processes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="command"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="command"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="maxprocs"/> is not positive, or <paramref name="root"/> is not a rank of this communicator.
    /// </exception>
    /// <exception cref="NotSupportedException">The loaded MPI library cannot start processes (MPICH's ch4:ucx).</exception>
    /// <exception cref="ObjectDisposedException">The communicator was disposed.</exception>
    /// <exception cref="MpiException">MPI could not start the processes.</exception>
    public Intercommunicator Spawn(string command, string[]? argv, int maxprocs, int root)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxprocs);
        ValidateRoot(root);
        return DynamicProcesses.Spawn(this, command, argv ?? [], maxprocs, root);
    }
}
