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
            // MPICH built with ch4:ucx (Debian's) cannot connect to processes started at run time: say so plainly.
            if (code != 0 && Mpi.Abi.Kind == MpiAbiKind.Mpich)
                throw new NotSupportedException(
                    $"Spawning processes failed with {Mpi.LibraryName} ({Environment.LibraryVersionLine}): " +
                    $"{Mpi.ErrorString(code)}. This MPICH build cannot start processes at run time; start every " +
                    "process with mpiexec instead, or use Open MPI.", ErrorTranslation.ToException(code));
            Mpi.Check(code);
            var intercomm = Mpi.ReadHandle(&handle);
            Mpi.Check(Mpi.Comm_set_errhandler(intercomm, Mpi.Abi.ErrorsReturn));
            return new Intercommunicator(intercomm);
        }
        finally
        {
            foreach (var pointer in strings)
                NativeMemory.Free((void*)pointer);
        }
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
        var parent = Mpi.ReadHandle(&handle);
        if (parent == Mpi.Abi.CommNull)
            return;
        Mpi.Check(Mpi.Comm_set_errhandler(parent, Mpi.Abi.ErrorsReturn));
        _parent = new Intercommunicator(parent);
    }
}
