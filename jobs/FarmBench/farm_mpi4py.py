# The mpi4py.futures side of FarmBench: run as `mpiexec -n 3 python3 -m mpi4py.futures farm_mpi4py.py <tasks> <chunk>`
# (rank 0 runs this script, the other ranks serve as workers). Prints one RESULT line.
import sys
import time

from mpi4py.futures import MPIPoolExecutor


def square(x):
    return x * x


if __name__ == '__main__':
    tasks, chunk = int(sys.argv[1]), int(sys.argv[2])
    with MPIPoolExecutor() as executor:
        list(executor.map(square, range(1000), chunksize=chunk))  # warm up
        start = time.perf_counter()
        results = list(executor.map(square, range(tasks), chunksize=chunk))
        seconds = time.perf_counter() - start
    assert results[-1] == (tasks - 1) ** 2
    label = "mpi4py unchunked" if chunk == 1 else f"mpi4py chunk {chunk}"
    print(f"RESULT {label} tasks={tasks} seconds={seconds:.4f} rate={tasks / seconds:.0f}")
