namespace MPI;

/// <summary>The thread support level requested from and granted by MPI.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The member names are MPI.NET's.")]
public enum Threading
{
    /// <summary>Only one thread exists.</summary>
    Single,

    /// <summary>Many threads, but only the one that initialized MPI calls it.</summary>
    Funneled,

    /// <summary>Many threads call MPI, one at a time.</summary>
    Serialized,

    /// <summary>Many threads call MPI concurrently.</summary>
    Multiple,
}
