using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// Learns the order in which the ranks on this machine end, however they end (SIGKILL included) and however soon
/// after starting. Each rank connects to the job's exit channel (<see cref="JobContract.ExitChannelVariable"/>, an
/// abstract Unix socket) as MPI starts and says its rank; the kernel closes the connection when the process ends. The
/// kernel queues connections until they are accepted, so a rank is never missed however late the launcher looks, and
/// one thread waits on every connection in one epoll set, which hands ready descriptors back in the order the kernel
/// marked them (the order the processes ended). When mpiexec ends the other ranks of a failed job it does so after
/// the first one ended, so the first in this order is the one that failed. That order covers only the connections the
/// watch was already waiting on: a rank whose process had ended before the watch first read its connection (this
/// process was too busy to look sooner, as on a loaded machine) is known to have ended, but not when: it has no place
/// in <see cref="EndedInOrder"/>.
/// </summary>
internal sealed partial class ProcessExitWatch : IDisposable
{
    private const int AfUnix = 1, SockStream = 1, SockNonblock = 0x800, SockCloexec = 0x80000;
    private const int EpollCtlAdd = 1, EpollCtlDel = 2, EpollIn = 1, EpollRdHup = 0x2000, MaxEvents = 64;
    private const long Listener = -1, Wakeup = -2;
    // struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    // The eventfd that wakes the watch's thread when the watch is disposed (else it would sleep out its poll).
    private readonly int _epoll, _listener, _wakeup;
    private readonly object _gate = new(); // waited on with Monitor
    private readonly Dictionary<int, int?> _connections = []; // descriptor -> rank, once it said
    private readonly Dictionary<int, long> _order = [];       // rank -> position in exit order
    private readonly HashSet<int> _endedUnseen = [];         // ranks found ended when first read: no position
    private readonly HashSet<int> _connected = [];
    private long _next;
    private volatile bool _disposed;
    private readonly Thread _thread;

    /// <summary>Opens the exit channel named <paramref name="name"/> (what ranks find in <see cref="JobContract.ExitChannelVariable"/>).</summary>
    public ProcessExitWatch(string name)
    {
        Name = name;
        _epoll = EpollCreate(SockCloexec);
        _listener = Socket(AfUnix, SockStream | SockNonblock | SockCloexec, 0);
        var address = JobContract.ExitChannelAddress(name);
        if (_listener < 0 || Bind(_listener, ref address[0], address.Length) != 0 || Listen(_listener, 4096) != 0)
            throw new IOException($"The job's exit channel could not be opened (error {Marshal.GetLastPInvokeError()}).");
        Add(_listener, Listener);
        _wakeup = EventFd(0, SockNonblock | SockCloexec);
        if (_wakeup >= 0)
            Add(_wakeup, Wakeup);
        _thread = new Thread(Run) { IsBackground = true, Name = "rank exit watch" };
        _thread.Start();
    }

    /// <summary>The channel's name.</summary>
    public string Name { get; }

    /// <summary>Raised (on the watch's thread) when a rank that connected ends, with its rank.</summary>
    public event Action<int>? Exited;

    /// <summary>Whether <paramref name="rank"/> connected, so that its end will be seen.</summary>
    public bool IsWatching(int rank)
    {
        lock (_gate)
            return _connected.Contains(rank);
    }

    /// <summary>Whether <paramref name="rank"/>'s process has ended.</summary>
    public bool HasEnded(int rank)
    {
        lock (_gate)
            return _order.ContainsKey(rank) || _endedUnseen.Contains(rank);
    }

    /// <summary>
    /// The ranks whose processes ended while the watch waited on them, first first (not those whose connections it
    /// first read already closed: their places are unknown).
    /// </summary>
    public IReadOnlyList<int> EndedInOrder()
    {
        lock (_gate)
            return [.. _order.OrderBy(entry => entry.Value).Select(entry => entry.Key)];
    }

