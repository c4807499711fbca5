using System.Runtime.CompilerServices;

namespace MPI;

/// <summary>
/// Keeps the .NET console from writing terminal control bytes into a rank's output.
/// </summary>
/// <remarks>
/// Open MPI gives every rank a pseudo-terminal for stdout (stdin and stderr stay pipes) and forwards what comes out
/// of it. On Unix, the first use of <see cref="Console"/> initializes the terminal: when stdout is a terminal and the
/// terminfo entry of <c>TERM</c> has <c>smkx</c>, .NET writes that "keypad transmit" sequence (ESC [?1h ESC = for
/// xterm) to stdout, and writes it again after every SIGCHLD/SIGCONT. The keypad mode only changes what keys a
/// terminal sends to the process reading it; a rank whose stdin is not that terminal never reads them, so those bytes
/// are pure noise that lands in the output and in any file the user redirects it to. MPICH's Hydra uses pipes, so
/// nothing shows there.
/// </remarks>
internal static class TerminalOutput
{
    /// <summary>Runs when this assembly is first used, which for a rank program is before its first MPI call.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255",
        Justification = "It must run before the program's first console write, which may precede any MPI call.")]
    internal static void Initialize() => InitializeConsoleWithoutKeypadMode();

    /// <summary>
    /// When stdout is a terminal but stdin is not (Open MPI's pty), initializes the console with <c>TERM</c> hidden so
    /// .NET finds no terminfo entry and sends no keypad sequence, then puts <c>TERM</c> back for child processes.
    /// Does nothing when the console was already initialized (the sequence, if any, is already out) or when the
    /// terminal is also the input (an interactive program may want the keypad mode).
    /// </summary>
    internal static void InitializeConsoleWithoutKeypadMode()
    {
        if (Console.IsOutputRedirected || !Console.IsInputRedirected)
            return;
        string? term = System.Environment.GetEnvironmentVariable("TERM");
        if (string.IsNullOrEmpty(term))
            return;
        System.Environment.SetEnvironmentVariable("TERM", null);
        try
        {
            // The first write through a console stream initializes the console (ConsolePal.EnsureConsoleInitialized);
            // an empty one writes nothing else. The terminfo lookup it does is cached, so restoring TERM afterwards
            // does not bring the sequence back.
            using var stdout = Console.OpenStandardOutput();
            stdout.Write(ReadOnlySpan<byte>.Empty);
        }
        catch (IOException)
        {
            // A terminal that went away: the program's own first write will meet the same and report it.
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("TERM", term);
        }
    }
}
