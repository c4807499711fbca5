using MemoryPack;
using MPI;

// One program, many ranks: mpiexec -n 4 ./RankProgram (published) or mpiexec -n 4 dotnet RankProgram.dll.
// Native AOT rule: values travel as raw memory (unmanaged structs and their arrays) or, serialized, as
// [MemoryPackable] partial types (source-generated); other classes need the JIT. "RankProgram --aot-refusal" shows
// what a published program says when sent one; "RankProgram --exception-in-using", what an exception that leaves
// the environment's using block does: it aborts the whole job (finalizing would wait for ranks that never come).
if (args.Contains("--exception-in-using"))
{
    try
    {
        using var environment = new MPI.Environment(ref args);
        throw new InvalidOperationException($"rank {Communicator.world.Rank} gave up");
    }
    catch (InvalidOperationException e)
    {
        Console.WriteLine($"not aborted: {e.Message}");
    }
    return;
}

MPI.Environment.Run(world =>
{
    // Raw path: no serializer, no code generated at run time.
    double total = world.Allreduce((double)world.Rank, Operation<double>.Add);

    // Serialized path: a [MemoryPackable] record, passed one rank to the right.
    var mine = new Result(world.Rank, MPI.Environment.ProcessorName, [world.Rank, total]);
    world.SendReceive(mine, (world.Rank + 1) % world.Size, 0, (world.Rank + world.Size - 1) % world.Size, 0, out Result left);
    var lines = world.Gather($"rank {world.Rank} of {world.Size}: sum of ranks {total}, from rank {left.Rank} on {left.Host} [{string.Join(",", left.Values)}]", 0);
    if (world.Rank != 0)
        return;
    foreach (var line in lines!)
        Console.WriteLine(line);
    if (args.Contains("--aot-refusal"))
    {
        try
        {
            world.Send(new Unmarked { Text = "plain class" }, 0, 1);
            Console.WriteLine($"unmarked class sent: {world.Receive<Unmarked>(0, 1).Text}");
        }
        catch (NotSupportedException e)
        {
            Console.WriteLine($"unmarked class refused: {e.Message}");
        }
    }
});

/// <summary>What a rank reports: MemoryPack's source generator writes its serializer.</summary>
[MemoryPackable]
internal sealed partial record Result(int Rank, string Host, double[] Values);

/// <summary>A class without [MemoryPackable]: the JIT serializes it (MessagePack), Native AOT refuses it.</summary>
internal sealed class Unmarked
{
    public string Text { get; set; } = "";
}
