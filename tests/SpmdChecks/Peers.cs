using MPI;

namespace SpmdChecks;

/// <summary>Ring neighbours, and an exchange order that cannot deadlock however large the messages.</summary>
internal static class Peers
{
    public static int Next(Communicator c) => (c.Rank + 1) % c.Size;

    public static int Previous(Communicator c) => (c.Rank + c.Size - 1) % c.Size;

    /// <summary>Sends to the next rank and receives from the previous one; even ranks send first.</summary>
    public static void Ring(Communicator c, Action<int> sendToNext, Action<int> receiveFromPrevious)
    {
        if (c.Rank % 2 == 0)
        {
            sendToNext(Next(c));
            receiveFromPrevious(Previous(c));
        }
        else
        {
            receiveFromPrevious(Previous(c));
            sendToNext(Next(c));
        }
    }
}
