using System.Diagnostics;

namespace Framework.Tests;

/// <summary>
/// A rank's stdout carries only what the program writes: no terminal control bytes from the .NET console, whose
/// first use on a terminal writes the keypad-transmit sequence of <c>TERM</c> (ESC [?1h ESC = for xterm). Open MPI
/// gives each rank a pseudo-terminal for stdout; MPICH's Hydra gives pipes. The program writes a line before it
/// initializes MPI, so the console is initialized by the program's own write.
/// </summary>
[TestFixture]
public sealed class CleanOutputTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void RankStdoutUnderMpiexecHasNoControlBytes(Implementation implementation)
    {
        var (launcher, launcherArgs) = implementation == Implementation.OpenMpi
            ? ("mpiexec.openmpi", new[] { "--oversubscribe", "--bind-to", "none", "-n", "2" })
            : ("mpiexec.mpich", new[] { "-n", "2" });
        var (exitCode, stdout, stderr) = RunRaw(launcher, [.. launcherArgs, DotnetHost, ProgramPath, "console-first"],
            new Dictionary<string, string>
            {
                // What a user's shell passes on: the terminal type whose terminfo entry has a keypad sequence.
                ["TERM"] = "xterm",
                ["OMPI_ALLOW_RUN_AS_ROOT"] = "1",
                ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1",
                ["SPMD_EXPECTED_ABI"] = implementation.ToString(),
            });

        var text = Latin1(stdout);
        Assert.That(exitCode, Is.Zero, $"{text}\n{stderr}");
        Assert.That(text, Does.Contain("rank 0 of 2").And.Contain("rank 1 of 2").And.Contain("before MPI"));
        Assert.That(ControlBytes(stdout), Is.Empty, $"stdout was: {Escaped(stdout)}");
    }

    /// <summary>
    /// The same mechanism without mpiexec, so it shows on both libraries: a singleton whose stdout is a
    /// pseudo-terminal and whose stdin is not (what Open MPI gives a rank), made with script(1).
    /// </summary>
    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void SingletonWithTerminalStdoutAndPipedStdinWritesNoControlBytes(Implementation implementation)
    {
        // A fixed command line; the paths reach it through the environment, never spliced into the string.
        var (exitCode, stdout, stderr) = RunRaw("script",
            ["--quiet", "--return", "--command", "exec \"$SPMD_DOTNET\" \"$SPMD_PROGRAM\" console-first </dev/null",
                "/dev/null"],
            new Dictionary<string, string>
            {
                ["TERM"] = "xterm",
                ["SPMD_DOTNET"] = DotnetHost,
                ["SPMD_PROGRAM"] = ProgramPath,
                ["SPMD_MPI_LIBRARY"] = MpiProcess.LibraryOf(implementation),
                ["SPMD_EXPECTED_ABI"] = implementation.ToString(),
            });

        var text = Latin1(stdout);
        Assert.That(exitCode, Is.Zero, $"{text}\n{stderr}");
        Assert.That(text, Does.Contain("before MPI").And.Contain("rank 0 of 1"));
        Assert.That(ControlBytes(stdout), Is.Empty, $"stdout was: {Escaped(stdout)}");
    }

    private static string DotnetHost => System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private static string ProgramPath => Path.Combine(AppContext.BaseDirectory, "SpmdChecks.dll");

    /// <summary>Bytes below 0x20 other than line ends and tabs (a pseudo-terminal may turn \n into \r\n).</summary>
    private static List<byte> ControlBytes(byte[] output) =>
        output.Where(b => (b < 0x20 && b is not (byte)'\n' and not (byte)'\r' and not (byte)'\t') || b == 0x7f).ToList();

    private static string Latin1(byte[] bytes) => System.Text.Encoding.Latin1.GetString(bytes);

    private static string Escaped(byte[] bytes) =>
        string.Concat(bytes.Take(200).Select(b => b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}"));

    /// <summary>Runs a program with its stdout read as bytes, stdin an empty pipe, and no inherited MPI choice.</summary>
    private static (int ExitCode, byte[] Stdout, string Stderr) RunRaw(string file, IEnumerable<string> args,
        IDictionary<string, string> environment)
    {
        var start = MpiProcess.Redirected(file, args);
        start.Environment.Remove("SPMD_MPI_LIBRARY");
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Deadline))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} did not end by the deadline");
        }
        // Bounded: a process left holding the pipes must not hold the test (what arrived is kept).
        Task.WaitAll([copy, stderr], TimeSpan.FromSeconds(5));
        return (process.ExitCode, stdout.ToArray(), stderr.IsCompletedSuccessfully ? stderr.Result : "");
    }
}
