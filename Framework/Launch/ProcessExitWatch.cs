using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MPI.Launch;

/// <summary>
/// Learns the moment a process on this machine ends, even one that is not a child (a rank started by mpiexec):
/// a pidfd (Linux 5.3+) becomes readable when its process exits. The first rank of a failed job to end is the one
/// that failed; mpiexec does not always say which it was.
/// </summary>
internal static partial class ProcessExitWatch
{
    // pidfd_open is system call 434 on x86-64 and AArch64 alike.
    private const long PidfdOpen = 434;
    private const short PollIn = 1;

    /// <summary>
    /// Completes with the Stopwatch timestamp at which the process ended; with <see cref="long.MaxValue"/> when it had
    /// already ended (when is unknown).
    /// </summary>
    public static Task<long> WhenExited(int processId) => Task.Factory.StartNew(() =>
    {
        int descriptor = (int)Syscall(PidfdOpen, processId, 0);
        if (descriptor < 0)
            return long.MaxValue;
        try
        {
            var poll = new PollDescriptor { Descriptor = descriptor, Events = PollIn };
            while (Poll(ref poll, 1, -1) < 0 && Marshal.GetLastPInvokeError() == 4 /* EINTR */)
            {
            }
            return Stopwatch.GetTimestamp();
        }
        finally
        {
            _ = Close(descriptor);
        }
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, int processId, uint flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollDescriptor descriptors, ulong count, int timeout);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
