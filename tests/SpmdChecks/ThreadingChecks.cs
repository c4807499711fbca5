using System.Collections.Concurrent;
using MPI;

namespace SpmdChecks;

/// <summary>
/// Several threads of every rank calling MPI at once, at <see cref="Threading.Multiple"/> (run by the <c>threads</c>
/// mode, never by <c>checks</c>): raw and serialized point-to-point, blocking and nonblocking, wildcards, and
/// collectives on duplicated communicators. Every byte that arrives is checked against what its sender wrote, and
/// every message must arrive exactly once; a thread still running after <see cref="Patience"/> fails the check
/// (the runner then aborts the job) instead of hanging it.
/// </summary>
internal static class ThreadingChecks
{
    private const int Threads = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Each thread its own tag on one communicator: a ring of raw arrays, small and beyond the eager limit.</summary>
    [Check(Multithreaded = true)]
    public static void RawRingWithATagPerThread(Intracommunicator c)
    {
        int next = (c.Rank + 1) % c.Size, previous = (c.Rank + c.Size - 1) % c.Size;
        RunThreads(thread =>
        {
            for (int round = 0; round < 30; round++)
            {
                int length = round % 3 == 0 ? 40_000 : 1 + round * 7;
                var incoming = new int[length];
                var receive = c.ImmediateReceive<int>(previous, thread, incoming.AsMemory());
                var outgoing = Pattern(c.Rank, thread, round, length);
                if (round % 2 == 0)
                    c.Send<int>(outgoing.AsSpan(), next, thread);
                else
                    c.ImmediateSend<int>(outgoing.AsMemory(), next, thread).Wait();
                var status = receive.Wait();
                Expect.Equal(length, status.Count());
                Expect.Sequence(Pattern(previous, thread, round, length), incoming);
            }
        });
    }

    /// <summary>Serialized values (some beyond the 64 KiB header, so with a payload) in a ring, a tag per thread.</summary>
    [Check(Multithreaded = true)]
    public static void SerializedRingWithATagPerThread(Intracommunicator c)
    {
        int next = (c.Rank + 1) % c.Size, previous = (c.Rank + c.Size - 1) % c.Size;
        RunThreads(thread =>
        {
            for (int round = 0; round < 20; round++)
            {
                int length = round % 4 == 0 ? 20_000 : round;
                var receive = c.ImmediateReceive<Parcel>(previous, thread);
                var parcel = Parcel.Of(c.Rank, thread, round, length);
                if (round % 2 == 0)
                    c.Send(parcel, next, thread);
                else
                    c.ImmediateSend(parcel, next, thread).Wait();
                receive.Wait();
                ((Parcel)receive.GetValue()!).Verify(previous, thread, round, length);
                // And the blocking form, the value sent first to this rank itself when alone.
                if (c.Size == 1)
                {
                    c.Send(parcel, 0, thread);
                    c.Receive<Parcel>(0, thread).Verify(0, thread, round, length);
                }
            }
        });
    }

