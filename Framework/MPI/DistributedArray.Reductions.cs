using System.Numerics;

namespace MPI;

/// <summary>The block rule of <see cref="DistributedArray{T}"/>, and its global reductions for numeric element types.</summary>
public static class DistributedArray
{
    /// <summary>
    /// The block of part <paramref name="index"/> when <paramref name="length"/> elements are split over
    /// <paramref name="parts"/> parts as evenly as possible: the first length mod parts parts get one element more
    /// (so sizes differ by at most one; with fewer elements than parts, the last parts are empty).
    /// </summary>
    /// <returns>The first element of the block and its number of elements.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative, <paramref name="parts"/> not positive, or <paramref name="index"/> not in 0 to parts - 1.</exception>
    public static (int Offset, int Count) Block(int length, int parts, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        if ((uint)index >= (uint)parts)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {parts} parts (0 to {parts - 1}).");
        int size = length / parts, extra = length % parts;
        return (index * size + Math.Min(index, extra), size + (index < extra ? 1 : 0));
    }

    /// <summary>The sum of every element of the array, on every rank (local sums, then MPI_Allreduce with MPI_SUM; collective).</summary>
    /// <remarks>Floating-point sums are added in another order than a serial loop would, so they may differ from it in the last bits.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The array's grid has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static T Sum<T>(this DistributedArray<T> array) where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(array);
        T sum = T.Zero;
        for (int i = 0; i < array.LocalRows; i++)
        {
            foreach (var value in array.Row(i))
                sum += value;
        }
        return array.Grid.Allreduce(sum, Operation<T>.Add);
    }

    /// <summary>The smallest element of the array, on every rank (MPI_Allreduce with MPI_MIN; MPI_Allgather of each block's smallest when some blocks are empty; collective).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The array has no elements (thrown on every rank).</exception>
    /// <exception cref="ObjectDisposedException">The array's grid has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static T Min<T>(this DistributedArray<T> array) where T : unmanaged, INumber<T> =>
        Extreme(array, T.Min, Operation<T>.Min);

    /// <summary>The largest element of the array, on every rank (MPI_Allreduce with MPI_MAX; MPI_Allgather of each block's largest when some blocks are empty; collective).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The array has no elements (thrown on every rank).</exception>
    /// <exception cref="ObjectDisposedException">The array's grid has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static T Max<T>(this DistributedArray<T> array) where T : unmanaged, INumber<T> =>
        Extreme(array, T.Max, Operation<T>.Max);

    /// <summary>
    /// The Euclidean (2-) norm of the array, √Σx², on every rank: squares summed in double precision locally, then
    /// MPI_Allreduce with MPI_SUM (collective); 0 for an empty array.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The array's grid has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public static double Norm<T>(this DistributedArray<T> array) where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(array);
        double squares = 0;
        for (int i = 0; i < array.LocalRows; i++)
        {
            foreach (var value in array.Row(i))
            {
                double x = double.CreateTruncating(value);
                squares += x * x;
            }
        }
        return Math.Sqrt(array.Grid.Allreduce(squares, Operation<double>.Add));
    }

    private static T Extreme<T>(DistributedArray<T> array, Func<T, T, T> pick, ReductionOperation<T> op)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length == 0)
            throw new InvalidOperationException("The array has no elements, so it has no smallest or largest one.");
        T local = T.Zero;
        if (array.LocalLength > 0)
        {
            local = array.Row(0)[0];
            for (int i = 0; i < array.LocalRows; i++)
            {
                foreach (var value in array.Row(i))
                    local = pick(local, value);
            }
        }
        var grid = array.Grid;
        if (!array.HasEmptyBlocks)
            return grid.Allreduce(local, op);
        // Empty blocks have no candidate and there is no identity to stand in for one: every rank gathers all the
        // candidates and skips those of the empty blocks (which every rank knows from the distribution).
        var candidates = new T[grid.Size];
        grid.Allgather([local], candidates);
        T? best = null;
        for (int rank = 0; rank < candidates.Length; rank++)
        {
            if (array.BlockLength(rank) > 0)
                best = best is { } b ? pick(b, candidates[rank]) : candidates[rank];
        }
        return best!.Value;
    }
}
