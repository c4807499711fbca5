namespace MPI;

/// <summary>
/// The serialized path of the collectives: each rank's contribution is serialized into one frame, the frames
/// travel with MPI's variable-count collectives (lengths first, then bytes), and reductions combine the
/// deserialized values on the receiving ranks in rank order, so non-commutative operations such as string
/// concatenation give the rank-ordered result.
/// </summary>
public unsafe partial class Intracommunicator
{

    private Frame BroadcastBytes(Frame? frame, int root) => BroadcastBytes(frame, root, receives: Rank != root)!;

    private Frame[]? GatherBytes(Frame frame, int root) => GatherBytes(frame, root, Rank == root ? Size : null);

    private Frame[] AllgatherBytes(Frame frame) => AllgatherBytes(frame, Size);
}
