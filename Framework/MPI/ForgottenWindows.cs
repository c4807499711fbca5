namespace MPI;

/// <summary>A collective object that must be freed before MPI_Finalize (MPICH aborts in finalize over a live window).</summary>
internal interface IFreedBeforeFinalize
{
    /// <summary>Frees the object, collectively, as MPI is about to be finalized; errors are the caller's to ignore.</summary>
    void FreeBeforeFinalize();
}

/// <summary>
/// The windows (and objects owning one) a program has not freed yet, in creation order. Finalizing frees them in that
/// order: every rank of an SPMD program forgot the same ones, so the collective frees match up.
/// </summary>
internal static class ForgottenWindows
{
    private static readonly Lock Gate = new();
    private static readonly List<WeakReference<IFreedBeforeFinalize>> Live = [];

    public static void Add(IFreedBeforeFinalize owner)
    {
        lock (Gate)
            Live.Add(new WeakReference<IFreedBeforeFinalize>(owner));
    }

    public static void Remove(IFreedBeforeFinalize owner)
    {
        lock (Gate)
            Live.RemoveAll(entry => !entry.TryGetTarget(out var target) || ReferenceEquals(target, owner));
    }

    /// <summary>Frees every object still live. A failure leaves that object to MPI_Finalize, as before.</summary>
    public static void FreeAll()
    {
        IFreedBeforeFinalize[] owners;
        lock (Gate)
        {
            owners = [.. Live.Select(entry => entry.TryGetTarget(out var target) ? target : null).OfType<IFreedBeforeFinalize>()];
            Live.Clear();
        }
        foreach (var owner in owners)
        {
            try
            {
                owner.FreeBeforeFinalize();
            }
            catch (Exception e) when (e is MpiException or InvalidOperationException)
            {
                // Freeing is a courtesy to MPICH's finalize: an object MPI refuses to free is what it was before.
            }
        }
    }
}
