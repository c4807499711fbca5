using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using MPI.Native;
using MPI.Native.Consts;
using Tests.Support;

namespace Framework.Tests;

/// <summary>
/// The native layer checked against the installed MPIs themselves: a C program compiled with each <c>mpicc</c> prints
/// every value the ABI tables hold (Abi/abi_constants.c), and each table must agree with it entry by entry; and every
/// entry point the layer declares is exported by both libraries.
/// </summary>
[TestFixture]
public sealed class AbiTableTests
{
    private static readonly TimeSpan CompileDeadline = TimeSpan.FromMinutes(2);

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void TableMatchesTheCompiledHeader(Implementation implementation)
    {
        var printed = CompileAndRun(implementation);
        var library = NativeLibrary.Load(MpiProcess.LibraryOf(implementation));
        var table = implementation == Implementation.OpenMpi ? OpenMpiAbi.Create(library) : MpichAbi.Create();
        Assert.That(table.Kind, Is.EqualTo(implementation == Implementation.OpenMpi ? MpiAbiKind.OpenMpi : MpiAbiKind.Mpich));

        var entries = Leaves(table, "").ToList();
        var mismatches = new List<string>();
        foreach (var (key, value) in entries)
        {
            if (!printed.TryGetValue(key, out var text))
            {
                mismatches.Add($"{key}: in the table, not printed by abi_constants.c");
                continue;
            }
            var expected = Expected(text, value, library);
            if (!Equals(expected, value))
                mismatches.Add($"{key}: the table holds {Show(value)}, mpi.h says {text} ({Show(expected)})");
        }
        mismatches.AddRange(printed.Keys.Except(entries.Select(entry => entry.Key))
            .Select(key => $"{key}: printed by abi_constants.c, not in the table"));
        Assert.That(mismatches, Is.Empty, $"{implementation} table against {MpiProcess.LibraryOf(implementation)}'s mpi.h");
    }

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void EveryDeclaredEntryPointIsExported(Implementation implementation)
    {
        var library = NativeLibrary.Load(MpiProcess.LibraryOf(implementation));
        var symbols = Mpi.EntryPoints.Select(Mpi.SymbolOf).ToList();
        Assert.That(symbols, Has.Count.GreaterThan(100).And.Contains("MPI_Send").And.Contains("MPI_Comm_spawn"));
        Assert.That(symbols.Where(symbol => !NativeLibrary.TryGetExport(library, symbol, out _)), Is.Empty);
    }

    [TestCase(Implementation.OpenMpi)]
    [TestCase(Implementation.Mpich)]
    public void EveryDeclaredEntryPointIsBound(Implementation implementation)
    {
        // The binding list (Mpi.Binding.cs) against the fields themselves: each field holds its own symbol's address.
        var name = MpiProcess.LibraryOf(implementation);
        var library = NativeLibrary.Load(name);
        Mpi.BindEntryPoints(library, name);
        var unbound = Mpi.EntryPoints
            .Where(field => AddressIn(field) != NativeLibrary.GetExport(library, Mpi.SymbolOf(field)))
            .Select(field => field.Name);
        Assert.That(unbound, Is.Empty, $"entry points Mpi.BindEntryPoints leaves unbound or binds to another symbol of {name}");
    }

    // Reflection reads a function-pointer field as its address, an IntPtr.
    private static nint AddressIn(FieldInfo field) => (nint)field.GetValue(null)!;

    [Test]
    public void AMissingEntryPointIsNamed()
    {
        // libc exports none of MPI: the first entry point resolved is reported by name, before MPI is touched.
        var run = MpiProcess.Singleton(Implementation.Mpich, "SpmdChecks", ["info"],
            new Dictionary<string, string> { ["SPMD_MPI_LIBRARY"] = "libc.so.6" });

        Assert.That(run.ExitCode, Is.Not.Zero, run.Describe());
        Assert.That(run.Stderr, Does.Match(@"The MPI library libc\.so\.6 does not export MPI_\w+\."), run.Describe());
    }

    /// <summary>Every value of the table, keyed by its property path (Errors.Truncate, Datatypes.Int32...).</summary>
    private static IEnumerable<(string Key, object Value)> Leaves(object node, string prefix)
    {
        foreach (var property in node.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(node)!;
            var key = prefix + property.Name;
            if (value is int or nint)
                yield return (key, value);
            else if (value is not MpiAbiKind)
            {
                foreach (var leaf in Leaves(value, key + "."))
                    yield return leaf;
            }
        }
    }

    /// <summary>
    /// What the C program printed, as the table's type: a number, or for a handle that is the address of an exported
    /// global ("@ompi_mpi_int32_t"), that symbol's address in the library, as the runtime resolves it.
    /// </summary>
    private static object Expected(string text, object tableValue, nint library)
    {
        if (text.StartsWith('@'))
            return NativeLibrary.TryGetExport(library, text[1..], out var address) ? address : (nint)0;
        var number = long.Parse(text, CultureInfo.InvariantCulture);
        return tableValue is nint ? (nint)number : (object)checked((int)number);
    }

    private static string Show(object value) => value is nint address ? $"0x{address:x}" : $"{value}";

    private static Dictionary<string, string> CompileAndRun(Implementation implementation)
    {
        var source = Path.Combine(Repository.Root, "tests", "Framework.Tests", "Abi", "abi_constants.c");
        var directory = Directory.CreateTempSubdirectory("abi-constants-");
        try
        {
            var program = Path.Combine(directory.FullName, "abi_constants");
            var compiler = implementation == Implementation.OpenMpi ? "mpicc.openmpi" : "mpicc.mpich";
            var compiled = Command.Run(compiler, ["-Wall", "-Werror", "-o", program, source], timeout: CompileDeadline);
            Assert.That(compiled.ExitCode, Is.Zero, $"{compiler} failed: {compiled.Error}");
            var run = Command.Run(program, [], timeout: CompileDeadline);
            Assert.That(run.ExitCode, Is.Zero, run.Error);
            return run.Lines.Select(line => line.Split(' ', 2)).ToDictionary(parts => parts[0], parts => parts[1].Trim());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
