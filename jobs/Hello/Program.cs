using MemoryPack;

// Every rank reports its rank, the world size, its host and the MPI library; rank 0 prints them in rank order, then
// the sum of the ranks (a raw Allreduce). Its C twin, hello.c, does the same; run.sh times both (and the JIT build).
// "Hello objects" also sends a [MemoryPackable] record around the ring (the serialized path that needs no code
// generated at run time, so it works Native AOT) and, on rank 0, tries to send a plain class, which a Native AOT
// program refuses with a NotSupportedException naming the type.
bool objects = args is ["objects"];
MPI.Environment.Run(world =>
{
    var report = $"rank {world.Rank} of {world.Size} on {MPI.Environment.ProcessorName}: {MPI.Environment.LibraryVersionLine}";
    if (world.Rank != 0)
        world.Send(report, 0, 0);
    else
    {
        Console.WriteLine(report);
        for (int rank = 1; rank < world.Size; rank++)
            Console.WriteLine(world.Receive<string>(rank, 0));
    }
    int sum = world.Allreduce(world.Rank, MPI.Operation<int>.Add);
    if (world.Rank == 0)
        Console.WriteLine($"sum of ranks {sum}");
    if (objects)
        SendObjects(world);
});

static void SendObjects(MPI.Intracommunicator world)
{
    var sent = new Greeting(world.Rank, $"from {world.Rank}", [world.Rank, world.Rank * 0.5]);
    world.SendReceive(sent, (world.Rank + 1) % world.Size, 1, (world.Rank + world.Size - 1) % world.Size, 1, out Greeting received);
    var lines = world.Gather($"rank {world.Rank} received {received.Rank} '{received.Text}' [{string.Join(",", received.Values)}]", 0);
    if (world.Rank != 0)
        return;
    foreach (var line in lines!)
        Console.WriteLine(line);
    try
    {
        world.Send(new Plain { Text = "not MemoryPackable" }, 0, 2);
        Console.WriteLine($"plain class: {world.Receive<Plain>(0, 2).Text}");
    }
    catch (NotSupportedException e)
    {
        Console.WriteLine($"plain class refused: {e.Message}");
    }
}

/// <summary>A record MemoryPack's source generator serializes (no code generated at run time).</summary>
[MemoryPackable]
internal sealed partial record Greeting(int Rank, string Text, List<double> Values);

/// <summary>A class without [MemoryPackable]: the JIT serializes it (MessagePack), a Native AOT program refuses it.</summary>
internal sealed class Plain
{
    public string Text { get; set; } = "";
}
