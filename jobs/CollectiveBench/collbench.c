/* The C twin of Program.cs: the same operations, sizes, repetitions and output lines
   ("<operation> <bytes> <microseconds per operation>", best of the timed repetitions, slowest rank's time).
     collbench              page-aligned buffers (aligned_alloc)
     collbench plain        the same, plus Broadcast of 4 MiB (the reference for Program.cs's managed mode)
     collbench huge         2 MiB-aligned buffers advised to use transparent huge pages, as numpy allocates large
                            arrays, plus Broadcast of 4 MiB (the reference for Program.cs's pooled mode) */
#include <mpi.h>
#include "../include/huge_pages.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { WARM_UP_REPETITIONS = 200, REPETITIONS = 40 }; /* the same warm-up as Program.cs, which needs it for its JIT */
enum { ALLREDUCE_COUNT = 1 << 20, BROADCAST_BYTES = 1 << 20, LARGE_BROADCAST_BYTES = 4 << 20, ALLTOALL_BLOCK = 64 << 10 };
/* Operations per timed repetition, about a millisecond's worth each (see Program.cs). */
enum { ALLREDUCES_PER_REPETITION = 1, BROADCASTS_PER_REPETITION = 32, ALLTOALLS_PER_REPETITION = 128 };

static double *values, *sums;
static char *broadcast, *large_broadcast, *outgoing, *incoming;
static int huge;

/* Zeroed and page-aligned, like the C# job's NativeBuffer: malloc puts blocks this large 16 bytes past a page
   boundary, and the libraries' copy loops run at different speeds on differently aligned buffers, so both programs
   must use the same alignment for the ratio to measure the binding. */
static void *allocate(size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *block = huge ? allocate_huge(bytes) : aligned_alloc(page, (bytes + page - 1) / page * page);
    if (!block) {
        fprintf(stderr, "collbench: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return memset(block, 0, bytes);
}

static void run_allreduce(void) { MPI_Allreduce(values, sums, ALLREDUCE_COUNT, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); }
static void run_broadcast(void) { MPI_Bcast(broadcast, BROADCAST_BYTES, MPI_BYTE, 0, MPI_COMM_WORLD); }
static void run_large_broadcast(void) { MPI_Bcast(large_broadcast, LARGE_BROADCAST_BYTES, MPI_BYTE, 0, MPI_COMM_WORLD); }
static void run_alltoall(void)
{
    MPI_Alltoall(outgoing, ALLTOALL_BLOCK, MPI_BYTE, incoming, ALLTOALL_BLOCK, MPI_BYTE, MPI_COMM_WORLD);
}

static void report(int rank, const char *operation, int bytes, int operations_per_repetition, void (*run)(void))
{
    for (int i = 0; i < WARM_UP_REPETITIONS * operations_per_repetition; i++)
        run(); /* warm-up */
    double best = 1e300;
    for (int repetition = 0; repetition < REPETITIONS; repetition++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        for (int i = 0; i < operations_per_repetition; i++)
            run();
        double elapsed = (MPI_Wtime() - start) / operations_per_repetition;
        if (elapsed < best)
            best = elapsed;
    }
    double slowest;
    MPI_Allreduce(&best, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s %d %.3f\n", operation, bytes, slowest * 1e6);
}

int main(int argc, char **argv)
{
    int rank, ranks;
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SINGLE, &provided); /* the level the C# job asks for */
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    int large = argc > 1;
    huge = large && strcmp(argv[1], "huge") == 0;
    if (large && !huge && strcmp(argv[1], "plain") != 0) {
        if (rank == 0)
            fprintf(stderr, "collbench: unknown buffer kind '%s' (expected plain or huge)\n", argv[1]);
        MPI_Finalize();
        return 2;
    }
    values = allocate(sizeof(double) * ALLREDUCE_COUNT);
    sums = allocate(sizeof(double) * ALLREDUCE_COUNT);
    broadcast = allocate(BROADCAST_BYTES);
    outgoing = allocate((size_t)ALLTOALL_BLOCK * ranks);
    incoming = allocate((size_t)ALLTOALL_BLOCK * ranks);
    for (int i = 0; i < ALLREDUCE_COUNT; i++)
        values[i] = rank + 1;
    memset(outgoing, rank, (size_t)ALLTOALL_BLOCK * ranks);
    report(rank, "allreduce", ALLREDUCE_COUNT * (int)sizeof(double), ALLREDUCES_PER_REPETITION, run_allreduce);
    report(rank, "broadcast", BROADCAST_BYTES, BROADCASTS_PER_REPETITION, run_broadcast);
    if (large) {
        large_broadcast = allocate(LARGE_BROADCAST_BYTES);
        report(rank, "broadcast", LARGE_BROADCAST_BYTES, BROADCASTS_PER_REPETITION / 4, run_large_broadcast);
    }
    report(rank, "alltoall", ALLTOALL_BLOCK, ALLTOALLS_PER_REPETITION, run_alltoall);
    if (!huge) {
        free(values); free(sums); free(broadcast); free(large_broadcast); free(outgoing); free(incoming);
    }
    MPI_Finalize();
    return 0;
}
