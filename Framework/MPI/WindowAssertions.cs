namespace MPI;

/// <summary>
/// Promises a program makes to a synchronization call so that MPI can skip work (the MPI_MODE_* assertion bits).
/// A false promise is erroneous in MPI: results are undefined.
/// </summary>
[Flags]
public enum WindowAssertions
{
    /// <summary>No promise.</summary>
    None = 0,

    /// <summary>
    /// Lock, LockAll, Start: no conflicting lock or epoch is held by anyone (MPI_MODE_NOCHECK); Post: the matching
    /// Start calls have not been made yet.
    /// </summary>
    NoCheck = 1,

    /// <summary>Fence, Post: the local segment was not stored to since the last synchronization (MPI_MODE_NOSTORE).</summary>
    NoStore = 2,

    /// <summary>Fence, Post: no origin puts or accumulates to the local segment until the next synchronization (MPI_MODE_NOPUT).</summary>
    NoPut = 4,

    /// <summary>Fence: no operation issued locally precedes it: it opens the first fence epoch (MPI_MODE_NOPRECEDE).</summary>
    NoPrecede = 8,

    /// <summary>Fence: no operation follows it: it closes the last fence epoch (MPI_MODE_NOSUCCEED).</summary>
    NoSucceed = 16,
}
