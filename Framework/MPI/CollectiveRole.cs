namespace MPI;

/// <summary>
/// How this rank takes part in one collective call, as its communicator's kind decides (as mpi4py's
/// <c>for_gather</c> and <c>for_reduce</c> decide which buffers are significant): the collective cores in
/// <c>CollectiveCores.cs</c> serve intra- and intercommunicators alike from it.
/// <list type="bullet">
/// <item>On an intracommunicator every rank is a peer of the root and the root is one of its own peers.</item>
/// <item>On an intercommunicator the root (<see cref="Intercommunicator.Root"/>) exchanges with the remote group,
/// the other ranks of its group (<see cref="Intercommunicator.Null"/>) take no part, and the remote group's ranks
/// are the root's peers.</item>
/// </list>
/// </summary>
internal readonly struct CollectiveRole
{
    private CollectiveRole(int nativeRoot, bool isRoot, bool isPeer, int peers, bool remote)
    {
        NativeRoot = nativeRoot;
        IsRoot = isRoot;
        IsPeer = isPeer;
        Peers = peers;
        Remote = remote;
    }

    /// <summary>The root argument MPI gets: a rank, or the loaded library's MPI_ROOT or MPI_PROC_NULL.</summary>
    public int NativeRoot { get; }

    /// <summary>This rank is the root: it receives a gather's or reduction's result, it sends a broadcast or scatter.</summary>
    public bool IsRoot { get; }

    /// <summary>This rank is one of the root's peers: it sends to a gather or reduction, it receives a broadcast or scatter.</summary>
    public bool IsPeer { get; }

    /// <summary>
    /// How many ranks the data comes from (or goes to): the root's peers in a rooted collective (known at the root
    /// only), the ranks every rank receives from in the others.
    /// </summary>
    public int Peers { get; }

    /// <summary>Whether the peers are the remote group of an intercommunicator.</summary>
    public bool Remote { get; }

    /// <summary>What error messages call the number of peers: the property that tells it.</summary>
    public string PeersName => Remote ? "RemoteSize" : "Size";

    /// <summary>What error messages call one of the peers.</summary>
    public string PeerNoun => Remote ? "remote rank" : "rank";

    /// <summary>A rooted collective on an intracommunicator of <paramref name="size"/> ranks.</summary>
    public static CollectiveRole Within(int root, int rank, int size) => new(root, rank == root, true, size, false);

    /// <summary>
    /// A rooted collective on an intercommunicator, for a rank that passed <paramref name="root"/>
    /// (<see cref="Ranks.Root"/>, <see cref="Ranks.ProcNull"/> or a remote rank); <paramref name="remoteSize"/>
    /// matters at the root only.
    /// </summary>
    public static CollectiveRole Between(int root, int nativeRoot, int remoteSize) => root switch
    {
        Ranks.Root => new(nativeRoot, true, false, remoteSize, true),
        Ranks.ProcNull => new(nativeRoot, false, false, 0, true),
        _ => new(nativeRoot, false, true, 0, true),
    };

    /// <summary>A collective without a root, every rank receiving from <paramref name="peers"/> ranks.</summary>
    public static CollectiveRole All(int peers, bool remote) => new(0, false, true, peers, remote);
}
