namespace MPI;

/// <summary>How a passive-target lock shares a rank's window segment with other origins (MPI_LOCK_*).</summary>
public enum LockType
{
    /// <summary>
    /// No other origin holds a lock on the target at the same time (MPI_LOCK_EXCLUSIVE): the epoch's accesses
    /// cannot interleave with any other origin's.
    /// </summary>
    Exclusive,

    /// <summary>
    /// Other origins may hold shared locks on the target at the same time (MPI_LOCK_SHARED); only accumulate-style
    /// calls on the same elements are atomic with respect to each other.
    /// </summary>
    Shared,
}
