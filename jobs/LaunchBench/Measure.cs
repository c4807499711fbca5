using System.Diagnostics;
using System.Globalization;
using MPI.Launch;

/// <summary>What the launcher's benchmarks share: timing, medians, and the raw mpiexec command to compare with.</summary>
internal static class Measure
{
    /// <summary>The wall time of <paramref name="action"/>, in seconds.</summary>
    public static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Seconds with two decimals, separated by spaces.</summary>
    public static string Join(List<double> values) => string.Join(' ', values.Select(value => value.ToString("F2", CultureInfo.InvariantCulture)));

    /// <summary>The same command the launcher runs (arguments and variables), started directly, its output read and discarded.</summary>
    public static void RunRaw(MpiexecCommand command)
    {
        var environment = command.Environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value);
        environment["TERM"] = null;
        var run = ChildProcess.Run(command.FileName, command.Arguments, TimeSpan.FromMinutes(10), environment);
        if (run.ExitCode != 0)
            throw new InvalidOperationException($"raw mpiexec failed: {run.Error}");
    }
}
