using System.Diagnostics;

namespace Tests.Support;

/// <summary>Runs a program to its end with an argument list (never a shell line) and gives back what it said.</summary>
public static class Command
{
    /// <summary>How a program ended and what it wrote.</summary>
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public List<string> Lines => [.. Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>Runs <paramref name="program"/>; fails the test when it does not end within <paramref name="timeout"/> (3 minutes).</summary>
    public static Result Run(string program, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // Terminal escapes from .NET programs would end up in what is compared.
        start.Environment.Remove("TERM");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            NUnit.Framework.Assert.Fail($"{program} {string.Join(' ', arguments)} did not end in time");
        }
        var result = new Result(process.ExitCode, output.Result, error.Result);
        NUnit.Framework.TestContext.Out.WriteLine($"{program}: exit {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }
}
