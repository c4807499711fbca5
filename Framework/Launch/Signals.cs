using System.Runtime.InteropServices;

namespace MPI.Launch;

/// <summary>Signals sent to processes by id (kill(2)); a process that has ended already needs nothing.</summary>
internal static partial class Signals
{
    /// <summary>SIGTERM: asks the process to end.</summary>
    public const int Terminate = 15;

    /// <summary>SIGKILL: ends the process.</summary>
    public const int Kill = 9;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="processId"/>; whether it was delivered.</summary>
    public static bool Send(int processId, int signal) => SendSignal(processId, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int processId, int signal);
}