    /// <summary>
    /// Every thread receives from any source with one shared tag on one communicator, raw arrays of unknown length
    /// (matched probes, blocking and nonblocking) and serialized values (some with a payload beyond the header):
    /// which thread gets which message is MPI's choice, but each message must be taken exactly once, whole.
    /// </summary>
    [Check(Multithreaded = true)]
    public static void AnySourceReceivesShareOneTag(Intracommunicator c)
    {
        const int PerPeer = Threads * 8, Tag = 7;
        var arrived = new ConcurrentBag<(int Source, int Sequence)>();
        var senders = new Thread(() =>
        {
            var sends = new List<Request>();
            for (int sequence = 0; sequence < PerPeer; sequence++)
            {
                for (int peer = 0; peer < c.Size; peer++)
                {
                    int length = 1 + (sequence * 13 + peer) % 300;
                    sends.Add(sequence % 2 == 0
                        ? c.ImmediateSend(Pattern(c.Rank, sequence, 0, length), peer, Tag)
                        : c.ImmediateSend(Parcel.Of(c.Rank, sequence, 0, sequence % 3 == 1 ? 20_000 : length), peer, Tag + 1)); // some beyond the header
                }
            }
            foreach (var send in sends)
                send.Wait();
        });
        RunThreads(thread =>
        {
            for (int i = 0; i < PerPeer * c.Size / Threads / 2; i++)
            {
                int[] values;
                if (i % 2 == 0)
                {
                    values = c.Receive<int[]>(Communicator.anySource, Tag);
                }
                else
                {
                    var request = c.ImmediateReceive<int[]>(Communicator.anySource, Tag);
                    request.Wait();
                    values = (int[])request.GetValue()!;
                }
                int source = values[0] >> 20, sequence = (values[0] >> 8) & 0xFFF;
                Expect.Sequence(Pattern(source, sequence, 0, values.Length), values);
                arrived.Add((source, sequence));
                c.Receive(Communicator.anySource, Tag + 1, out Parcel parcel, out var status);
                parcel.Verify(status.Source, parcel.Thread, 0, parcel.Numbers.Length);
                arrived.Add((status.Source, parcel.Thread));
            }
        }, extra: senders);
        var expected = Enumerable.Range(0, c.Size)
            .SelectMany(source => Enumerable.Range(0, PerPeer).Select(sequence => (source, sequence)));
        Expect.Sequence(expected.Order(), arrived.Order());
    }

    /// <summary>
    /// Each thread its own duplicate of the world, receiving with any source and any tag (the tag is the round):
    /// messages of one thread's communicator never reach another's.
    /// </summary>
    [Check(Multithreaded = true)]
    public static void AnyTagReceivesOnDuplicates(Intracommunicator c)
    {
        var duplicates = Duplicates(c);
        try
        {
            RunThreads(thread =>
            {
                var comm = duplicates[thread];
                for (int round = 0; round < 12; round++)
                {
                    var sends = Enumerable.Range(0, c.Size)
                        .Select(peer => comm.ImmediateSend(Pattern(c.Rank, thread, round, 50 + peer), peer, round)).ToList();
                    var seen = new HashSet<int>();
                    for (int k = 0; k < c.Size; k++)
                    {
                        var values = new int[64];
                        var status = comm.Receive(Communicator.anySource, Communicator.anyTag, values.AsSpan());
                        Expect.Equal(round, status.Tag);
                        Expect.Sequence(Pattern(status.Source, thread, round, 50 + c.Rank), values.Take(status.Count()));
                        Expect.True(seen.Add(status.Source));
                    }
                    foreach (var send in sends)
                        send.Wait();
                    comm.Barrier(); // no thread's next round overtakes this one's any-tag receives
                }
            });
        }
        finally
        {
            foreach (var comm in duplicates)
                comm.Dispose();
        }
    }

    /// <summary>
    /// Every thread runs collectives on its own duplicate at the same time: span and serialized forms, predefined
    /// and user-defined reductions (all threads share the framework's one user MPI_Op), blocking and nonblocking.
    /// </summary>
    [Check(Multithreaded = true)]
    public static void CollectivesOnDuplicatesAtOnce(Intracommunicator c)
    {
        var duplicates = Duplicates(c);
        int n = c.Size;
        try
        {
            RunThreads(thread =>
            {
                var comm = duplicates[thread];
                for (int round = 0; round < 15; round++)
                {
                    var values = Pattern(c.Rank, thread, round, 1000);
                    var sum = new int[1000];
                    comm.Allreduce<int>(values, sum, Operation<int>.Add);
                    for (int i = 0; i < sum.Length; i += 97)
                        Expect.Equal(Enumerable.Range(0, n).Aggregate(0, (total, r) => unchecked(total + Pattern(r, thread, round, 1000)[i])), sum[i]);

                    long product = comm.Allreduce((long)(c.Rank + thread + round + 1), (x, y) => x * y % 1_000_003);
                    Expect.Equal(Enumerable.Range(0, n).Aggregate(1L, (p, r) => p * (r + thread + round + 1) % 1_000_003), product);

                    var user = new double[257];
                    comm.Allreduce<double>(Enumerable.Repeat((double)c.Rank + thread, 257).ToArray(), user, (x, y) => Math.Max(x, y));
                    Expect.True(user.All(v => v == n - 1 + thread));

                    var parcel = comm.Rank == round % n ? Parcel.Of(round % n, thread, round, 3000) : null;
                    comm.Broadcast(ref parcel, round % n);
                    parcel!.Verify(round % n, thread, round, 3000);

                    var gathered = new int[n * 10];
                    comm.Allgather<int>(Pattern(c.Rank, thread, round, 10), gathered);
                    for (int r = 0; r < n; r++)
                        Expect.Sequence(Pattern(r, thread, round, 10), gathered.Skip(r * 10).Take(10));

                    var names = comm.Allgather($"{c.Rank}/{thread}/{round}");
                    Expect.Sequence(Enumerable.Range(0, n).Select(r => $"{r}/{thread}/{round}"), names);

                    var scanned = new long[3];
                    comm.ImmediateAllreduce<long>(new long[] { c.Rank, thread, round }, scanned, Operation<long>.Max).Wait();
                    Expect.Sequence(new long[] { n - 1, thread, round }, scanned);
                    comm.ImmediateBarrier().Wait();
                }
            });
        }
        finally
        {
            foreach (var comm in duplicates)
                comm.Dispose();
        }
    }

