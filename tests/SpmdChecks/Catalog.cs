using System.Reflection;
using MPI;

namespace SpmdChecks;

/// <summary>The checks of this program, found by reflection; shared with the NUnit side, which names test cases after them.</summary>
public static class Catalog
{
    public sealed record Check(string Name, int MinRanks, Action<Intracommunicator> Run);

    public static IReadOnlyList<Check> All { get; } = typeof(Catalog).Assembly.GetTypes()
        .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
        .Select(method => (method, attribute: method.GetCustomAttribute<CheckAttribute>()))
        .Where(found => found.attribute is not null)
        .Select(found => new Check($"{found.method.DeclaringType!.Name}.{found.method.Name}", found.attribute!.MinRanks,
            found.method.CreateDelegate<Action<Intracommunicator>>()))
        .OrderBy(check => check.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>The line a rank prints for a check's outcome; the NUnit side parses these.</summary>
    public static string ResultLine(string check, int rank, string? failure) =>
        failure is null ? $"CHECK {check} PASS {rank}" : $"CHECK {check} FAIL {rank} {failure.ReplaceLineEndings(" | ")}";
}
