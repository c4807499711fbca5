/* Ping-pong between exactly two ranks, the C reference for Program.cs: the same sizes, iteration counts,
   repetitions and output lines (`latency <bytes> <microseconds>`, `bandwidth <bytes> <MB/s>`, 1 MB = 10^6 bytes),
   each value the best of the timed repetitions.
     pingpong               every size, from a malloc'd buffer
     pingpong plain|huge    large messages only (bandwidth at 1, 2 and 4 MiB), from a malloc'd buffer or from a
                            2 MiB-aligned mapping advised to use transparent huge pages (as numpy allocates large
                            arrays), the references for Program.cs's managed and pooled modes
   With PINGPONG_PRIVATE_COMMUNICATOR=create_group in its environment it first makes a communicator of all ranks with
   MPI_Comm_create_group, as the framework does at start-up for its private communicator; with =dup, it duplicates
   MPI_COMM_WORLD instead, as the framework did before (README, "Small-message latency"). Either way it measures on
   MPI_COMM_WORLD all the same. */
#include <mpi.h>
#include "../include/huge_pages.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>

enum { LATENCY_MAX = 64 << 10, LARGE_MIN = 1 << 20, BANDWIDTH_MAX = 4 << 20, REPETITIONS = 5,
       STEADY_STATE_ROUND_TRIPS = 500000 };

/* About 64 MiB each way per repetition, at least 16 and at most 8192 round trips. */
static int iterations_for(int size)
{
    int n = (64 << 20) / (size > 1 ? size : 1);
    return n < 16 ? 16 : n > 8192 ? 8192 : n;
}

static void exchange(int first, char *message, int size, int iterations)
{
    for (int i = 0; i < iterations; i++) {
        if (first) {
            MPI_Send(message, size, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(message, size, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(message, size, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(message, size, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
        }
    }
}

int main(int argc, char **argv)
{
    int rank, ranks;
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SINGLE, &provided); /* the level the C# job asks for */
    MPI_Comm private_communicator = MPI_COMM_NULL;
    const char *making = getenv("PINGPONG_PRIVATE_COMMUNICATOR");
    if (making != NULL && strcmp(making, "dup") == 0)
        MPI_Comm_dup(MPI_COMM_WORLD, &private_communicator);
    else if (making != NULL && strcmp(making, "create_group") == 0) {
        MPI_Group everyone;
        MPI_Comm_group(MPI_COMM_WORLD, &everyone);
        MPI_Comm_create_group(MPI_COMM_WORLD, everyone, 0, &private_communicator);
        MPI_Group_free(&everyone);
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (ranks != 2) {
        if (rank == 0)
            fprintf(stderr, "pingpong needs exactly 2 ranks, not %d: run it with mpiexec -n 2.\n", ranks);
        MPI_Finalize();
        return 2;
    }
    int first = rank == 0;
    int large = argc > 1, huge = large && strcmp(argv[1], "huge") == 0;
    if (large && !huge && strcmp(argv[1], "plain") != 0) {
        if (rank == 0)
            fprintf(stderr, "pingpong: unknown buffer kind '%s' (expected plain or huge)\n", argv[1]);
        MPI_Finalize();
        return 2;
    }
    /* One buffer for every size, written once so that no page is first touched while the clock runs. */
    char *buffer = huge ? allocate_huge(BANDWIDTH_MAX) : malloc(BANDWIDTH_MAX);
    if (!buffer) {
        fprintf(stderr, "pingpong: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    memset(buffer, 1, BANDWIDTH_MAX);
    exchange(first, buffer, 8, STEADY_STATE_ROUND_TRIPS); /* the same steady-state phase as Program.cs */
    for (int size = large ? LARGE_MIN : 0; size <= BANDWIDTH_MAX; size = size == 0 ? 8 : size * 2) {
        int iterations = iterations_for(size);
        exchange(first, buffer, size, iterations); /* warm-up: the library's connection and protocol setup */
        double best = 1e300;
        for (int repetition = 0; repetition < REPETITIONS; repetition++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double start = MPI_Wtime();
            exchange(first, buffer, size, iterations);
            double half = (MPI_Wtime() - start) / (2.0 * iterations);
            if (half < best)
                best = half;
        }
        if (!first)
            continue;
        if (size <= LATENCY_MAX)
            printf("latency %d %.3f\n", size, best * 1e6);
        if (size >= LATENCY_MAX)
            printf("bandwidth %d %.1f\n", size, size / best / 1e6);
    }
    if (huge)
        munmap(buffer, BANDWIDTH_MAX);
    else
        free(buffer);
    if (private_communicator != MPI_COMM_NULL)
        MPI_Comm_free(&private_communicator);
    MPI_Finalize();
    return 0;
}
