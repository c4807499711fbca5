using System.Reflection;
using MPI;
using MpiEnvironment = MPI.Environment;

namespace Framework.Tests;

/// <summary>
/// The MPI.NET 1.4 surface (shared/reference/mpinet-api.md), member by member with the class that declares each:
/// a program written against MPI.NET must compile against the MPI assembly. Each entry must be declared by that very
/// class (an override counts), so a member moved to a subclass (Barrier on Intracommunicator instead of Communicator)
/// fails as surely as a missing one. Signatures are written the way this test prints reflection's view of a member:
/// <c>method [static] [virtual|abstract] Return Name&lt;T&gt;(Parameters)</c>, <c>property [static] Type Name</c>,
/// <c>field [static] Type name</c>, <c>const Type name</c>, <c>ctor(Parameters)</c>, and <c>value ...</c> for a
/// member that may be a field or a property: reading, assigning and indexing it compile either way.
/// </summary>
[TestFixture]
public sealed class MpiNetSurfaceTests
{
    private const string Op = "ReductionOperation<T>";

    /// <summary>Class -> the members MPI.NET declares on it.</summary>
    private static readonly Dictionary<string, string[]> Surface = new()
    {
        // 1. Environment
        ["Environment"] =
        [
            "ctor(ref string[])",
            "ctor(ref string[], Threading)",
            "method void Dispose()",
            "method static void Run(Action<Intracommunicator>, bool = true)",
            "method static void Run(ref string[], Action<Intracommunicator>, bool = true)",
            "method static void Run(ref string[], Threading, Action<Intracommunicator>, bool = true)",
            "method static void Abort(int)",
            "property static string ProcessorName",
            "property static bool Initialized",
            "property static bool Finalized",
            "property static Threading Threading",
            "property static bool IsMainThread",
            "property static double Time",
            "property static double TimeResolution",
            "property static bool IsTimeGlobal",
            "property static int MaxTag",
            "property static int? HostRank",
            "property static int? IORank",
            "method static Exception TranslateErrorIntoException(int)",
        ],
        // 2. Communicators; 3. blocking point-to-point and 4. nonblocking, all on Communicator; 5. Barrier
        ["Communicator"] =
        [
            "field static Intracommunicator world",
            "field static Intracommunicator self",
            "field static int anySource",
            "field static int anyTag",
            "property int Rank",
            "property int Size",
            "method object Clone()",
            "method Communicator Split(int, int)",
            "method void Abort(int)",
            "method virtual void Dispose()",
            "value AttributeSet Attributes",
            "property Intercommunicator Parent",
            "method Communicator Create(Group)",
            "method Comparison Compare(Communicator)",
            "property Group Group",
            "method Status Probe(int, int)",
            "method Status ImmediateProbe(int, int)",
            "field bool SplitLargeObjects",
            "property Serialization Serialization",
            "method static Communicator Adopt(nint)",
            "method void Barrier()",
            "method void Send<T>(T, int, int)",
            "method void Send<T>(T[], int, int)",
            "method T Receive<T>(int, int)",
            "method void Receive<T>(int, int, out T)",
            "method void Receive<T>(int, int, out T, out CompletedStatus)",
            "method void Receive<T>(int, int, ref T[])",
            "method void Receive<T>(int, int, ref T[], out CompletedStatus)",
            "method void SendReceive<T>(T, int, int, out T)",
            "method void SendReceive<T>(T, int, int, int, int, out T)",
            "method void SendReceive<T>(T, int, int, int, int, out T, out CompletedStatus)",
            "method void SendReceive<T>(T[], int, int, ref T[])",
            "method void SendReceive<T>(T[], int, int, int, int, ref T[])",
            "method void SendReceive<T>(T[], int, int, int, int, ref T[], out CompletedStatus)",
            "method Request ImmediateSend<T>(T, int, int)",
            "method Request ImmediateSend<T>(T[], int, int)",
            "method ReceiveRequest ImmediateReceive<T>(int, int)",
            "method ReceiveRequest ImmediateReceive<T>(int, int, Action<T>)",
            "method ReceiveRequest ImmediateReceive<T>(int, int, T[])",
        ],
        ["Group"] =
        [
            "property int Size",
            "property int Rank",
            "method static Group op_BitwiseOr(Group, Group)",
            "method static Group op_BitwiseAnd(Group, Group)",
            "method static Group op_Subtraction(Group, Group)",
            "method Group IncludeOnly(int[])",
            "method Group Exclude(int[])",
            "method int[] TranslateRanks(int[], Group)",
            "method Comparison Compare(Group)",
            "value static Group empty",
            "const int NoProcess",
        ],
        // 4. Requests and statuses
        ["Request"] =
        [
            "method CompletedStatus Wait()",
            "method CompletedStatus Test()",
            "method void Cancel()",
        ],
        ["ReceiveRequest"] = ["method object GetValue()"],
        ["Status"] =
        [
            "property int Source",
            "property int Tag",
            "property bool Cancelled",
            "method int? Count(Type)",
        ],
        ["CompletedStatus"] = ["method int Count()"],
        ["RequestList"] =
        [
            "ctor()",
            "method void Add(Request)",
            "method void Remove(Request)",
            "property int Count",
            "method Request WaitAny()",
            "method Request TestAny()",
            "method List<Request> WaitAll()",
            "method List<Request> TestAll()",
            "method List<Request> WaitSome()",
            "method List<Request> TestSome()",
        ],
        // 5. Collectives; 11. Spawn
        ["Intracommunicator"] =
        [
            "method void Broadcast<T>(ref T, int)",
            "method void Broadcast<T>(ref T[], int)",
            "method T[] Gather<T>(T, int)",
            "method void Gather<T>(T, int, ref T[])",
            "method void GatherFlattened<T>(T[], int, ref T[])",
            "method void GatherFlattened<T>(T[], int[], int, ref T[])",
            "method T[] GatherFlattened<T>(T[], int)",
            "method T[] GatherFlattened<T>(T[], int[], int)",
            "method T[] Allgather<T>(T)",
            "method void Allgather<T>(T, ref T[])",
            "method void AllgatherFlattened<T>(T[], int[], ref T[])",
            "method void AllgatherFlattened<T>(T[], int, ref T[])",
            "method T[] AllgatherFlattened<T>(T[], int[])",
            "method T[] AllgatherFlattened<T>(T[], int)",
            "method T Scatter<T>(T[], int)",
            "method T Scatter<T>(T[])",
            "method T Scatter<T>(int)",
            "method void ScatterFromFlattened<T>(T[], int[], int, ref T[])",
            "method void ScatterFromFlattened<T>(T[], int, int, ref T[])",
            "method T[] ScatterFromFlattened<T>(T[], int[], int)",
            "method T[] ScatterFromFlattened<T>(T[], int, int)",
            "method T[] Alltoall<T>(T[])",
            "method void Alltoall<T>(T[], ref T[])",
            "method void AlltoallFlattened<T>(T[], int[], int[], ref T[])",
            "method void AlltoallFlattened<T>(T[], int, ref T[])",
            "method T[] AlltoallFlattened<T>(T[], int[], int[])",
            "method T[] AlltoallFlattened<T>(T[], int)",
            $"method T Reduce<T>(T, {Op}, int)",
            $"method T[] Reduce<T>(T[], {Op}, int)",
            $"method void Reduce<T>(T[], {Op}, int, ref T[])",
            $"method T Allreduce<T>(T, {Op})",
            $"method T[] Allreduce<T>(T[], {Op})",
            $"method void Allreduce<T>(T[], {Op}, ref T[])",
            $"method T[] ReduceScatter<T>(T[], {Op}, int[])",
            $"method void ReduceScatter<T>(T[], {Op}, int[], ref T[])",
            $"method T Scan<T>(T, {Op})",
            $"method T[] Scan<T>(T[], {Op})",
            $"method void Scan<T>(T[], {Op}, ref T[])",
            $"method T ExclusiveScan<T>(T, {Op})",
            $"method T[] ExclusiveScan<T>(T[], {Op})",
            $"method void ExclusiveScan<T>(T[], {Op}, ref T[])",
            "method Intercommunicator Spawn(string, string[], int, int)",
        ],
        ["ReductionOperation`1"] = ["method virtual T Invoke(T, T)"],
        ["Operation`1"] =
        [
            $"property static {Op} Add",
            $"property static {Op} Multiply",
            $"property static {Op} Min",
            $"property static {Op} Max",
            $"property static {Op} LogicalAnd",
            $"property static {Op} LogicalOr",
            $"property static {Op} BitwiseAnd",
            $"property static {Op} BitwiseOr",
            $"property static {Op} ExclusiveOr",
            $"ctor({Op})",
            "property nint Op",
            "method void Dispose()",
        ],
        // 6. Serialization
        ["Serialization"] =
        [
            "property ISerializer Serializer",
            "property int BufferSize",
            "property int WorkerCount",
            "property Action<int, int> SendLogger",
            "property Action<string> WaitLogger",
        ],
        ["ISerializer"] =
        [
            "method abstract void Serialize<T>(Stream, T)",
            "method abstract T Deserialize<T>(Stream)",
        ],
        ["BinaryFormatterSerializer"] = ["value static BinaryFormatterSerializer Default"],
        // 7. Exceptions
        ["MessageTruncatedException"] = ["ctor(string)"],
        // 8. Attributes
        ["Attribute"] =
        [
            "method static Attribute Create<T>(AttributeDuplication)",
            "value AttributeDuplication Duplication",
        ],
        ["AttributeSet"] =
        [
            "property object Item[Attribute]",
            "method void Remove(Attribute)",
        ],
        // 9. Topologies
        ["TopologicalCommunicator"] =
        [
            "property int[] Neighbors",
            "method int[] NeighborsOf(int)",
            "property int NumEdges",
        ],
        ["CartesianCommunicator"] =
        [
            "method static void ComputeDimensions(int, int, ref int[])",
            "ctor(Intracommunicator, int, int[], bool[], bool)",
            "property int[] Dimensions",
            "property bool[] Periodic",
            "property int[] Coordinates",
            "method int GetCartesianRank(int[])",
            "method int[] GetCartesianCoordinates(int)",
            "method void Shift(int, int, out int, out int)",
            "method CartesianCommunicator Subgrid(int[])",
            "property virtual int NumEdges",
            "method virtual int[] NeighborsOf(int)",
            "method static int Map(Intracommunicator, int, int[], bool[])",
        ],
        ["GraphCommunicator"] =
        [
            "ctor(Intracommunicator, int[][], bool)",
            "property int[][] Edges",
            "property virtual int NumEdges",
            "method virtual int[] NeighborsOf(int)",
        ],
        // 10. Intercommunicators
        ["Intercommunicator"] =
        [
            "ctor(Intracommunicator, int, Intracommunicator, int, int)",
            "property int RemoteSize",
            "property Group RemoteGroup",
            "const int Root",
            "const int Null",
            "method Intracommunicator Merge(bool)",
            "method void Broadcast<T>(ref T, int)",
            "method void Broadcast<T>(ref T[], int)",
            "method T[] Gather<T>(T, int)",
            "method void Scatter<T>(T[])",
            "method T Scatter<T>(int)",
            "method void Scatter<T>()",
            "method T[] Allgather<T>(T)",
            "method void AllgatherFlattened<T>(T[], int[], ref T[])",
            $"method T Allreduce<T>(T, {Op})",
            $"method void Allreduce<T>(T[], {Op}, ref T[])",
            "method T[] Alltoall<T>(T[])",
            "method void AlltoallFlattened<T>(T[], int[], int[], ref T[])",
            $"method T Reduce<T>(T, {Op}, int)",
            $"method void Reduce<T>(T[], {Op}, int, ref T[])",
            $"method void ReduceScatter<T>(T[], {Op}, int[], ref T[])",
            "method void GatherFlattened<T>(int[], ref T[])",
            "method void GatherFlattened<T>(T[], int)",
            "method void GatherFlattened<T>()",
            "method void ScatterFromFlattened<T>(T[], int[])",
            "method void ScatterFromFlattened<T>(int[], int, ref T[])",
            "method void ScatterFromFlattened<T>()",
        ],
    };

