using System.Runtime.CompilerServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// A communicator between two disjoint groups. Point-to-point ranks address the remote group. In the rooted
/// collectives the data flows from one group to the other: in the root's group the root passes
/// <see cref="Root"/> and every other rank <see cref="Null"/>; in the other group every rank passes the root's
/// rank. The all-to-all forms exchange with the remote group: each rank receives the remote group's data.
/// </summary>
public sealed unsafe class Intercommunicator : Communicator
{
    /// <summary>The root argument of the rank that is the root of a rooted collective.</summary>
    public const int Root = Ranks.Root;

    /// <summary>The root argument of the other ranks of the root's group, which take no part.</summary>
    public const int Null = Ranks.ProcNull;

    /// <summary>
    /// Creates an intercommunicator between the group of <paramref name="localComm"/> and another group, whose
    /// leaders can reach each other through <paramref name="bridgeComm"/> (significant at the local leader only).
    /// </summary>
    public Intercommunicator(Intracommunicator localComm, int localLeader, Intracommunicator bridgeComm,
        int remoteLeader, int tag)
        : base(Create(localComm, localLeader, bridgeComm, remoteLeader, tag), predefined: false)
    {
    }

    internal Intercommunicator(CommHandle handle) : base(handle, predefined: false) { }

    /// <summary>The number of processes in the remote group.</summary>
    public int RemoteSize
    {
        get
        {
            int size = 0;
            Mpi.Check(Mpi.Comm_remote_size(LiveHandle, &size));
            return size;
        }
    }

    private protected override int PeerCount => RemoteSize;

    // A rank of an intercommunicator names a remote process: never this one.
    private protected override int SelfDestination => -1;

    /// <summary>
    /// Joins both groups into one intracommunicator; the group that passes <paramref name="upper"/> = true is
    /// ordered after the other.
    /// </summary>
    public Intracommunicator Merge(bool upper)
    {
        long handle = 0;
        Mpi.Check(Mpi.Intercomm_merge(LiveHandle, upper ? 1 : 0, &handle));
        return new Intracommunicator(CommHandle.Adopt(&handle), predefined: false);
    }

    private protected override Communicator WrapDuplicate(CommHandle handle) => new Intercommunicator(handle);

    /// <summary>The processes of the remote group.</summary>
    public Group RemoteGroup
    {
        get
        {
            long handle = 0;
            Mpi.Check(Mpi.Comm_remote_group(LiveHandle, &handle));
            return Group.FromHandleWrittenAt(&handle);
        }
    }

    // ---- Rooted: data flows from the root to the remote group, or from the remote group to the root ----

    /// <summary>Broadcasts the root's value to every rank of the remote group.</summary>
    public void Broadcast<T>(ref T value, int root)
    {
        var nativeRoot = NativeRoot(root);
        if (Wire<T>.Kind == WireKind.Raw)
        {
            fixed (byte* p = &Unsafe.As<T, byte>(ref value))
                Mpi.Check(Mpi.Bcast(p, 1, DatatypeOf<T>.Handle, nativeRoot, LiveHandle));
            return;
        }
        var frame = BroadcastBytes(root == Root ? Pack(value) : null, root);
        if (IsReceiver(root))
            value = Unpack<T>(frame!, root);
    }

    /// <summary>Broadcasts the root's array (receivers of raw elements pass an array of the root's length).</summary>
    public void Broadcast<T>(ref T[] values, int root)
    {
        var nativeRoot = NativeRoot(root);
        if (Wire<T>.Kind == WireKind.Raw)
        {
            int length = values?.Length ?? 0;
            fixed (byte* p = &FirstByte(values))
                Mpi.Check(Mpi.Bcast(p, length, DatatypeOf<T>.Handle, nativeRoot, LiveHandle));
            return;
        }
        var frame = BroadcastBytes(root == Root ? Pack(values) : null, root);
        if (IsReceiver(root))
            values = Unpack<T[]>(frame!, root);
    }

