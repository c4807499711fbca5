// Every rank reports its rank, the world size, its host and the MPI library; rank 0 prints them in rank order.
MPI.Environment.Run(world =>
{
    var report = $"rank {world.Rank} of {world.Size} on {MPI.Environment.ProcessorName}: {MPI.Environment.LibraryVersionLine}";
    if (world.Rank != 0)
    {
        world.Send(report, 0, 0);
        return;
    }
    Console.WriteLine(report);
    for (int rank = 1; rank < world.Size; rank++)
        Console.WriteLine(world.Receive<string>(rank, 0));
});
