# The mpi4py twin of ObjectBench (Program.cs): the same cases through mpi4py's pickle path (comm.send/recv,
# allreduce with a Python operation, bcast), and its buffer path (comm.Send/Recv) for the -raw cases. Rank 0 prints
# `<case> <elements> <microseconds>` like the C# program.
#   mpiexec.openmpi -n 2 python3 object_mpi4py.py
import dataclasses
import random
import sys

from mpi4py import MPI


@dataclasses.dataclass
class Sample:  # the C# record Sample(int Id, long Stamp, double Weight, string Name, bool Active)
    id: int
    stamp: int
    weight: float
    name: str
    active: bool


@dataclasses.dataclass
class Samples:  # the C# records Samples (double[]) and SampleList (List<double>): a name and a list of floats
    name: str
    values: list


COLLECTION_SIZES = [1, 128, 8192, 131072]
BYTE_SIZES = [16384, 65536, 1048576]
WARM_UP_SECONDS = 0.3


def iterations(size):
    return max(3, min(5000, 4_000_000 // (size + 1000)))


def time(comm, timed, what, elements, count, body, per_iteration=1):
    # Warm-up for at least WARM_UP_SECONDS, decided by rank 0's clock, as the C# program does.
    warm_up_start = MPI.Wtime()
    more = True
    while more:
        for _ in range(max(count // 4, 2)):
            body()
        more = comm.bcast(MPI.Wtime() - warm_up_start < WARM_UP_SECONDS, 0)
    if not timed:
        return
    best = float("inf")
    for _ in range(3):
        comm.Barrier()
        start = MPI.Wtime()
        for _ in range(count):
            body()
        best = min(best, (MPI.Wtime() - start) / (per_iteration * count))
    if comm.rank == 0:
        print(f"{what} {elements} {best * 1e6:.3f}", flush=True)


def ping_pong(comm, timed, what, elements, value, size):
    state = [value]

    def body():
        if comm.rank == 0:
            comm.send(state[0], 1, 0)
            state[0] = comm.recv(source=1, tag=0)
        else:
            state[0] = comm.recv(source=0, tag=0)
            comm.send(state[0], 0, 0)

    time(comm, timed, what, elements, iterations(size), body, per_iteration=2)


def ping_pong_raw(comm, timed, what, data):
    buffer = bytearray(len(data))

    def body():
        if comm.rank == 0:
            comm.Send(data, 1, 0)
            comm.Recv(buffer, 1, 0)
        else:
            comm.Recv(buffer, 0, 0)
            comm.Send(buffer, 0, 0)

    time(comm, timed, what, len(data), iterations(len(data)), body, per_iteration=2)


def add(x, y):
    return [a + b for a, b in zip(x, y)]


def main():
    comm = MPI.COMM_WORLD
    if comm.size != 2:
        if comm.rank == 0:
            print("object_mpi4py.py needs exactly 2 ranks.", file=sys.stderr)
        sys.exit(2)
    # Two passes, timed only the second, as the C# program does (it needs the first for its JIT).
    for timed in (False, True):
        ping_pong(comm, timed, "record", 1, Sample(7, 1_234_567_890_123, 7.5, "seven", True), 8)
        ping_pong(comm, timed, "string", 1, "hello, rank", 8)
        for n in COLLECTION_SIZES:
            values = [i * 0.5 for i in range(n)]
            ping_pong(comm, timed, "list", n, values, 8 * n)
            ping_pong(comm, timed, "obj-array", n, Samples("block", list(values)), 8 * n)
            ping_pong(comm, timed, "obj-list", n, Samples("block", list(values)), 8 * n)
        for n in BYTE_SIZES:
            data = random.Random(n).randbytes(n)
            ping_pong(comm, timed, "bytes", n, data, n)
            ping_pong_raw(comm, timed, "bytes-raw", data)
            text = "x" * n
            ping_pong(comm, timed, "text", n, text, n)
            ping_pong_raw(comm, timed, "text-raw", text.encode())
        for n in [1, 1024, 131072]:
            values = [i * 0.5 + comm.rank for i in range(n)]
            time(comm, timed, "allreduce", n, iterations(8 * n), lambda: comm.allreduce(values, op=add))
        for n in [1024, 131072]:
            values = [i * 0.5 for i in range(n)]
            time(comm, timed, "bcast", n, iterations(8 * n), lambda: comm.bcast(values if comm.rank == 0 else None, 0))


main()
