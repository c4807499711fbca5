namespace MPI;

/// <summary>How two communicators or groups relate (MPI_Comm_compare, MPI_Group_compare).</summary>
public enum Comparison
{
    /// <summary>The same object.</summary>
    Identical,

    /// <summary>Same members in the same order, different contexts.</summary>
    Congruent,

    /// <summary>Same members, different order.</summary>
    Similar,

    /// <summary>Different members.</summary>
    Unequal,
}
