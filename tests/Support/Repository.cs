namespace Tests.Support;

/// <summary>Where the repository is, found from the test's own directory (shared by the test projects).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(NUnit.Framework.TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mpi.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("The tests do not run inside the repository (no Mpi.sln above them).");
    }
}
