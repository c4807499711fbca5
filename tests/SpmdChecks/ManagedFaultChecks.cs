using MPI;

namespace SpmdChecks;

/// <summary>
/// Exceptions the runtime raises through a hardware fault (a null dereference is a SIGSEGV, a division by zero a
/// SIGFPE) stay exceptions after MPI_Init, on the main thread and on others: UCX, under MPICH here, installs handlers
/// for those signals that ended the whole rank with "Caught signal 11", even for an exception caught at once.
/// </summary>
internal static class ManagedFaultChecks
{
    private static readonly string? Nothing = System.Environment.TickCount64 < 0 ? "never" : null;

    [Check]
    public static void FaultsRaisedByTheRuntimeAreCaughtAsExceptions(Intracommunicator c)
    {
        Expect.Equal(2, CaughtFaults());
        int onThread = 0;
        var thread = new Thread(() => onThread = CaughtFaults());
        thread.Start();
        thread.Join();
        Expect.Equal(2, onThread);
        c.Barrier();
    }

    // Dereferences null and divides by zero, catching each: how many were caught.
    private static int CaughtFaults()
    {
        int caught = 0, zero = Zero;
        try
        {
            _ = Nothing!.Length;
        }
        catch (NullReferenceException)
        {
            caught++;
        }
        try
        {
            _ = 1 / zero;
        }
        catch (DivideByZeroException)
        {
            caught++;
        }
        return caught;
    }

    private static readonly int Zero = System.Environment.TickCount64 < 0 ? 1 : 0;
}