    /// <summary>The root receives one value from every remote rank; the others return null.</summary>
    public T[]? Gather<T>(T value, int root)
    {
        var nativeRoot = NativeRoot(root);
        if (Wire<T>.Kind == WireKind.Raw)
        {
            var values = root == Root ? new T[RemoteSize] : null;
            fixed (byte* send = &Unsafe.As<T, byte>(ref value))
            fixed (byte* receive = &FirstByte(values))
            {
                var datatype = DatatypeOf<T>.Handle;
                Mpi.Check(Mpi.Gather(send, 1, datatype, receive, 1, datatype, nativeRoot, LiveHandle));
            }
            return values;
        }
        var frames = GatherBytes(IsReceiver(root) ? Pack(value) : Frame.Empty, root);
        return frames is null ? null : UnpackAll<T>(frames);
    }

    /// <summary>GatherFlattened at the root: receives <paramref name="counts"/>[r] elements from remote rank r.</summary>
    public void GatherFlattened<T>(int[] counts, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(counts);
        RequireLength(counts.Length, RemoteSize, nameof(counts), "RemoteSize");
        outValues = GatherFlattenedCore<T>(null, counts, Root)!;
    }

    /// <summary>GatherFlattened in the remote group: sends <paramref name="inValues"/> to the root.</summary>
    public void GatherFlattened<T>(T[] inValues, int root)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        if (root is Root or Null)
            throw new ArgumentOutOfRangeException(nameof(root), root, "Senders pass the root's rank in the remote group.");
        GatherFlattenedCore(inValues, null, root);
    }

    /// <summary>GatherFlattened for the ranks of the root's group other than the root: they take no part.</summary>
    public void GatherFlattened<T>() => GatherFlattenedCore<T>(null, null, Null);

    /// <summary>Scatter at the root: element r of <paramref name="values"/> goes to remote rank r.</summary>
    public void Scatter<T>(T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        RequireLength(values.Length, RemoteSize, nameof(values), "RemoteSize");
        ScatterCore(values, Root);
    }

    /// <summary>Scatter in the remote group: receives this rank's element from the root.</summary>
    public T Scatter<T>(int root)
    {
        if (root is Root or Null)
            throw new ArgumentOutOfRangeException(nameof(root), root, "Receivers pass the root's rank in the remote group.");
        return ScatterCore<T>(null, root);
    }

    /// <summary>Scatter for the ranks of the root's group other than the root: they take no part.</summary>
    public void Scatter<T>() => ScatterCore<T>(null, Null);

    /// <summary>ScatterFromFlattened at the root: <paramref name="counts"/>[r] consecutive elements go to remote rank r.</summary>
    public void ScatterFromFlattened<T>(T[] inValues, int[] counts)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(counts);
        RequireLength(counts.Length, RemoteSize, nameof(counts), "RemoteSize");
        RequireLength(inValues.Length, Sum(counts, nameof(counts)), nameof(inValues), "the sum of counts");
        ScatterFlattenedCore(inValues, counts, Root);
    }

    /// <summary>ScatterFromFlattened in the remote group: receives <paramref name="counts"/>[Rank] elements.</summary>
    public void ScatterFromFlattened<T>(int[] counts, int root, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(counts);
        RequireLength(counts.Length, Size, nameof(counts), "Size");
        if (root is Root or Null)
            throw new ArgumentOutOfRangeException(nameof(root), root, "Receivers pass the root's rank in the remote group.");
        outValues = ScatterFlattenedCore<T>(null, counts, root)!;
    }

    /// <summary>ScatterFromFlattened for the ranks of the root's group other than the root.</summary>
    public void ScatterFromFlattened<T>() => ScatterFlattenedCore<T>(null, null, Null);

    /// <summary>The root gets the combination (in rank order) of the remote group's values; others default(T).</summary>
    public T Reduce<T>(T value, ReductionOperation<T> op, int root)
    {
        ArgumentNullException.ThrowIfNull(op);
        var nativeRoot = NativeRoot(root);
        if (Wire<T>.Kind == WireKind.Raw)
        {
            T result = default!;
            fixed (byte* send = &Unsafe.As<T, byte>(ref value))
            fixed (byte* receive = &Unsafe.As<T, byte>(ref result))
                ReduceCore(send, receive, 1, op, nativeRoot);
            return root == Root ? result : default!;
        }
        var frames = GatherBytes(IsReceiver(root) ? Pack(value) : Frame.Empty, root);
        return frames is null ? default! : Fold(UnpackAll<T>(frames), frames.Length, op);
    }

    /// <summary>
    /// The root gets the position-by-position combination of the remote group's arrays in
    /// <paramref name="outValues"/>; <paramref name="inValues"/> may be null at the root and idle ranks.
    /// </summary>
    public void Reduce<T>(T[]? inValues, ReductionOperation<T> op, int root, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(op);
        var nativeRoot = NativeRoot(root);
        if (IsReceiver(root))
            ArgumentNullException.ThrowIfNull(inValues);
        if (Wire<T>.Kind == WireKind.Raw)
        {
            // The root learns the length from the array it passes (its result's length), as MPI needs a count there.
            int count = root == Root
                ? outValues?.Length ?? inValues?.Length ?? throw new ArgumentException(
                    "The root of an intercommunicator Reduce of raw arrays passes outValues (or inValues) of the result's length.")
                : inValues?.Length ?? 0;
            if (root == Root && (outValues is null || outValues.Length != count))
                outValues = new T[count];
            fixed (byte* send = &FirstByte(inValues))
            fixed (byte* receive = &FirstByte(root == Root ? outValues : null))
            {
                // The root's send buffer is never read, but MPICH rejects a null one and one aliasing the result.
                byte unused = 0;
                ReduceCore(send is null ? &unused : send, receive, count, op, nativeRoot);
            }
            return;
        }
        var frames = GatherBytes(IsReceiver(root) ? Pack(inValues) : Frame.Empty, root);
        if (frames is not null)
            outValues = FoldArrays(UnpackAll<T[]>(frames), frames.Length, op);
    }

    // ---- All-to-all: every rank gets the remote group's data ----

    /// <summary>The values of every rank of the remote group, in rank order.</summary>
    public T[] Allgather<T>(T value)
    {
        if (Wire<T>.Kind == WireKind.Raw)
        {
            var values = new T[RemoteSize];
            fixed (byte* send = &Unsafe.As<T, byte>(ref value))
            fixed (byte* receive = &FirstByte(values))
            {
                var datatype = DatatypeOf<T>.Handle;
                Mpi.Check(Mpi.Allgather(send, 1, datatype, receive, 1, datatype, LiveHandle));
            }
            return values;
        }
        return UnpackAll<T>(AllgatherBytes(Pack(value)));
    }

    /// <summary>Receives <paramref name="counts"/>[r] elements from remote rank r, concatenated.</summary>
    public void AllgatherFlattened<T>(T[] inValues, int[] counts, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(counts);
        RequireLength(counts.Length, RemoteSize, nameof(counts), "RemoteSize");
        outValues = Wire<T>.Kind == WireKind.Raw
            ? AllgatherBlocks(inValues, counts, outValues)
            : ConcatenateBlocks<T>(AllgatherBytes(Pack(inValues)), counts, "remote rank");
    }

    /// <summary>The combination (in rank order) of the remote group's values.</summary>
    public T Allreduce<T>(T value, ReductionOperation<T> op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (Wire<T>.Kind == WireKind.Raw)
        {
            T result = default!;
            fixed (byte* send = &Unsafe.As<T, byte>(ref value))
            fixed (byte* receive = &Unsafe.As<T, byte>(ref result))
                AllreduceCore(send, receive, 1, op);
            return result;
        }
        var values = UnpackAll<T>(AllgatherBytes(Pack(value)));
        return Fold(values, values.Length, op);
    }

    /// <summary>The position-by-position combination of the remote group's arrays.</summary>
    public void Allreduce<T>(T[] inValues, ReductionOperation<T> op, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(op);
        if (Wire<T>.Kind == WireKind.Raw)
        {
            if (outValues is null || outValues.Length != inValues.Length)
                outValues = new T[inValues.Length];
            fixed (byte* send = &FirstByte(inValues))
            fixed (byte* receive = &FirstByte(outValues))
                AllreduceCore(send, receive, inValues.Length, op);
            return;
        }
        var arrays = UnpackAll<T[]>(AllgatherBytes(Pack(inValues)));
        outValues = FoldArrays(arrays, arrays.Length, op);
    }

    /// <summary>Element r goes to remote rank r; element r of the result came from remote rank r.</summary>
    public T[] Alltoall<T>(T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        RequireLength(values.Length, RemoteSize, nameof(values), "RemoteSize");
        if (Wire<T>.Kind == WireKind.Raw)
        {
            var results = new T[values.Length];
            fixed (byte* send = &FirstByte(values))
            fixed (byte* receive = &FirstByte(results))
                Mpi.Check(Mpi.Alltoall(send, 1, DatatypeOf<T>.Handle, receive, 1, DatatypeOf<T>.Handle, LiveHandle));
            return results;
        }
        var frames = AlltoallBytes(values.Select(Pack).ToArray());
        return UnpackAll<T>(frames);
    }

    /// <summary>Sends <paramref name="sendCounts"/>[r] elements to remote rank r, receives <paramref name="recvCounts"/>[r] from it.</summary>
    public void AlltoallFlattened<T>(T[] inValues, int[] sendCounts, int[] recvCounts, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(sendCounts);
        ArgumentNullException.ThrowIfNull(recvCounts);
        RequireLength(sendCounts.Length, RemoteSize, nameof(sendCounts), "RemoteSize");
        RequireLength(recvCounts.Length, RemoteSize, nameof(recvCounts), "RemoteSize");
        RequireLength(inValues.Length, Sum(sendCounts, nameof(sendCounts)), nameof(inValues), "the sum of sendCounts");
        outValues = Wire<T>.Kind == WireKind.Raw
            ? AlltoallBlocks(inValues, sendCounts, recvCounts, outValues)
            : ConcatenateBlocks<T>(AlltoallBytes(PackBlocks(inValues, sendCounts)), recvCounts, "remote rank");
    }

    /// <summary>
    /// Combines the remote group's arrays position by position, then gives local rank r the next
    /// <paramref name="counts"/>[r] elements (counts over the local group; the arrays hold their sum).
    /// </summary>
    public void ReduceScatter<T>(T[] inValues, ReductionOperation<T> op, int[] counts, ref T[] outValues)
    {
        ArgumentNullException.ThrowIfNull(inValues);
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(counts);
        RequireLength(counts.Length, Size, nameof(counts), "Size");
        RequireLength(inValues.Length, Sum(counts, nameof(counts)), nameof(inValues), "the sum of counts");
        if (Wire<T>.Kind == WireKind.Raw)
        {
            if (outValues is null || outValues.Length != counts[Rank])
                outValues = new T[counts[Rank]];
            fixed (byte* send = &FirstByte(inValues))
            fixed (byte* receive = &FirstByte(outValues))
            fixed (int* countsPointer = counts)
                ReduceScatterCore(send, receive, countsPointer, op);
            return;
        }
        var arrays = UnpackAll<T[]>(AllgatherBytes(Pack(inValues)));
        var combined = FoldArrays(arrays, arrays.Length, op);
        outValues = combined.AsSpan(Displacements(counts)[Rank], counts[Rank]).ToArray();
    }

    private static CommHandle Create(Intracommunicator localComm, int localLeader, Intracommunicator bridgeComm,
        int remoteLeader, int tag)
    {
        ArgumentNullException.ThrowIfNull(localComm);
        ArgumentNullException.ThrowIfNull(bridgeComm);
        if ((uint)localLeader >= (uint)localComm.Size)
            throw new ArgumentOutOfRangeException(nameof(localLeader), localLeader,
                $"The local leader must be a rank of the local communicator (0 to {localComm.Size - 1}).");
        long handle = 0;
        Mpi.Check(Mpi.Intercomm_create(localComm.LiveHandle, localLeader, bridgeComm.LiveHandle, remoteLeader, tag,
            &handle));
        return CommHandle.Adopt(&handle);
    }

    private int NativeRoot(int root)
    {
        if (root is not (Root or Null) && (uint)root >= (uint)RemoteSize)
            throw new ArgumentOutOfRangeException(nameof(root), root,
                $"Root {root} is neither Intercommunicator.Root, Intercommunicator.Null nor a rank of the remote " +
                $"group (0 to {RemoteSize - 1}).");
        return Ranks.ToNative(root);
    }

    /// <summary>Whether a rank passing <paramref name="root"/> is in the group that exchanges with the root.</summary>
    private static bool IsReceiver(int root) => root is not (Root or Null);

    private T[]? GatherFlattenedCore<T>(T[]? inValues, int[]? counts, int root)
    {
        var nativeRoot = NativeRoot(root);
        if (Wire<T>.Kind != WireKind.Raw)
        {
            var frames = GatherBytes(inValues is null ? Frame.Empty : Pack(inValues), root);
            if (frames is null)
                return null;
            return ConcatenateBlocks<T>(frames, counts!, "remote rank");
        }
        var results = root == Root ? new T[Sum(counts, nameof(counts))] : null;
        var displacements = counts is null ? null : Displacements(counts);
        var datatype = DatatypeOf<T>.Handle;
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(results))
        fixed (int* countsPointer = counts)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Gatherv(send, inValues?.Length ?? 0, datatype, receive, countsPointer, displacementsPointer,
                datatype, nativeRoot, LiveHandle));
        }
        return results;
    }

    private T ScatterCore<T>(T[]? values, int root)
    {
        var nativeRoot = NativeRoot(root);
        if (Wire<T>.Kind != WireKind.Raw)
        {
            var frame = ScatterBytes(values?.Select(Pack).ToArray(), nativeRoot);
            return IsReceiver(root) ? Unpack<T>(frame, root) : default!;
        }
        T value = default!;
        fixed (byte* send = &FirstByte(values))
        fixed (byte* receive = &Unsafe.As<T, byte>(ref value))
        {
            var datatype = DatatypeOf<T>.Handle;
            Mpi.Check(Mpi.Scatter(send, 1, datatype, receive, 1, datatype, nativeRoot, LiveHandle));
        }
        return value;
    }

    private T[]? ScatterFlattenedCore<T>(T[]? inValues, int[]? counts, int root)
    {
        var nativeRoot = NativeRoot(root);
        if (Wire<T>.Kind != WireKind.Raw)
        {
            var frames = root == Root ? PackBlocks(inValues!, counts!) : null;
            var frame = ScatterBytes(frames, nativeRoot);
            return IsReceiver(root) ? Unpack<T[]>(frame, root) : null;
        }
        int mine = IsReceiver(root) ? counts![Rank] : 0;
        var results = IsReceiver(root) ? new T[mine] : null;
        var displacements = root == Root ? Displacements(counts) : null;
        var datatype = DatatypeOf<T>.Handle;
        fixed (byte* send = &FirstByte(inValues))
        fixed (byte* receive = &FirstByte(results))
        fixed (int* countsPointer = root == Root ? counts : null)
        fixed (int* displacementsPointer = displacements)
        {
            Mpi.Check(Mpi.Scatterv(send, countsPointer, displacementsPointer, datatype, receive, mine, datatype,
                nativeRoot, LiveHandle));
        }
        return results;
    }

    private Frame? BroadcastBytes(Frame? frame, int root) =>
        BroadcastBytes(frame, Ranks.ToNative(root), receives: IsReceiver(root));

    private Frame[]? GatherBytes(Frame frame, int root) =>
        GatherBytes(frame, Ranks.ToNative(root), root == Root ? RemoteSize : null);

    private Frame[] AllgatherBytes(Frame frame) => AllgatherBytes(frame, RemoteSize);
}
