/* The C twin of Program.cs: the same operations, sizes, repetitions and output lines
   ("<operation> <bytes> <microseconds per operation>", best of the timed repetitions, slowest rank's time). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { WARM_UP_REPETITIONS = 200, REPETITIONS = 40 }; /* the same warm-up as Program.cs, which needs it for its JIT */
enum { ALLREDUCE_COUNT = 1 << 20, BROADCAST_BYTES = 1 << 20, ALLTOALL_BLOCK = 64 << 10 };
/* Operations per timed repetition, about a millisecond's worth each (see Program.cs). */
enum { ALLREDUCES_PER_REPETITION = 1, BROADCASTS_PER_REPETITION = 32, ALLTOALLS_PER_REPETITION = 128 };

static double *values, *sums;
static char *broadcast, *outgoing, *incoming;

/* Zeroed and page-aligned, like the C# job's NativeBuffer: malloc puts blocks this large 16 bytes past a page
   boundary, and the libraries' copy loops run at different speeds on differently aligned buffers, so both programs
   must use the same alignment for the ratio to measure the binding. */
static void *allocate(size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *block = aligned_alloc(page, (bytes + page - 1) / page * page); /* C11: a multiple of the alignment */
    if (!block) {
        fprintf(stderr, "collbench: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return memset(block, 0, bytes);
}

static void run_allreduce(void) { MPI_Allreduce(values, sums, ALLREDUCE_COUNT, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); }
static void run_broadcast(void) { MPI_Bcast(broadcast, BROADCAST_BYTES, MPI_BYTE, 0, MPI_COMM_WORLD); }
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
    report(rank, "alltoall", ALLTOALL_BLOCK, ALLTOALLS_PER_REPETITION, run_alltoall);
    free(values); free(sums); free(broadcast); free(outgoing); free(incoming);
    MPI_Finalize();
    return 0;
}