    public static IEnumerable<TestCaseData> Classes() =>
        Surface.Keys.Select(name => new TestCaseData(name).SetArgDisplayNames(name));

    [TestCaseSource(nameof(Classes))]
    public void ClassDeclaresItsMembers(string className)
    {
        var type = typeof(Communicator).Assembly.GetType("MPI." + className);
        Assert.That(type, Is.Not.Null, $"no public class MPI.{className}");
        var declared = Declared(type!);
        var missing = Surface[className].Where(entry => !Matches(entry, declared)).ToList();

        Assert.That(missing, Is.Empty,
            $"{Name(type)} lacks (declared on itself):\n  {string.Join("\n  ", missing)}\nit declares:\n  " +
            string.Join("\n  ", declared.Order()));
    }

    [Test]
    public void ClassesHaveMpiNetsShape()
    {
        var binaryFormatterSerializer = typeof(Communicator).Assembly.GetType("MPI.BinaryFormatterSerializer");
        Assert.Multiple(() =>
        {
            Assert.That(typeof(Communicator).IsAbstract, Is.True, "Communicator is abstract");
            Assert.That(typeof(Communicator).GetInterfaces(), Does.Contain(typeof(IDisposable)).And.Contain(typeof(ICloneable)));
            Assert.That(typeof(Intracommunicator).BaseType, Is.EqualTo(typeof(Communicator)));
            Assert.That(typeof(Intercommunicator).BaseType, Is.EqualTo(typeof(Communicator)));
            Assert.That(typeof(TopologicalCommunicator).IsAbstract, Is.True, "TopologicalCommunicator is abstract");
            Assert.That(typeof(TopologicalCommunicator).BaseType, Is.EqualTo(typeof(Intracommunicator)));
            Assert.That(typeof(CartesianCommunicator).BaseType, Is.EqualTo(typeof(TopologicalCommunicator)));
            Assert.That(typeof(GraphCommunicator).BaseType, Is.EqualTo(typeof(TopologicalCommunicator)));
            Assert.That(typeof(MpiEnvironment).GetInterfaces(), Does.Contain(typeof(IDisposable)));
            Assert.That(typeof(Request).IsAbstract, Is.True, "Request is abstract");
            Assert.That(typeof(ReceiveRequest).BaseType, Is.EqualTo(typeof(Request)));
            Assert.That(typeof(CompletedStatus).BaseType, Is.EqualTo(typeof(Status)));
            Assert.That(typeof(AttributeSet).IsSealed, Is.True, "AttributeSet is sealed");
            Assert.That(typeof(MPI.Attribute).GetInterfaces(), Does.Contain(typeof(IDisposable)));
            Assert.That(typeof(MessageTruncatedException).IsSubclassOf(typeof(Exception)), Is.True);
            Assert.That(typeof(ISerializer).IsInterface, Is.True);
            Assert.That(binaryFormatterSerializer is not null && typeof(ISerializer).IsAssignableFrom(binaryFormatterSerializer),
                Is.True, "BinaryFormatterSerializer is an ISerializer");
            Assert.That(typeof(ReductionOperation<>).IsSubclassOf(typeof(Delegate)), Is.True);
            Assert.That(Enum.GetNames<Threading>(), Is.EquivalentTo(new[] { "Single", "Funneled", "Serialized", "Multiple" }));
            Assert.That(Enum.GetNames<Comparison>(), Is.EquivalentTo(new[] { "Identical", "Congruent", "Similar", "Unequal" }));
            Assert.That(Enum.GetNames<AttributeDuplication>(), Is.EquivalentTo(new[] { "None", "Shallow", "Deep" }));
        });
    }

