using System.Runtime.Loader;
using System.Text;
using PublicApiGenerator;
using Tests.Support;

namespace Framework.Tests;

/// <summary>
/// The public surface of every shipped assembly, as C# declarations, against the approved copy checked in under
/// tests/Framework.Tests/PublicApi/, so that every change to the MPI.NET-compatible API (and the launcher's and the
/// module's) shows in review as a diff of that file. Accepting a change is one command, run from the repository root:
/// <code>ACCEPT_PUBLIC_API=1 dotnet test tests/Framework.Tests -c Release --filter FullyQualifiedName~PublicApiTests</code>
/// which builds, rewrites the approved files from the built assemblies and passes; commit the files with the change.
/// </summary>
[TestFixture]
public sealed class PublicApiTests
{
    private const string AcceptVariable = "ACCEPT_PUBLIC_API";

    private const string AcceptCommand =
        AcceptVariable + "=1 dotnet test tests/Framework.Tests -c Release --filter FullyQualifiedName~PublicApiTests";

    private static string ApprovedDirectory => Path.Combine(Repository.Root, "tests", "Framework.Tests", "PublicApi");

    // The module folder the ParallelJob build leaves: what users import, with the launcher and contract it ships.
    private static string ModuleDirectory => Path.Combine(Repository.Root, "artifacts", "ParallelJob");

    public static IEnumerable<TestCaseData> Assemblies() =>
    [
        new TestCaseData("MPI", typeof(MPI.Communicator).Assembly.Location).SetArgDisplayNames("MPI"),
        new TestCaseData("MPI.Contract", Path.Combine(ModuleDirectory, "MPI.Contract.dll")).SetArgDisplayNames("MPI.Contract"),
        new TestCaseData("MPI.Launch", Path.Combine(ModuleDirectory, "MPI.Launch.dll")).SetArgDisplayNames("MPI.Launch"),
        new TestCaseData("ParallelJob", Path.Combine(ModuleDirectory, "ParallelJob.dll")).SetArgDisplayNames("ParallelJob"),
    ];

    [TestCaseSource(nameof(Assemblies))]
    public void Public_surface_matches_the_approved_file(string name, string assemblyPath)
    {
        Assert.That(File.Exists(assemblyPath), Is.True, $"{assemblyPath} is missing: build the solution first.");
        var actual = Generate(assemblyPath);
        var approvedPath = Path.Combine(ApprovedDirectory, name + ".txt");
        if (System.Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(ApprovedDirectory);
            File.WriteAllText(approvedPath, actual);
            Assert.Pass($"{AcceptVariable}=1: wrote {approvedPath}; review and commit it.");
        }
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";
        if (approved == actual)
            return;
        Assert.Fail(
            $"The public API of {name} differs from tests/Framework.Tests/PublicApi/{name}.txt " +
            $"(- approved, + built):\n{LineDiff.Describe(approved, actual)}\n" +
            $"If the change is intended, accept it by running from the repository root\n  {AcceptCommand}\n" +
            "and commit the rewritten file; an MPI.NET-compatible member may be added, never removed or changed.");
    }

    // Each assembly in a load context of its own, which is all the generator needs (it reads the file at Location);
    // nothing in it runs, so the module loads without PowerShell.
    private static string Generate(string assemblyPath)
    {
        var context = new AssemblyLoadContext(Path.GetFileName(assemblyPath), isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
            var options = new ApiGeneratorOptions { IncludeAssemblyAttributes = false };
            return assembly.GeneratePublicApi(options).ReplaceLineEndings("\n").TrimEnd('\n') + "\n";
        }
        finally
        {
            context.Unload();
        }
    }
}

/// <summary>The lines two texts do not share, by longest common subsequence, each with its line number.</summary>
internal static class LineDiff
{
    public static string Describe(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        // common[i, j]: the longest common subsequence of a[i..] and b[j..].
        var common = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
        {
            for (int j = b.Length - 1; j >= 0; j--)
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
        }
        var text = new StringBuilder();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || common[x + 1, y] >= common[x, y + 1]))
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"-{x + 1,5}: {a[x]}\n");
                x++;
            }
            else
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"+{y + 1,5}: {b[y]}\n");
                y++;
            }
        }
        return text.ToString();
    }
}
