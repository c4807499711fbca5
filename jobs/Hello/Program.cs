// Every rank reports its rank, the world size, its host and the MPI library; rank 0 prints them in rank order, then
// the sum of the ranks (a raw Allreduce). Its C twin, hello.c, does the same; run.sh times both, and this program
// published Native AOT and on the JIT.
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
});
