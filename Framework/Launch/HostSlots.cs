using System.Globalization;
using System.Text.RegularExpressions;

namespace MPI.Launch;

/// <summary>A host and how many ranks it takes ("node1:4" or "node1").</summary>
public sealed partial record HostSlots(string Host, int Slots)
{
    /// <summary>"host:slots", as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => $"{Host}:{Slots}";

    /// <summary>Parses "host" or "host:slots".</summary>
    public static HostSlots Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = HostPattern().Match(text.Trim());
        if (!match.Success)
            throw new JobSpecException($"'{text}' is not a host: expected a host name, optionally followed by ':slots'.", JobSpecProblem.Invalid, JobSpecField.Host, text);
        int slots = match.Groups["slots"].Success ? int.Parse(match.Groups["slots"].Value, CultureInfo.InvariantCulture) : 1;
        if (slots <= 0)
            throw new JobSpecException($"'{text}' gives the host {slots} slots; a host needs at least one.", JobSpecProblem.Invalid, JobSpecField.Host, text);
        return new HostSlots(match.Groups["host"].Value, slots);
    }

    /// <summary>Parses a host list, rejecting duplicates.</summary>
    public static IReadOnlyList<HostSlots> ParseList(IEnumerable<string> entries)
    {
        var hosts = entries.Select(Parse).ToList();
        var duplicate = hosts.GroupBy(host => host.Host, StringComparer.OrdinalIgnoreCase).FirstOrDefault(group => group.Count() > 1);
        return duplicate is null
            ? hosts
            : throw new JobSpecException($"The host {duplicate.Key} is listed more than once.", JobSpecProblem.Invalid, JobSpecField.Host, duplicate.Key);
    }

    /// <summary>
    /// Reads a hostfile in Open MPI syntax ("host slots=4") or MPICH syntax ("host:4"); blank lines and '#'
    /// comments are skipped.
    /// </summary>
    public static IReadOnlyList<HostSlots> ReadHostFile(string path)
    {
        if (!File.Exists(path))
            throw new JobSpecException($"The hostfile {path} does not exist.", JobSpecProblem.NotFound, JobSpecField.HostFile, path);
        var entries = new List<string>();
        int number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
                continue;
            var openMpi = OpenMpiLine().Match(line);
            if (openMpi.Success)
                entries.Add(openMpi.Groups["slots"].Success ? $"{openMpi.Groups["host"].Value}:{openMpi.Groups["slots"].Value}" : openMpi.Groups["host"].Value);
            else if (HostPattern().IsMatch(line))
                entries.Add(line);
            else
                throw new JobSpecException($"{path} line {number}: '{raw}' is neither 'host slots=N' nor 'host:N'.", JobSpecProblem.Invalid, JobSpecField.HostFile, path);
        }
        return ParseList(entries);
    }

    [GeneratedRegex(@"^(?<host>[A-Za-z0-9]([A-Za-z0-9.\-_]*[A-Za-z0-9])?)(:(?<slots>-?[0-9]+))?$")]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^(?<host>[A-Za-z0-9]([A-Za-z0-9.\-_]*[A-Za-z0-9])?)(\s+slots\s*=\s*(?<slots>[0-9]+))(\s+max[-_]slots\s*=\s*[0-9]+)?$")]
    private static partial Regex OpenMpiLine();
}
