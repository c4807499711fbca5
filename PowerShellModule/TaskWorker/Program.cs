// spmd-taskworker <farm definition file>: the rank program of a PowerShell task farm (see MPI.Logging.TaskFarmContract).
// Being written for issue 15.
return 2;
