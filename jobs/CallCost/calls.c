/* The C reference for Program.cs: the same blocking calls to and from MPI_PROC_NULL, the same counts and output
   lines (`<kind> 8 <nanoseconds per call>`, best of the timed repetitions). */
#include <mpi.h>
#include <stdio.h>

enum { CALLS = 2000000, REPETITIONS = 5, ROUNDS = 3 };

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SINGLE, &provided);
    char buffer[8] = {0};
    long long value;
    double send = 1e300, receive = 1e300, receive_value = 1e300;
    for (int round = 0; round < ROUNDS * REPETITIONS; round++) {
        double start = MPI_Wtime();
        for (int i = 0; i < CALLS; i++)
            MPI_Send(buffer, 8, MPI_UINT8_T, MPI_PROC_NULL, 0, MPI_COMM_WORLD);
        double sent = MPI_Wtime();
        for (int i = 0; i < CALLS; i++) {
            MPI_Status status; /* the C# span receive returns its status */
            MPI_Recv(buffer, 8, MPI_UINT8_T, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &status);
        }
        double received = MPI_Wtime();
        for (int i = 0; i < CALLS; i++)
            MPI_Recv(&value, 1, MPI_INT64_T, MPI_PROC_NULL, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        double end = MPI_Wtime();
        if ((sent - start) / CALLS < send) send = (sent - start) / CALLS;
        if ((received - sent) / CALLS < receive) receive = (received - sent) / CALLS;
        if ((end - received) / CALLS < receive_value) receive_value = (end - received) / CALLS;
    }
    printf("send 8 %.2f\nreceive 8 %.2f\nvalue 8 %.2f\n", send * 1e9, receive * 1e9, receive_value * 1e9);
    MPI_Finalize();
    return 0;
}
