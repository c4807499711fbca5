using System.Runtime.InteropServices;

namespace MPI.Native;

/// <summary>
/// Open MPI parameters the framework sets for its rank before MPI_Init, where the user has not set them: they are
/// read from the process environment (OMPI_MCA_*), which has to be changed natively, as .NET keeps its own copy.
/// </summary>
internal static partial class OpenMpiSettings
{
    // Debian's openmpi-mca-params.conf has "osc = ^ucx,pt2pt", which leaves osc/sm and osc/rdma. Neither can make a
    // window over existing memory (MPI_Win_create) for a single process, so a one-rank job (or a window over a
    // one-rank communicator) fails. Allowing pt2pt back as the last choice mends that; sm and rdma are still
    // preferred wherever they accept the window.
    private const string OneSidedComponents = "sm,rdma,pt2pt";

    /// <summary>Sets the defaults into the native environment; a value the user set is left alone.</summary>
    public static void Apply()
    {
        if (System.Environment.GetEnvironmentVariable("OMPI_MCA_osc") is null)
            _ = SetEnvironment("OMPI_MCA_osc", OneSidedComponents, overwrite: 0);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}