    /// <summary>Waits until every rank that connected has ended, or <paramref name="timeout"/> passes.</summary>
    public bool WaitForAll(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (_connections.Count > 0)
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
        var buffer = new byte[64];
        while (!_disposed)
        {
            int count = EpollWait(_epoll, ref events[0], MaxEvents, 200);
            var ended = new List<int>();
            lock (_gate)
            {
                for (int i = 0; i < count; i++)
                {
                    long data = MemoryMarshal.Read<long>(events.AsSpan(i * EventSize + DataOffset));
                    if (data == Wakeup)
                        continue;
                    if (data == Listener)
                        AcceptAll();
                    else if (Drain((int)data, buffer) is { } rank)
                        ended.Add(rank);
                }
                Monitor.PulseAll(_gate);
            }
            foreach (var rank in ended)
                Exited?.Invoke(rank);
        }
    }

    private void AcceptAll()
    {
        int connection;
        while ((connection = Accept(_listener, IntPtr.Zero, IntPtr.Zero, SockNonblock | SockCloexec)) >= 0)
        {
            _connections[connection] = null;
            Add(connection, connection);
        }
    }

    // Reads what a rank said (its rank, once); at the end of the stream its process has ended: returns its rank. A
    // connection whose rank and end are read at once had ended before the watch looked at it: where the kernel put it
    // on the ready list says when the watch registered it, not when it ended.
    private int? Drain(int connection, byte[] buffer)
    {
        bool saidNow = false;
        while (true)
        {
            long read = Read(connection, ref buffer[0], (ulong)buffer.Length);
            if (read > 0)
            {
                if (_connections[connection] is null
                    && int.TryParse(Encoding.ASCII.GetString(buffer, 0, (int)read).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int said))
                {
                    _connections[connection] = said;
                    _connected.Add(said);
                    saidNow = true;
                }
                continue;
            }
            if (read < 0 && Marshal.GetLastPInvokeError() is 11 or 4) // EAGAIN, EINTR: more to come
                return null;
            _ = EpollCtl(_epoll, EpollCtlDel, connection, ref buffer[0]); // the event is ignored on removal
            _ = Close(connection);
            _connections.Remove(connection, out var rank);
            if (rank is { } ended)
            {
                if (saidNow)
                    _endedUnseen.Add(ended);
                else
                    _order.TryAdd(ended, _next++);
            }
            return rank;
        }
    }

    private void Add(int descriptor, long data)
    {
        Span<byte> ev = stackalloc byte[16];
        ev.Clear();
        MemoryMarshal.Write(ev, EpollIn | EpollRdHup);
        MemoryMarshal.Write(ev[DataOffset..], data);
        _ = EpollCtl(_epoll, EpollCtlAdd, descriptor, ref MemoryMarshal.GetReference(ev));
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
        if (_wakeup >= 0)
        {
            Span<byte> one = stackalloc byte[8];
            one.Clear();
            one[0] = 1;
            _ = Write(_wakeup, ref one[0], 8);
        }
        _thread.Join();
        foreach (var connection in _connections.Keys)
            _ = Close(connection);
        _connections.Clear();
        _ = Close(_listener);
        if (_wakeup >= 0)
            _ = Close(_wakeup);
        _ = Close(_epoll);
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int Bind(int socket, ref byte address, int length);

    [LibraryImport("libc", EntryPoint = "listen", SetLastError = true)]
    private static partial int Listen(int socket, int backlog);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static partial int Accept(int socket, IntPtr address, IntPtr length, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial long Read(int descriptor, ref byte buffer, ulong count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial long Write(int descriptor, ref byte buffer, ulong count);

    [LibraryImport("libc", EntryPoint = "eventfd")]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "epoll_create1")]
    private static partial int EpollCreate(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl")]
    private static partial int EpollCtl(int epoll, int operation, int descriptor, ref byte ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait")]
    private static partial int EpollWait(int epoll, ref byte events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
