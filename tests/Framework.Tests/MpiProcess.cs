using System.Diagnostics;

namespace Framework.Tests;

public enum Implementation
{
    OpenMpi,
    Mpich,
}

/// <summary>What a finished (or killed) process left: exit code, output, and whether the deadline killed it.</summary>
public sealed record RunResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public string Output => Stdout + Stderr;

    public string Describe() =>
        $"exit code {ExitCode}{(TimedOut ? " (killed at the deadline)" : "")}\n--- stdout ---\n{Tail(Stdout)}\n--- stderr ---\n{Tail(Stderr)}";

    private static string Tail(string text) => text.Length <= 4000 ? text : "..." + text[^4000..];
}

/// <summary>
/// Starts programs from the test output folder under the real mpiexec of an implementation, or alone as MPI
/// singletons, with a deadline after which the whole process tree is killed.
/// </summary>
public static class MpiProcess
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromMinutes(3);

    public static string LibraryOf(Implementation implementation) =>
        implementation == Implementation.OpenMpi ? "libmpi.so.40" : "libmpich.so.12";

    /// <summary>Runs <c>dotnet program.dll args</c> under <c>mpiexec -n ranks</c> of the implementation.</summary>
    public static RunResult Launch(Implementation implementation, int ranks, string program, IEnumerable<string> args,
        IDictionary<string, string>? environment = null, TimeSpan? deadline = null)
    {
        var (launcher, launcherArgs) = implementation == Implementation.OpenMpi
            ? ("mpiexec.openmpi", new[] { "--oversubscribe", "--bind-to", "none", "-n", $"{ranks}" })
            : ("mpiexec.mpich", new[] { "-n", $"{ranks}" });
        return Run(launcher, [.. launcherArgs, DotnetHost, ProgramPath(program), .. args], implementation, environment,
            deadline);
    }

    /// <summary>Runs a native executable (a Native AOT rank program) under <c>mpiexec -n ranks</c> of the implementation.</summary>
    public static RunResult LaunchExecutable(Implementation implementation, int ranks, string executable,
        IEnumerable<string> args, TimeSpan? deadline = null)
    {
        var (launcher, launcherArgs) = implementation == Implementation.OpenMpi
            ? ("mpiexec.openmpi", new[] { "--oversubscribe", "--bind-to", "none", "-n", $"{ranks}" })
            : ("mpiexec.mpich", new[] { "-n", $"{ranks}" });
        return Run(launcher, [.. launcherArgs, executable, .. args], implementation, null, deadline);
    }

    /// <summary>Runs the program without mpiexec, bound to the implementation's library.</summary>
    public static RunResult Singleton(Implementation implementation, string program, IEnumerable<string> args,
        IDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string> { ["SPMD_MPI_LIBRARY"] = LibraryOf(implementation) };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            env[name] = value;
        return Run(DotnetHost, [ProgramPath(program), .. args], implementation, env, null);
    }

    /// <summary>The ids of live processes whose command line contains <paramref name="marker"/>.</summary>
    public static IReadOnlyList<int> ProcessesWith(string marker) => global::Tests.Support.Processes.WithCommandLine(marker);

    /// <summary>Waits (up to a deadline) until no process carries the marker; returns those still alive.</summary>
    public static IReadOnlyList<int> SurvivorsAfterGrace(string marker)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        IReadOnlyList<int> alive;
        while ((alive = ProcessesWith(marker)).Count > 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(100);
        return alive;
    }

    private static string DotnetHost => System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private static string ProgramPath(string program) => Path.Combine(AppContext.BaseDirectory, program + ".dll");

    /// <summary>A start of <paramref name="file"/> with every standard stream redirected and the arguments as a list.</summary>
    internal static ProcessStartInfo Redirected(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return start;
    }

    private static RunResult Run(string file, IEnumerable<string> args, Implementation implementation,
        IDictionary<string, string>? environment, TimeSpan? deadline)
    {
        var start = Redirected(file, args);
        var env = start.Environment;
        // No terminal escapes from the .NET console, no library choice leaking in from the caller.
        env.Remove("TERM");
        env.Remove("SPMD_MPI_LIBRARY");
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        env["SPMD_EXPECTED_ABI"] = implementation.ToString();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            env[name] = value;

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        // Not to end-of-file: a process the job left holding mpiexec's output would hold the test past its deadline.
        var (exited, stdout, stderr) = global::Tests.Support.Command.Collect(process, deadline ?? DefaultDeadline);
        return new RunResult(exited ? process.ExitCode : -1, stdout, stderr, !exited);
    }
}
