using System.Reflection;
using MPI;

namespace SpmdChecks;

/// <summary>The checks of this program, found by reflection; shared with the NUnit side, which names test cases after them.</summary>
public static class Catalog
{
    public sealed record Check(string Name, int MinRanks, Action<Intracommunicator> Run, bool Heavy = false,
        bool Multithreaded = false);

    /// <summary>The ordinary checks, run on every rank count.</summary>
    public static IReadOnlyList<Check> All => Every.Where(check => !check.Heavy && !check.Multithreaded).ToList();

    /// <summary>The checks that call MPI from several threads at once, run at <see cref="Threading.Multiple"/>.</summary>
    public static IReadOnlyList<Check> Multithreaded => Every.Where(check => check.Multithreaded).ToList();

    /// <summary>The checks that need many gigabytes, run alone on 2 ranks.</summary>
    public static IReadOnlyList<Check> Heavy => Every.Where(check => check.Heavy).ToList();

    private static IReadOnlyList<Check> Every { get; } = typeof(Catalog).Assembly.GetTypes()
        .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
        .Select(method => (method, attribute: method.GetCustomAttribute<CheckAttribute>()))
        .Where(found => found.attribute is not null)
        .Select(found => new Check($"{found.method.DeclaringType!.Name}.{found.method.Name}", found.attribute!.MinRanks,
            found.method.CreateDelegate<Action<Intracommunicator>>(), found.attribute.Heavy,
            found.attribute.Multithreaded))
        .OrderBy(check => check.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>The line a rank prints for a check's outcome; the NUnit side parses these.</summary>
    public static string ResultLine(string check, int rank, string? failure) =>
        failure is null ? $"CHECK {check} PASS {rank}" : $"CHECK {check} FAIL {rank} {failure.ReplaceLineEndings(" | ")}";
}
