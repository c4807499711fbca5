// The seed article's experiment in C#: three workloads (CPU-bound: a pure integer loop; IO-bound: write then read
// millions of lines; network-bound: 10 HTTP GETs to a loopback server answering in 0.3 to 0.7 s), each run
// sequentially, with threads, with async (network only), with ranks under mpiexec (message passing) and with ranks
// sharing a window (shared memory). Prints the table in seconds with speed-ups against sequential, beside the
// article's Python figures. Every cell is verified (same checksum and count); the exit code is 1 if any cell failed.
// Run it without mpiexec: it starts mpiexec itself for the rank variants (and itself as the ranks, with --worker).
// Usage: SeedTable [--mpi openmpi|mpich] [--ranks N] [--threads N] [--quick] [--cpu ITERATIONS] [--lines N]
//                  [--requests N] [--delay-scale X] [--repeat N]
Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
return options.Worker is null ? await Table.RunAsync(options) : RankWorker.Run(options);