    /// <summary>Barrier is declared once, on Communicator: subclasses that hid it would make it two methods.</summary>
    [Test]
    public void BarrierIsDeclaredOnlyOnCommunicator()
    {
        var declaring = typeof(MPI.Communicator).Assembly.GetExportedTypes()
            .Where(t => t.GetMethod("Barrier", BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly,
                Type.EmptyTypes) is not null)
            .Select(Name);
        Assert.That(declaring, Is.EqualTo(new[] { "Communicator" }));
    }

    private static bool Matches(string entry, HashSet<string> declared) =>
        entry.StartsWith("value ", StringComparison.Ordinal)
            ? declared.Contains("field " + entry["value ".Length..]) || declared.Contains("property " + entry["value ".Length..])
            : declared.Contains(entry);

    /// <summary>Every public member the type declares itself, each in its plain form and with its modifiers.</summary>
    private static HashSet<string> Declared(Type type)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var member in type.GetMembers(Flags))
        {
            switch (member)
            {
                case ConstructorInfo ctor when !ctor.IsStatic:
                    set.Add($"ctor({Parameters(ctor)})");
                    break;
                case MethodInfo method:
                    var head = $"{Name(method.ReturnType)} {method.Name}{TypeArguments(method)}({Parameters(method)})";
                    var stat = method.IsStatic ? "static " : "";
                    set.Add($"method {stat}{head}");
                    set.Add($"method {stat}{Modifier(method)}{head}");
                    break;
                case PropertyInfo property:
                    var accessor = property.GetMethod ?? property.SetMethod!;
                    var indexer = property.GetIndexParameters();
                    var shape = $"{Name(property.PropertyType)} {property.Name}" +
                        (indexer.Length > 0 ? $"[{string.Join(", ", indexer.Select(Parameter))}]" : "");
                    var pstat = accessor.IsStatic ? "static " : "";
                    set.Add($"property {pstat}{shape}");
                    set.Add($"property {pstat}{Modifier(accessor)}{shape}");
                    break;
                case FieldInfo field when field.IsLiteral:
                    // A const reads like a static field in source (and also works in case labels).
                    set.Add($"const {Name(field.FieldType)} {field.Name}");
                    set.Add($"field static {Name(field.FieldType)} {field.Name}");
                    break;
                case FieldInfo field:
                    set.Add($"field {(field.IsStatic ? "static " : "")}{Name(field.FieldType)} {field.Name}");
                    break;
            }
        }
        return set;
    }

    private static string Modifier(MethodInfo method) =>
        method.IsAbstract ? "abstract " : method.IsVirtual && !method.IsFinal ? "virtual " : "";

    private static string TypeArguments(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(Name))}>" : "";

    private static string Parameters(MethodBase method) => string.Join(", ", method.GetParameters().Select(Parameter));

    private static string Parameter(ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        var prefix = !type.IsByRef ? "" : parameter.IsOut ? "out " : "ref ";
        var text = prefix + Name(type.IsByRef ? type.GetElementType()! : type);
        if (parameter.HasDefaultValue)
            text += " = " + (parameter.DefaultValue switch { null => "null", bool b => b ? "true" : "false", var v => v.ToString() });
        return text;
    }

    private static string Name(Type type)
    {
        if (type.IsArray)
            return Name(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return Name(underlying) + "?";
        if (type.IsGenericType)
            return type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] +
                $"<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
        return type.FullName switch
        {
            "System.Int32" => "int",
            "System.Int64" => "long",
            "System.Boolean" => "bool",
            "System.String" => "string",
            "System.Object" => "object",
            "System.Void" => "void",
            "System.Double" => "double",
            "System.IntPtr" => "nint",
            _ => type.Name,
        };
    }
}

/// <summary>
/// CartesianCommunicator.NumEdges counts each link of the grid once, wrap-around links of periodic dimensions
/// included (MPI.NET's count); grids of more ranks than the tests start are checked through the count itself.
/// The SpmdChecks TopologyChecks run the property on real grids (a 2×2 half-torus, lines of 3).
/// </summary>
[TestFixture]
public sealed class CartesianEdgeCountTests
{
    [TestCase(new[] { 4, 2 }, new[] { true, true }, 16)]
    [TestCase(new[] { 4, 2 }, new[] { false, false }, 10)]
    [TestCase(new[] { 3 }, new[] { true }, 3)]
    [TestCase(new[] { 3 }, new[] { false }, 2)]
    [TestCase(new[] { 2, 2 }, new[] { true, false }, 6)]
    [TestCase(new[] { 2 }, new[] { true }, 2)]
    [TestCase(new[] { 1 }, new[] { true }, 1)]
    [TestCase(new[] { 3, 3, 3 }, new[] { true, true, true }, 81)]
    public void EachLinkCountsOnce(int[] dims, bool[] periodic, int links) =>
        Assert.That(CartesianCommunicator.CountLinks(dims, periodic), Is.EqualTo(links));
}
