using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>
/// The argument checks every form of the collectives shares (MPI.NET's arrays, spans, nonblocking memory, on
/// intra- and intercommunicators), and the layout of variable blocks.
/// </summary>
public abstract unsafe partial class Communicator
{
    private protected static void RequireLength(int actual, int expected, string parameter, string what)
    {
        if (actual != expected)
            throw new ArgumentException(
                $"{parameter} holds {actual} elements but must hold {expected} ({what}).", parameter);
    }

    /// <summary>The sum of <paramref name="counts"/>, which must not be negative nor exceed one message's count.</summary>
    private protected static int Sum(ReadOnlySpan<int> counts, string parameter)
    {
        long sum = 0;
        foreach (int count in counts)
        {
            if (count < 0)
                throw new ArgumentException($"{parameter} holds a negative count ({count}).", parameter);
            sum += count;
        }
        return sum <= int.MaxValue
            ? (int)sum
            : throw new ArgumentException($"{parameter} adds up to {sum} elements, more than one message can hold.", parameter);
    }

    /// <summary>Checks that <paramref name="values"/> holds one element per peer.</summary>
    private protected static void RequirePerPeer<T>([NotNull] T[]? values, string parameter, CollectiveRole role)
    {
        ArgumentNullException.ThrowIfNull(values, parameter);
        RequireLength(values.Length, role.Peers, parameter, role.PeersName);
    }

    /// <summary>Checks that <paramref name="counts"/> holds one count per peer, none negative; returns their sum.</summary>
    private protected static int RequireCounts([NotNull] int[]? counts, string parameter, CollectiveRole role)
    {
        RequirePerPeer(counts, parameter, role);
        return Sum(counts, parameter);
    }

    /// <summary>
    /// ReduceScatter's arguments (every form): a count per rank of the local group, adding up to the length of
    /// each rank's input.
    /// </summary>
    private protected void CheckReduceScatter<T>(ReductionOperation<T> op, ReadOnlySpan<int> counts, int values,
        string valuesParameter)
    {
        ArgumentNullException.ThrowIfNull(op);
        RequireLength(counts.Length, Size, "counts", "Size");
        RequireLength(values, Sum(counts, "counts"), valuesParameter, "the sum of counts");
    }

    /// <summary>Displacements of consecutive blocks of <paramref name="counts"/> elements.</summary>
    private protected static int[] Displacements(ReadOnlySpan<int> counts)
    {
        var displacements = new int[counts.Length];
        for (int i = 1; i < counts.Length; i++)
            displacements[i] = displacements[i - 1] + counts[i - 1];
        return displacements;
    }

    /// <summary>The address of a raw array's first element, pinned by the caller's <c>fixed</c>; null for null.</summary>
    private protected static ref byte FirstByte<T>(T[]? values) => ref values is null
        ? ref Unsafe.NullRef<byte>()
        : ref Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(values));

    /// <summary>
    /// Throws on every peer when the root rejects its arguments (<paramref name="validateAtRoot"/> runs there only):
    /// the root broadcasts its verdict first, so no rank is left waiting for data that will never come. Ranks that
    /// take no part (the root's own group, on an intercommunicator) learn nothing and go on.
    /// </summary>
    private protected void AgreeWithRoot(CollectiveRole role, Action validateAtRoot)
    {
        Exception? problem = null;
        if (role.IsRoot)
        {
            try
            {
                validateAtRoot();
            }
            catch (ArgumentException e)
            {
                problem = e;
            }
        }
        int rejected = problem is null ? 0 : 1;
        Mpi.Check(Mpi.Bcast(&rejected, 1, Mpi.Abi.Datatypes.Int32, role.NativeRoot, LiveHandle));
        if (problem is not null)
            throw problem;
        if (rejected != 0)
            throw new ArgumentException(
                $"The root (rank {role.NativeRoot}) rejected the arguments of this collective call, so no rank performed it.");
    }
}

/// <summary>The root and block-length checks the span and nonblocking forms share.</summary>
public partial class Intracommunicator
{
    /// <summary>The role of this rank in a collective rooted at <paramref name="root"/>, once the root is checked.</summary>
    private CollectiveRole Rooted(int root)
    {
        ValidateRoot(root);
        return CollectiveRole.Within(root, Rank, Size);
    }

    /// <summary>The role of every rank in a collective without a root.</summary>
    private CollectiveRole Everyone => CollectiveRole.All(Size, remote: false);

    private void ValidateRoot(int root)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root,
                $"Root rank {root} is out of range: the communicator has {Size} ranks (0 to {Size - 1}).");
    }

    /// <summary>Gather: the root receives a block of <paramref name="values"/> elements from every rank.</summary>
    private void CheckGather(int root, int values, int results)
    {
        ValidateRoot(root);
        if (Rank == root)
            RequireLength(results, checked(values * Size), nameof(results), "Size × values.Length");
    }

    /// <summary>Allgather: every rank receives a block of <paramref name="values"/> elements from every rank.</summary>
    private void CheckAllgather(int values, int results) =>
        RequireLength(results, checked(values * Size), nameof(results), "Size × values.Length");

    /// <summary>Scatter: the root sends a block of <paramref name="results"/> elements to every rank.</summary>
    private void CheckScatter(int root, int values, int results)
    {
        ValidateRoot(root);
        if (Rank == root)
            RequireLength(values, checked(results * Size), nameof(values), "Size × results.Length");
    }

    /// <summary>Alltoall: every rank sends (and receives) one block per rank; returns the block's length.</summary>
    private int AlltoallBlock(int values, int results)
    {
        if (values % Size != 0)
            throw new ArgumentException(
                $"values holds {values} elements, which is not a whole number of blocks for {Size} ranks.",
                nameof(values));
        RequireLength(results, values, nameof(results), "values.Length");
        return values / Size;
    }

    /// <summary>Reduce: the root's results hold as many elements as every rank's values.</summary>
    private void CheckReduce<T>(int root, ReductionOperation<T> op, int values, int results)
    {
        ValidateRoot(root);
        ArgumentNullException.ThrowIfNull(op);
        if (Rank == root)
            RequireLength(results, values, nameof(results), "values.Length");
    }

    /// <summary>Allreduce and the scans: every rank's results hold as many elements as its values.</summary>
    private static void CheckElementwise<T>(ReductionOperation<T> op, int values, int results)
    {
        ArgumentNullException.ThrowIfNull(op);
        RequireLength(results, values, nameof(results), "values.Length");
    }
}
