using MPI.Native;

namespace MPI;

/// <summary>
/// An ordered set of processes (MPI_Group): the members of a communicator, and the set algebra that builds new
/// communicators with <see cref="Communicator.Create"/>. Groups a program never disposes are simply dropped at
/// exit; nothing touches MPI after finalize.
/// </summary>
public sealed unsafe class Group : IDisposable
{
    /// <summary>The rank reported for a process that is not in a group (MPI_UNDEFINED in every ABI).</summary>
    public const int NoProcess = -32766;

    private static Group? _empty;
    private readonly bool _predefined;
    private nint _handle;

    internal Group(nint handle, bool predefined = false)
    {
        _handle = handle;
        _predefined = predefined;
    }

#pragma warning disable CA1707, CA1000 // MPI.NET's name for the empty group.
    /// <summary>The group with no members (MPI_GROUP_EMPTY); never freed.</summary>
    /// <exception cref="InvalidOperationException">MPI is not initialized.</exception>
    public static Group empty => _empty ??= new Group(Mpi.Abi.GroupEmpty, predefined: true);
#pragma warning restore CA1707, CA1000

    /// <summary>The number of processes in the group (MPI_Group_size).</summary>
    /// <exception cref="ObjectDisposedException">The group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public int Size
    {
        get
        {
            int size = 0;
            Mpi.Check(Mpi.Group_size(LiveHandle, &size));
            return size;
        }
    }

    /// <summary>This process's rank in the group, or <see cref="NoProcess"/> when it is not a member (MPI_Group_rank).</summary>
    /// <exception cref="ObjectDisposedException">The group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public int Rank
    {
        get
        {
            int rank = 0;
            Mpi.Check(Mpi.Group_rank(LiveHandle, &rank));
            return rank == Mpi.Abi.Undefined ? NoProcess : rank;
        }
    }

    /// <summary>The processes of either group: those of <paramref name="first"/> in order, then the others.</summary>
    /// <remarks>MPI_Group_union; the caller disposes the new group.</remarks>
    /// <exception cref="ArgumentNullException">Either group is null.</exception>
    /// <exception cref="ObjectDisposedException">Either group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static Group operator |(Group first, Group second) => Combine(first, second, Mpi.Group_union);

    /// <summary>The processes in both groups, in the order of <paramref name="first"/>.</summary>
    /// <remarks>MPI_Group_intersection; the caller disposes the new group.</remarks>
    /// <exception cref="ArgumentNullException">Either group is null.</exception>
    /// <exception cref="ObjectDisposedException">Either group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static Group operator &(Group first, Group second) => Combine(first, second, Mpi.Group_intersection);

    /// <summary>The processes of <paramref name="first"/> that are not in <paramref name="second"/>.</summary>
    /// <remarks>MPI_Group_difference; the caller disposes the new group.</remarks>
    /// <exception cref="ArgumentNullException">Either group is null.</exception>
    /// <exception cref="ObjectDisposedException">Either group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static Group operator -(Group first, Group second) => Combine(first, second, Mpi.Group_difference);

    /// <summary>A group of the members at <paramref name="ranks"/>, in that order.</summary>
    /// <remarks>MPI_Group_incl; the caller disposes the new group.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="ranks"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A rank is not a member of this group (0 to <see cref="Size"/> - 1).</exception>
    /// <exception cref="ArgumentException">A rank appears twice.</exception>
    /// <exception cref="ObjectDisposedException">The group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public Group IncludeOnly(int[] ranks) => Select(ranks, Mpi.Group_incl, nameof(ranks));

    /// <summary>This group without the members at <paramref name="ranks"/>.</summary>
    /// <remarks>MPI_Group_excl; the caller disposes the new group.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="ranks"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A rank is not a member of this group (0 to <see cref="Size"/> - 1).</exception>
    /// <exception cref="ArgumentException">A rank appears twice.</exception>
    /// <exception cref="ObjectDisposedException">The group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public Group Exclude(int[] ranks) => Select(ranks, Mpi.Group_excl, nameof(ranks));

    /// <summary>
    /// The ranks in <paramref name="other"/> of the processes at <paramref name="ranks"/> in this group;
    /// <see cref="NoProcess"/> for those not in <paramref name="other"/> (MPI_Group_translate_ranks). The result has
    /// one entry per entry of <paramref name="ranks"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="ranks"/> or <paramref name="other"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A rank is not a member of this group (0 to <see cref="Size"/> - 1).</exception>
    /// <exception cref="ObjectDisposedException">Either group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public int[] TranslateRanks(int[] ranks, Group other)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentNullException.ThrowIfNull(other);
        RequireMembers(ranks, nameof(ranks));
        var translated = new int[ranks.Length];
        fixed (int* from = ranks)
        fixed (int* to = translated)
            Mpi.Check(Mpi.Group_translate_ranks(LiveHandle, ranks.Length, from, other.LiveHandle, to));
        for (int i = 0; i < translated.Length; i++)
        {
            if (translated[i] == Mpi.Abi.Undefined)
                translated[i] = NoProcess;
        }
        return translated;
    }

    /// <summary>Identical (same members, same order), Similar (same members), or Unequal (MPI_Group_compare).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">Either group has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public Comparison Compare(Group other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int result = 0;
        Mpi.Check(Mpi.Group_compare(LiveHandle, other.LiveHandle, &result));
        var abi = Mpi.Abi;
        return result == abi.Ident ? Comparison.Identical : result == abi.Similar ? Comparison.Similar : Comparison.Unequal;
    }

    /// <summary>Frees the group (MPI_Group_free; predefined groups are left alone; after finalize nothing is called). Idempotent.</summary>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void Dispose()
    {
        if (_predefined || _handle == 0)
            return;
        Mpi.FreeWhileActive(_handle, Mpi.Group_free);
        _handle = 0;
    }

    internal nint LiveHandle => _handle != 0
        ? _handle
        : throw new ObjectDisposedException(nameof(Group), "The group has been disposed.");

    internal static Group FromHandleWrittenAt(void* location)
    {
        var handle = Mpi.ReadHandle(location);
        return new Group(handle, predefined: handle == Mpi.Abi.GroupEmpty);
    }

    private static Group Combine(Group first, Group second, GroupSetOperation operation)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        long handle = 0;
        Mpi.Check(operation(first.LiveHandle, second.LiveHandle, &handle));
        return FromHandleWrittenAt(&handle);
    }

    private Group Select(int[] ranks, GroupSelection operation, string parameter)
    {
        ArgumentNullException.ThrowIfNull(ranks, parameter);
        RequireMembers(ranks, parameter);
        if (ranks.Distinct().Count() != ranks.Length)
            throw new ArgumentException("The ranks must be distinct.", parameter);
        long handle = 0;
        fixed (int* selected = ranks)
            Mpi.Check(operation(LiveHandle, ranks.Length, selected, &handle));
        return FromHandleWrittenAt(&handle);
    }

    private void RequireMembers(int[] ranks, string parameter)
    {
        int size = Size;
        foreach (int rank in ranks)
        {
            if ((uint)rank >= (uint)size)
                throw new ArgumentOutOfRangeException(parameter, rank,
                    $"Rank {rank} is not a member of the group, which has {size} processes (0 to {size - 1}).");
        }
    }
}
