/* The C twin of Program.cs (run.sh times both): every rank sends "rank R of N on host: <library version line>" to
 * rank 0, which prints them in rank order, then the sum of the ranks (MPI_Allreduce). */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    int rank, size, length, sum;
    char host[MPI_MAX_PROCESSOR_NAME], version[MPI_MAX_LIBRARY_VERSION_STRING], report[512];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &length);
    MPI_Get_library_version(version, &length);
    version[strcspn(version, "\n")] = '\0';
    snprintf(report, sizeof report, "rank %d of %d on %s: %s", rank, size, host, version);
    if (rank != 0) {
        MPI_Send(report, (int)strlen(report) + 1, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
    } else {
        puts(report);
        for (int source = 1; source < size; source++) {
            MPI_Recv(report, sizeof report, MPI_CHAR, source, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            puts(report);
        }
    }
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("sum of ranks %d\n", sum);
    MPI_Finalize();
    return 0;
}