    /// <summary>A serialized value for the checks: who sent it, for which thread and round, with numbers to check.</summary>
    public sealed class Parcel
    {
        public int Rank { get; set; }
        public int Thread { get; set; }
        public int Round { get; set; }
        public string Label { get; set; } = "";
        public int[] Numbers { get; set; } = [];

        public static Parcel Of(int rank, int thread, int round, int length) => new()
        {
            Rank = rank, Thread = thread, Round = round, Label = $"rank {rank} thread {thread} round {round}",
            Numbers = Pattern(rank, thread, round, length),
        };

        public void Verify(int rank, int thread, int round, int length)
        {
            Expect.Equal($"rank {rank} thread {thread} round {round}", Label);
            Expect.Equal((rank, thread, round), (Rank, Thread, Round));
            Expect.Sequence(Pattern(rank, thread, round, length), Numbers);
        }
    }

    // Element 0 names sender, thread (or sequence) and round; the rest depend on all three and the index.
    private static int[] Pattern(int rank, int thread, int round, int length)
    {
        var values = new int[length];
        for (int i = 0; i < length; i++)
            values[i] = i == 0 ? (rank << 20) | (thread << 8) | round : unchecked(rank * 1_000_003 + thread * 7919 + round * 31 + i * 2_654_435);
        return values;
    }

    // Made on the calling thread, in the same order on every rank (duplicating is collective).
    private static Intracommunicator[] Duplicates(Intracommunicator c) =>
        Enumerable.Range(0, Threads).Select(_ => (Intracommunicator)c.Clone()).ToArray();

    /// <summary>
    /// Runs <paramref name="body"/> on <see cref="Threads"/> threads at once (and <paramref name="extra"/> beside
    /// them); throws the first failure, or names the threads still running after <see cref="Patience"/>.
    /// </summary>
    private static void RunThreads(Action<int> body, Thread? extra = null)
    {
        MPI.Environment.RequireThreading(Threading.Multiple);
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(index =>
        {
            var thread = new Thread(() =>
            {
                try
                {
                    body(index);
                }
#pragma warning disable CA1031 // Reported on the check's thread.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failures.Enqueue(e);
                }
            });
            thread.Name = $"check thread {index}";
            return thread;
        }).ToList();
        if (extra is not null)
            threads.Add(extra);
        foreach (var thread in threads)
        {
            thread.IsBackground = true; // a thread stuck in MPI must not keep the process from aborting
            thread.Start();
        }
        var deadline = DateTime.UtcNow + Patience;
        var stuck = threads.Where(thread => !thread.Join(Max(deadline - DateTime.UtcNow))).Select(thread => thread.Name ?? "sender").ToList();
        if (failures.TryDequeue(out var failure))
            throw new CheckFailedException($"a thread failed: {failure}");
        if (stuck.Count > 0)
            throw new CheckFailedException($"still running after {Patience.TotalSeconds} s (deadlock?): {string.Join(", ", stuck)}");
    }

    private static TimeSpan Max(TimeSpan left) => left > TimeSpan.Zero ? left : TimeSpan.Zero;
}
