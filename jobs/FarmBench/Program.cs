// Task farm throughput against mpi4py.futures. Being written for issue 15.
return 2;
