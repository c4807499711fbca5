using System.Net.Sockets;
using MPI.Launch;
using MPI.Logging;

namespace Launch.Tests;

/// <summary>
/// The exit channel orders the ends of the ranks it watches as the kernel saw them, and gives no order to ends it found
/// only after they had happened (its thread was held, as a busy launcher's is on a loaded machine): the first of
/// those may have ended before any other, and a job whose first failure is read from the order would name another.
/// </summary>
[TestFixture]
public sealed class ExitWatchTests
{
    [Test]
    public void EndsFoundOnlyAfterTheyHappenedGetNoPlaceInTheOrder()
    {
        using var watch = new ProcessExitWatch(JobContract.ExitChannelName($"test-{Guid.NewGuid():N}"));
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // The handler of an end runs on the watch's thread: holding it keeps the watch from looking at anything else.
        watch.Exited += rank =>
        {
            if (rank == 9)
            {
                holding.Set();
                release.Wait(Eventually.Deadline);
            }
        };

        // Ranks 2, 3 and 9 are watched; 9 ends first (its end holds the watch), then 3, then 2.
        using (Rank(watch, 2))
        using (Rank(watch, 3))
        using (Rank(watch, 9))
        {
        }
        Assert.That(holding.Wait(Eventually.Deadline), Is.True, "the end of rank 9 was not seen");
        // Meanwhile ranks 0 and 1 connect and end, 1 first; the watch finds both ended when it looks again.
        var zero = Connect(watch.Name, 0);
        var one = Connect(watch.Name, 1);
        one.Dispose();
        zero.Dispose();
        release.Set();
        Eventually.Holds(() => watch.HasEnded(0) && watch.HasEnded(1), "the watch seeing ranks 0 and 1 ended");

        Assert.That(watch.EndedInOrder(), Is.EqualTo(new[] { 9, 3, 2 }),
            "the ends the watch waited on, in the kernel's order, and no place for those found late (it had put 0 before 1)");
    }

    // A rank's connection as the rank runtime makes it (RankLogging.ConnectExitChannel): connect, say the rank, hold.
    private static Socket Connect(string name, int rank)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint("\0" + name));
        socket.Send(System.Text.Encoding.ASCII.GetBytes($"{rank}\n"));
        return socket;
    }

    // A rank that the watch has read, so its end is seen as it happens.
    private static Socket Rank(ProcessExitWatch watch, int rank)
    {
        var socket = Connect(watch.Name, rank);
        Eventually.Holds(() => watch.IsWatching(rank), $"the watch reading rank {rank}");
        return socket;
    }
}
