using System.Globalization;
using System.Text;

namespace MPI.Launch;

/// <summary>
/// The hosts and slots of the batch allocation this process runs in: Slurm's SLURM_JOB_NODELIST (compressed, e.g.
/// <c>node[01-03,07]</c>) with SLURM_TASKS_PER_NODE (e.g. <c>2(x3),1</c>), or PBS's PBS_NODEFILE (one line per slot).
/// </summary>
public static class Allocation
{
    /// <summary>The allocation's hosts, or an empty list outside any allocation.</summary>
    public static IReadOnlyList<HostSlots> Hosts(Func<string, string?>? environment = null)
    {
        environment ??= System.Environment.GetEnvironmentVariable;
        if (environment("SLURM_JOB_NODELIST") is { Length: > 0 } nodes)
        {
            var names = ExpandNodeList(nodes);
            var tasks = environment("SLURM_TASKS_PER_NODE") is { Length: > 0 } perNode ? ExpandTaskCounts(perNode) : [];
            if (tasks.Count != 0 && tasks.Count != names.Count)
                throw new JobSpecException(
                    $"SLURM_TASKS_PER_NODE={environment("SLURM_TASKS_PER_NODE")} gives {tasks.Count} counts for the {names.Count} nodes of {nodes}.");
            return names.Select((name, i) => new HostSlots(name, tasks.Count == 0 ? 1 : tasks[i])).ToList();
        }
        if (environment("PBS_NODEFILE") is { Length: > 0 } file)
        {
            if (!File.Exists(file))
                throw new JobSpecException($"PBS_NODEFILE names {file}, which does not exist.", JobSpecProblem.NotFound);
            return File.ReadLines(file)
                .Select(line => line.Trim())
                .Where(line => line.Length > 0)
                .GroupBy(line => line, StringComparer.Ordinal)
                .Select(group => HostSlots.Parse($"{group.Key}:{group.Count()}"))
                .ToList();
        }
        return [];
    }

    /// <summary>Expands a Slurm node list: <c>a[1-3,07],b</c> is a1, a2, a3, a07, b (padding kept).</summary>
    public static IReadOnlyList<string> ExpandNodeList(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var names = new List<string>();
        foreach (var item in SplitTopLevel(list))
        {
            if (item.Length == 0)
                throw Unparsable(list, "an empty entry");
            names.AddRange(ExpandItem(item, list));
        }
        return names;
    }

    /// <summary>Expands Slurm's task counts: <c>2(x3),1</c> is 2, 2, 2, 1.</summary>
    public static IReadOnlyList<int> ExpandTaskCounts(string counts)
    {
        var result = new List<int>();
        foreach (var part in counts.Split(','))
        {
            var open = part.IndexOf("(x", StringComparison.Ordinal);
            var (value, repeat) = open < 0
                ? (part, "1")
                : (part[..open], part.EndsWith(')') ? part[(open + 2)..^1] : "");
            if (!int.TryParse(value, CultureInfo.InvariantCulture, out int count) || count <= 0
                || !int.TryParse(repeat, CultureInfo.InvariantCulture, out int times) || times <= 0)
                throw new JobSpecException($"'{counts}' is not a Slurm task count list (like 2(x3),1).");
            result.AddRange(Enumerable.Repeat(count, times));
        }
        return result;
    }

    // Commas inside brackets separate ranges, not entries.
    private static IEnumerable<string> SplitTopLevel(string list)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < list.Length; i++)
        {
            depth += list[i] switch { '[' => 1, ']' => -1, _ => 0 };
            if (depth is < 0 or > 1)
                throw Unparsable(list, "unbalanced or nested brackets");
            if (list[i] == ',' && depth == 0)
            {
                yield return list[start..i];
                start = i + 1;
            }
        }
        if (depth != 0)
            throw Unparsable(list, "an unclosed bracket");
        yield return list[start..];
    }

    private static List<string> ExpandItem(string item, string list)
    {
        int open = item.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
            return [item];
        int close = item.IndexOf(']', open);
        var prefix = item[..open];
        var rest = item[(close + 1)..];
        var expanded = new List<string>();
        foreach (var range in item[(open + 1)..close].Split(','))
        {
            var bounds = range.Split('-');
            if (bounds.Length is < 1 or > 2 || bounds.Any(b => b.Length == 0 || !b.All(char.IsAsciiDigit)))
                throw Unparsable(list, $"the range '{range}'");
            int first = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            int last = int.Parse(bounds[^1], CultureInfo.InvariantCulture);
            if (last < first)
                throw Unparsable(list, $"the descending range '{range}'");
            int width = bounds[0].Length;
            for (int number = first; number <= last; number++)
            {
                foreach (var tail in ExpandItem(rest, list))
                    expanded.Add(new StringBuilder(prefix).Append(number.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')).Append(tail).ToString());
            }
        }
        return expanded;
    }

    private static JobSpecException Unparsable(string list, string what) =>
        new($"The node list '{list}' does not parse: {what}.");
}
