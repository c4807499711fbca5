using MPI;

namespace SpmdChecks;

internal static class AttributeChecks
{
    private sealed class Settings(string name) : ICloneable
    {
        public string Name { get; set; } = name;

        public object Clone() => new Settings(Name);
    }

    [Check]
    public static void DuplicationPolicies(Intracommunicator c)
    {
        var none = MPI.Attribute.Create<int>(AttributeDuplication.None);
        var shallowInt = MPI.Attribute.Create<int>(AttributeDuplication.Shallow);
        var shallowPoint = MPI.Attribute.Create<Point>(AttributeDuplication.Shallow);
        var shallowClass = MPI.Attribute.Create<Settings>(AttributeDuplication.Shallow);
        var deepPoint = MPI.Attribute.Create<Point>(AttributeDuplication.Deep);
        var deepClass = MPI.Attribute.Create<Settings>(AttributeDuplication.Deep);
        using var parent = (Intracommunicator)c.Clone();
        var shared = new Settings("shared");
        parent.Attributes[none] = 1;
        parent.Attributes[shallowInt] = 2;
        parent.Attributes[shallowPoint] = new Point(1, 1);
        parent.Attributes[shallowClass] = shared;
        parent.Attributes[deepPoint] = new Point(2, 2);
        parent.Attributes[deepClass] = new Settings("deep");

        using var child = (Intracommunicator)parent.Clone();
        Expect.Equal(null, child.Attributes[none]);
        Expect.Equal(2, (int)child.Attributes[shallowInt]!);
        Expect.True(ReferenceEquals(shared, child.Attributes[shallowClass]));
        var deepCopy = (Settings)child.Attributes[deepClass]!;
        Expect.Equal("deep", deepCopy.Name);
        Expect.False(ReferenceEquals(parent.Attributes[deepClass], deepCopy));

        // Later changes on the parent: seen through shallow struct storage only.
        parent.Attributes[shallowInt] = 20;
        parent.Attributes[shallowPoint] = new Point(10, 10);
        parent.Attributes[deepPoint] = new Point(20, 20);
        Expect.Equal(2, (int)child.Attributes[shallowInt]!);
        Expect.Equal(new Point(10, 10), (Point)child.Attributes[shallowPoint]!);
        Expect.Equal(new Point(2, 2), (Point)child.Attributes[deepPoint]!);

        parent.Attributes.Remove(shallowInt);
        parent.Attributes.Remove(shallowInt);
        Expect.Equal(null, parent.Attributes[shallowInt]);
        Expect.Equal(2, (int)child.Attributes[shallowInt]!);
        Expect.Throws<ArgumentException>(() => MPI.Attribute.Create<Account>(AttributeDuplication.Deep));
    }
}
