using System.Runtime.InteropServices;

namespace MPI.Launch;

/// <summary>
/// Learns the order in which processes on this machine end, even ones that are not children (ranks started by
/// mpiexec): each process's pidfd (Linux 5.3+) is in one epoll set, which hands ready descriptors back in the order
/// the kernel marked them ready, that is, in the order the processes exited, however close together and however late
/// this process's thread runs. When mpiexec ends the other ranks of a failed job it does so after the first one ended,
/// so the first in this order is the one that failed.
/// </summary>
internal sealed partial class ProcessExitWatch : IDisposable
{
    // pidfd_open is system call 434 on x86-64 and AArch64 alike.
    private const long PidfdOpen = 434;
    private const int EpollCtlAdd = 1, EpollCtlDel = 2, EpollIn = 1, MaxEvents = 64;
    // struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly int _epoll;
    private readonly object _gate = new(); // waited on with Monitor
    private readonly Dictionary<int, int> _descriptors = []; // key -> pidfd
    private readonly Dictionary<int, long> _order = [];      // key -> position in exit order
    private readonly HashSet<int> _endedUnseen = [];         // gone before they were watched: order unknown
    private long _next;
    private volatile bool _disposed;
    private readonly Thread _thread;

    public ProcessExitWatch()
    {
        _epoll = EpollCreate(0);
        _thread = new Thread(Run) { IsBackground = true, Name = "process exit watch" };
        _thread.Start();
    }

    /// <summary>Raised (on the watch's thread) when a watched process ends, with its key.</summary>
    public event Action<int>? Exited;

    /// <summary>Starts watching the process <paramref name="processId"/> under <paramref name="key"/> (a rank).</summary>
    public void Watch(int key, int processId)
    {
        int descriptor = (int)Syscall(PidfdOpen, processId, 0);
        lock (_gate)
        {
            if (_disposed || _descriptors.ContainsKey(key) || _order.ContainsKey(key))
            {
                if (descriptor >= 0)
                    _ = Close(descriptor);
                return;
            }
            if (descriptor < 0)
            {
                _endedUnseen.Add(key);
            }
            else
            {
                _descriptors[key] = descriptor;
                Span<byte> ev = stackalloc byte[16];
                ev.Clear();
                MemoryMarshal.Write(ev, EpollIn);
                MemoryMarshal.Write(ev[DataOffset..], (long)key);
                if (EpollCtl(_epoll, EpollCtlAdd, descriptor, ref MemoryMarshal.GetReference(ev)) != 0)
                {
                    _descriptors.Remove(key);
                    _ = Close(descriptor);
                    _endedUnseen.Add(key);
                }
            }
        }
        if (descriptor < 0)
            Exited?.Invoke(key);
    }

    /// <summary>Whether the process watched under <paramref name="key"/> has ended (seen or not).</summary>
    public bool HasEnded(int key)
    {
        lock (_gate)
            return _order.ContainsKey(key) || _endedUnseen.Contains(key);
    }

    /// <summary>The keys whose processes were seen to end, first first (those already gone when watched are left out).</summary>
    public IReadOnlyList<int> EndedInOrder()
    {
        lock (_gate)
            return [.. _order.OrderBy(entry => entry.Value).Select(entry => entry.Key)];
    }

    /// <summary>Waits until every watched process has ended, or <paramref name="timeout"/> passes.</summary>
    public bool WaitForAll(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (_descriptors.Count > 0)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || _disposed)
                    return false;
                Monitor.Wait(_gate, left);
            }
            return true;
        }
    }

    private void Run()
    {
        var events = new byte[EventSize * MaxEvents];
        while (!_disposed)
        {
            int count = EpollWait(_epoll, ref events[0], MaxEvents, 200);
            if (count <= 0)
                continue;
            var ended = new List<int>(count);
            lock (_gate)
            {
                for (int i = 0; i < count; i++)
                {
                    int key = (int)MemoryMarshal.Read<long>(events.AsSpan(i * EventSize + DataOffset));
                    if (!_descriptors.Remove(key, out int descriptor))
                        continue;
                    _ = EpollCtl(_epoll, EpollCtlDel, descriptor, ref events[0]); // the event is ignored on removal
                    _ = Close(descriptor);
                    _order[key] = _next++;
                    ended.Add(key);
                }
                Monitor.PulseAll(_gate);
            }
            foreach (var key in ended)
                Exited?.Invoke(key);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
        lock (_gate)
        {
            foreach (var descriptor in _descriptors.Values)
                _ = Close(descriptor);
            _descriptors.Clear();
        }
        _ = Close(_epoll);
    }

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, int processId, uint flags);

    [LibraryImport("libc", EntryPoint = "epoll_create1")]
    private static partial int EpollCreate(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl")]
    private static partial int EpollCtl(int epoll, int operation, int descriptor, ref byte ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait")]
    private static partial int EpollWait(int epoll, ref byte events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
