using System.Runtime.InteropServices;
using System.Text;
using MPI.Native;

namespace MPI;

/// <summary>MPI_Comm_spawn and MPI_Comm_get_parent, and which libraries can use them here.</summary>
internal static unsafe class DynamicProcesses
{
    public static Intercommunicator Spawn(Intracommunicator parent, string command, string[] argv, int maxprocs,
        int root)
    {
        var strings = new List<nint>();
        try
        {
            nint Utf8(string text)
            {
                var bytes = Encoding.UTF8.GetByteCount(text);
                var memory = (byte*)NativeMemory.Alloc((nuint)bytes + 1);
                Encoding.UTF8.GetBytes(text, new Span<byte>(memory, bytes));
                memory[bytes] = 0;
                strings.Add((nint)memory);
                return (nint)memory;
            }

            var commandPointer = (byte*)Utf8(command);
            var argumentPointers = new nint[argv.Length + 1];
            for (int i = 0; i < argv.Length; i++)
                argumentPointers[i] = Utf8(argv[i]);
            var errors = new int[maxprocs];
            long handle = 0;
            int code;
            fixed (nint* arguments = argumentPointers)
            fixed (int* errorCodes = errors)
            {
                code = Mpi.Comm_spawn(commandPointer, (byte**)arguments, maxprocs, Mpi.Abi.InfoNull, root,
                    parent.LiveHandle, &handle, errorCodes);
            }
            if (code != 0)
                throw SpawnFailure(code);
            return new Intercommunicator(CommHandle.Adopt(&handle));
        }
        finally
        {
            foreach (var pointer in strings)
                NativeMemory.Free((void*)pointer);
        }
    }

    /// <summary>
    /// What a failed MPI_Comm_spawn means, from the library's own error: an argument the library rejects stays an
    /// <see cref="MpiArgumentException"/>; any other error means the library did not start the processes. That is how
    /// a build without dynamic processes answers (Debian's MPICH, ch4:ucx, returns MPI_ERR_OTHER "Error in spawn call"
    /// at once on every rank, without asking its launcher), so it becomes a <see cref="NotSupportedException"/> that
    /// carries the library's own message and class, whatever the ABI: Intel MPI and MVAPICH share MPICH's and spawn.
    /// </summary>
    private static Exception SpawnFailure(int code)
    {
        var error = ErrorTranslation.ToException(code);
        if (error is MpiArgumentException)
            return error;
        return new NotSupportedException(
            $"Spawning processes failed with {Mpi.LibraryName} ({Environment.LibraryVersionLine}): " +
            $"{Mpi.ErrorString(code)} (MPI error class {Mpi.ErrorClass(code)}). This library cannot start processes " +
            "at run time here; start every process with mpiexec instead, or use a library that can spawn " +
            "(Open MPI).", error);
    }

    private static Intercommunicator? _parent;
    private static bool _parentKnown;

    /// <summary>
    /// The intercommunicator to the processes that spawned this one, or null when none did: one object per
    /// process, so the handle is freed at most once.
    /// </summary>
    public static Intercommunicator? Parent()
    {
        if (_parentKnown)
            return _parent;
        AdoptParentAtStart();
        return _parent;
    }

    /// <summary>
    /// Called while MPI_COMM_WORLD is wrapped at start-up: a spawned process wraps its parent intercommunicator then,
    /// because wrapping duplicates it (collective with the parents, who do so when Spawn returns), which cannot
    /// wait until the first rank happens to ask for <see cref="Communicator.Parent"/>.
    /// </summary>
    public static void AdoptParentAtStart()
    {
        if (_parentKnown)
            return;
        _parentKnown = true;
        long handle = 0;
        Mpi.Check(Mpi.Comm_get_parent(&handle));
        var parent = CommHandle.Adopt(&handle);
        if (parent.Value != 0)
            _parent = new Intercommunicator(parent);
    }
}
