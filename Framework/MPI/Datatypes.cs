using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>How values of a type travel: as raw memory, as an array of raw elements, or serialized.</summary>
internal enum WireKind
{
    Raw,
    RawArray,
    Serialized,
}

/// <summary>The wire kind of <typeparamref name="T"/>, decided once per type.</summary>
internal static class Wire<T>
{
    public static readonly WireKind Kind = typeof(T).IsValueType && !RuntimeHelpers.IsReferenceOrContainsReferences<T>()
        ? WireKind.Raw
        : typeof(T).IsSZArray && Datatypes.IsRaw(typeof(T).GetElementType()!) ? WireKind.RawArray : WireKind.Serialized;
}

/// <summary>The MPI datatype of a raw <typeparamref name="T"/>, resolved on first use (after MPI is initialized).</summary>
internal static class DatatypeOf<T>
{
    public static readonly nint Handle = Datatypes.For(typeof(T));
}

/// <summary>
/// Maps .NET types to MPI datatypes. Primitives use MPI's predefined types (so predefined reductions apply);
/// any other unmanaged struct travels as a committed contiguous type of its size in bytes.
/// </summary>
internal static unsafe class Datatypes
{
    private static readonly ConcurrentDictionary<Type, bool> RawTypes = new();
    private static readonly ConcurrentDictionary<Type, nint> Handles = new();
    private static readonly ConcurrentBag<nint> Created = [];
    /// <summary>Whether values of <paramref name="type"/> can be sent as their raw memory.</summary>
    public static bool IsRaw(Type type) => RawTypes.GetOrAdd(type, static t =>
        t.IsValueType && !t.IsGenericTypeDefinition && !t.ContainsGenericParameters && (t.IsPrimitive || t.IsEnum || !HoldsReferences(t)));

    // Asked of the GC rather than through a generic instantiation made at run time (which Native AOT cannot do): a
    // boxed value that holds references cannot be pinned. Once per type.
    private static bool HoldsReferences(Type type)
    {
        var zeros = new byte[Math.Max(RuntimeHelpers.SizeOf(type.TypeHandle), 1)];
        var boxed = RuntimeHelpers.Box(ref zeros[0], type.TypeHandle)!;
        try
        {
            GCHandle.Alloc(boxed, GCHandleType.Pinned).Free();
            return false;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    public static nint For(Type type) => Handles.GetOrAdd(type, Create);

    /// <summary>Whether <paramref name="type"/> maps to one of MPI's predefined datatypes (so predefined operations apply).</summary>
    public static bool IsPredefined(Type type) => type.IsPrimitive;

    public static int ElementSize(Type type) => RuntimeHelpers.SizeOf(type.TypeHandle);

    private static nint Create(Type type)
    {
        var t = Mpi.Abi.Datatypes;
        var code = Type.GetTypeCode(type.IsEnum ? Enum.GetUnderlyingType(type) : type);
        return code switch
        {
            TypeCode.SByte => t.Int8,
            TypeCode.Byte => t.UInt8,
            TypeCode.Int16 => t.Int16,
            TypeCode.UInt16 or TypeCode.Char => t.UInt16,
            TypeCode.Int32 => t.Int32,
            TypeCode.UInt32 => t.UInt32,
            TypeCode.Int64 => t.Int64,
            TypeCode.UInt64 => t.UInt64,
            TypeCode.Single => t.Float,
            TypeCode.Double => t.Double,
            TypeCode.Boolean => t.CBool,
            _ when type == typeof(nint) => t.Int64,
            _ when type == typeof(nuint) => t.UInt64,
            _ => CreateContiguous(ElementSize(type)),
        };
    }

    private static nint CreateContiguous(int size)
    {
        long handle = 0;
        Mpi.Check(Mpi.Type_contiguous(size, Mpi.Abi.Datatypes.Byte, &handle));
        Mpi.Check(Mpi.Type_commit(&handle));
        var committed = Mpi.ReadHandle(&handle);
        Created.Add(committed);
        return committed;
    }

    /// <summary>Before finalize: frees the datatypes this process created (MPICH reports leaked ones).</summary>
    public static void FreeCreated()
    {
        while (Created.TryTake(out var created))
        {
            long handle = 0;
            Mpi.WriteHandle(&handle, created);
            Mpi.Check(Mpi.Type_free(&handle));
        }
    }
}
