// C signatures that code above Native/ passes around by name, as C code names them with typedefs. Each is written
// here once; the entry points of that signature are declared with the name (Mpi.Groups.cs, Mpi.Collectives.cs).

// MPI_User_function: (invec, inoutvec, len, datatype), the datatype handle passed by pointer.
global using unsafe UserFunction = delegate* unmanaged<void*, void*, int*, void*, void>;

// MPI_Group_union, MPI_Group_intersection, MPI_Group_difference: (group1, group2, newgroup).
global using unsafe GroupSetOperation = delegate* unmanaged<nint, nint, void*, int>;

// MPI_Group_incl, MPI_Group_excl: (group, n, ranks, newgroup).
global using unsafe GroupSelection = delegate* unmanaged<nint, int, int*, void*, int>;
