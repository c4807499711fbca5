using System.Globalization;

/// <summary>
/// Processor time used by this process and by its children that have ended (user + system, in seconds), from
/// Linux's <c>/proc/self/stat</c>; null elsewhere. Divided by a cell's wall-clock time, it says how many cores the
/// cell kept busy on average, which tells a cell that had two cores apart from one that shared one.
/// </summary>
internal static class ProcessorClock
{
    private const double TicksPerSecond = 100; // USER_HZ, fixed by the kernel's interface for /proc

    public static double? Seconds()
    {
        string stat;
        try
        {
            stat = File.ReadAllText("/proc/self/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // After the command name in parentheses: state, then fields 4 on; utime, stime, cutime and cstime are 14-17.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return Enumerable.Range(11, 4).Sum(index => long.Parse(fields[index], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>The processor time since <paramref name="start"/> against <paramref name="wallSeconds"/>, for a detail line.</summary>
    public static string Describe(double? start, double wallSeconds) =>
        start is { } from && Seconds() is { } to && wallSeconds > 0
            ? string.Create(CultureInfo.InvariantCulture, $"; {to - from:F2} processor-s, {(to - from) / wallSeconds:F2} cores busy")
            : "";
}
