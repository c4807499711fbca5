using System.Runtime.InteropServices;

namespace SpmdChecks;

/// <summary>
/// Whether initializing MPI left libc's memory functions as they were: UCX, as it loads, can rewrite their first
/// instructions in place, and a thread of the runtime inside one of them at that moment crashes the rank.
/// </summary>
internal static class LibraryCodeScenario
{
    private static readonly string[] MemoryFunctions = ["mmap", "munmap", "mremap", "madvise", "brk", "sbrk", "shmat", "shmdt"];

    /// <summary>Reads each function's first bytes, initializes MPI, reads them again; every rank prints what changed.</summary>
    public static void Run(string[] args)
    {
        var libc = NativeLibrary.Load("libc.so.6");
        var before = MemoryFunctions.ToDictionary(name => name, name => FirstBytes(libc, name));
        MPI.Environment.Run(ref args, MPI.Threading.Single, world =>
        {
            var rewritten = MemoryFunctions.Where(name => !FirstBytes(libc, name).SequenceEqual(before[name])).ToList();
            Console.WriteLine(rewritten.Count == 0
                ? $"rank {world.Rank}: libc's memory functions unchanged"
                : $"rank {world.Rank}: rewritten by MPI_Init: {string.Join(' ', rewritten)}");
        });
    }

    private static unsafe byte[] FirstBytes(nint library, string name) =>
        new ReadOnlySpan<byte>((void*)NativeLibrary.GetExport(library, name), 16).ToArray();
}
