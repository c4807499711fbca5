namespace MPI;

/// <summary>A communicator within one group of processes: the home of collective operations.</summary>
public unsafe partial class Intracommunicator : Communicator
{
    internal Intracommunicator(nint handle, bool predefined) : base(handle, predefined) { }

    private protected override Communicator WrapDuplicate(nint handle) => new Intracommunicator(handle, predefined: false);

    /// <inheritdoc cref="Communicator.Split(int, int)"/>
    public new Intracommunicator Split(int color, int key) => (Intracommunicator)base.Split(color, key);

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
