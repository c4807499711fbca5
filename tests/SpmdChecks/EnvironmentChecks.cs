using MPI;
using MPI.Native;

namespace SpmdChecks;

/// <summary>The environment: state, nesting, threading, clocks, library identity, error translation.</summary>
internal static class EnvironmentChecks
{
    [Check]
    public static void State(Intracommunicator c)
    {
        Expect.True(MPI.Environment.Initialized);
        Expect.False(MPI.Environment.Finalized);
        Expect.True(ReferenceEquals(c, Communicator.world));
        Expect.Equal(1, Communicator.self.Size);
        Expect.Equal(0, Communicator.self.Rank);
        Expect.True(c.Rank >= 0 && c.Rank < c.Size);
        var announced = System.Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE")
            ?? System.Environment.GetEnvironmentVariable("PMI_SIZE") ?? "1";
        Expect.Equal(announced, c.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Check]
    public static void NestedEnvironmentIsNoOp(Intracommunicator c)
    {
        var args = Array.Empty<string>();
        // A nested environment must neither re-initialize nor replace the world communicator.
        _ = new MPI.Environment(ref args);
        Expect.True(ReferenceEquals(c, Communicator.world));
        Expect.False(MPI.Environment.Finalized);
        // Nor does disposing it finalize MPI: the outer environment still runs.
        using (new MPI.Environment(ref args))
            c.Barrier();
        Expect.False(MPI.Environment.Finalized);
        Expect.Equal(c.Size, c.Allreduce(1, Operation<int>.Add));
    }

    [Check]
    public static void ThreadingAndClocks(Intracommunicator c)
    {
        Expect.Equal(Threading.Serialized, MPI.Environment.Threading);
        Expect.True(MPI.Environment.IsMainThread);
        var notMain = true;
        var thread = new Thread(() => notMain = MPI.Environment.IsMainThread);
        thread.Start();
        thread.Join();
        Expect.False(notMain);
        var before = MPI.Environment.Time;
        Thread.Sleep(20);
        Expect.True(MPI.Environment.Time - before >= 0.015);
        Expect.True(MPI.Environment.TimeResolution is > 0 and < 0.01);
        _ = MPI.Environment.IsTimeGlobal;
        Expect.True(MPI.Environment.MaxTag >= 32767);
        Expect.True(MPI.Environment.ProcessorName.Length > 0);
        Expect.True(MPI.Environment.IORank is null || MPI.Environment.IORank >= Communicator.anySource);
        _ = MPI.Environment.HostRank;
        _ = c;
    }

    [Check]
    public static void LibraryMatchesLauncher(Intracommunicator c)
    {
        // The harness says which implementation it launched; the bound library must be that one.
        var expected = System.Environment.GetEnvironmentVariable("SPMD_EXPECTED_ABI");
        if (expected is not null)
            Expect.Equal(expected, MPI.Environment.AbiKind.ToString());
        var version = MPI.Environment.LibraryVersion;
        Expect.True(MPI.Environment.AbiKind == MpiAbiKind.OpenMpi ? version.Contains("Open MPI", StringComparison.Ordinal)
            : version.Contains("MPICH", StringComparison.Ordinal));
        _ = c;
    }

    [Check]
    public static void ErrorClassesBecomeExceptions(Intracommunicator c)
    {
        var errors = Mpi.Abi.Errors;
        var truncated = MPI.Environment.TranslateErrorIntoException(errors.Truncate);
        Expect.True(truncated is MessageTruncatedException);
        var rank = MPI.Environment.TranslateErrorIntoException(errors.Rank);
        Expect.True(rank is MpiArgumentException { ErrorClass: var rankClass } && rankClass == errors.Rank);
        Expect.True(rank.Message.Contains("rank", StringComparison.OrdinalIgnoreCase));
        foreach (var argumentClass in new[] { errors.Tag, errors.Count, errors.Comm, errors.Type, errors.Buffer })
            Expect.True(MPI.Environment.TranslateErrorIntoException(argumentClass) is ArgumentException);
        var other = MPI.Environment.TranslateErrorIntoException(errors.Intern);
        Expect.True(other is MpiException { ErrorClass: var otherClass } && otherClass == errors.Intern);
        Expect.Equal(errors.Intern, (int)other.Data["MPI.ErrorClass"]!);
        _ = c;
    }
}
