using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MPI.Native;

namespace MPI;

/// <summary>Combines two values in a reduction; <paramref name="x"/> comes from the lower rank.</summary>
public delegate T ReductionOperation<T>(T x, T y);

/// <summary>
/// The standard reductions for <typeparamref name="T"/>: arithmetic and logical operators on primitives (which
/// run inside MPI as its predefined operations), the operators a user type defines (<c>op_Addition</c>,
/// <c>op_LessThan</c>...), and string concatenation. Asking for an operation the type does not support throws
/// <see cref="InvalidOperationException"/> naming the type and the operator.
/// </summary>
public sealed class Operation<T> : IDisposable
{
    private static readonly Lazy<ReductionOperation<T>> AddOperation = new(() => Build("Add", Expression.Add));
    private static readonly Lazy<ReductionOperation<T>> MultiplyOperation = new(() => Build("Multiply", Expression.Multiply));
    private static readonly Lazy<ReductionOperation<T>> MinOperation = new(() => Build("Min", Expression.LessThan, select: true));
    private static readonly Lazy<ReductionOperation<T>> MaxOperation = new(() => Build("Max", Expression.GreaterThan, select: true));
    private static readonly Lazy<ReductionOperation<T>> LogicalAndOperation = new(() => Build("LogicalAnd", Expression.AndAlso));
    private static readonly Lazy<ReductionOperation<T>> LogicalOrOperation = new(() => Build("LogicalOr", Expression.OrElse));
    private static readonly Lazy<ReductionOperation<T>> BitwiseAndOperation = new(() => Build("BitwiseAnd", Expression.And));
    private static readonly Lazy<ReductionOperation<T>> BitwiseOrOperation = new(() => Build("BitwiseOr", Expression.Or));
    private static readonly Lazy<ReductionOperation<T>> ExclusiveOrOperation = new(() => Build("ExclusiveOr", Expression.ExclusiveOr));

    /// <summary>Wraps a reduction so that raw values reduce inside MPI with it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="op"/> is null.</exception>
    public Operation(ReductionOperation<T> op)
    {
        ArgumentNullException.ThrowIfNull(op);
        Reduction = op;
    }

    /// <summary>The reduction this operation applies.</summary>
    public ReductionOperation<T> Reduction { get; }

    /// <summary>
    /// The MPI operation handle (<c>MPI_Op</c>, at the library's width) for raw values of <typeparamref name="T"/>:
    /// a predefined one (MPI_SUM...) when <see cref="Reduction"/> is a standard reduction of a primitive type,
    /// otherwise the one user operation (MPI_Op_create, non-commutative) that every user reduction shares.
    /// </summary>
    /// <exception cref="InvalidOperationException">MPI is not initialized.</exception>
    /// <exception cref="MpiException">MPI could not create the operation.</exception>
    public nint Op => Reductions.HandleFor(Reduction);

#pragma warning disable CA1000 // MPI.NET's API: Operation<int>.Add is how programs name a reduction.
    /// <summary>x + y (MPI_SUM for primitives; <c>op_Addition</c>, or concatenation for strings).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no addition operator.</exception>
    public static ReductionOperation<T> Add => AddOperation.Value;

    /// <summary>x * y (MPI_PROD for primitives; <c>op_Multiply</c> otherwise).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no multiplication operator.</exception>
    public static ReductionOperation<T> Multiply => MultiplyOperation.Value;

    /// <summary>The smaller of x and y, x on a tie (MPI_MIN for primitives; <c>op_LessThan</c> otherwise).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no &lt; operator.</exception>
    public static ReductionOperation<T> Min => MinOperation.Value;

    /// <summary>The larger of x and y, y on a tie (MPI_MAX for primitives; <c>op_GreaterThan</c> otherwise).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no &gt; operator.</exception>
    public static ReductionOperation<T> Max => MaxOperation.Value;

    /// <summary>x &amp;&amp; y (MPI_LAND for primitives).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not <see cref="bool"/> and defines no such operator.</exception>
    public static ReductionOperation<T> LogicalAnd => LogicalAndOperation.Value;

    /// <summary>x || y (MPI_LOR for primitives).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not <see cref="bool"/> and defines no such operator.</exception>
    public static ReductionOperation<T> LogicalOr => LogicalOrOperation.Value;

    /// <summary>x &amp; y (MPI_BAND for integers; <c>op_BitwiseAnd</c> otherwise).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no &amp; operator.</exception>
    public static ReductionOperation<T> BitwiseAnd => BitwiseAndOperation.Value;

    /// <summary>x | y (MPI_BOR for integers; <c>op_BitwiseOr</c> otherwise).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no | operator.</exception>
    public static ReductionOperation<T> BitwiseOr => BitwiseOrOperation.Value;

    /// <summary>x ^ y (MPI_BXOR for integers; <c>op_ExclusiveOr</c> otherwise).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no ^ operator.</exception>
    public static ReductionOperation<T> ExclusiveOr => ExclusiveOrOperation.Value;
#pragma warning restore CA1000

    /// <summary>Nothing to release: MPI operations for user reductions are freed at finalize.</summary>
    public void Dispose() { }

    /// <summary>The predefined MPI operation that <paramref name="op"/> is, for raw primitives; 0 otherwise.</summary>
    internal static nint PredefinedHandle(ReductionOperation<T> op)
    {
        if (!Datatypes.IsPredefined(typeof(T)))
            return 0;
        var ops = Mpi.Abi.Ops;
        bool integral = typeof(T) != typeof(float) && typeof(T) != typeof(double);
        if (Is(op, AddOperation)) return ops.Sum;
        if (Is(op, MultiplyOperation)) return ops.Prod;
        if (Is(op, MinOperation)) return ops.Min;
        if (Is(op, MaxOperation)) return ops.Max;
        if (Is(op, LogicalAndOperation)) return ops.LogicalAnd;
        if (Is(op, LogicalOrOperation)) return ops.LogicalOr;
        if (integral && Is(op, BitwiseAndOperation)) return ops.BitwiseAnd;
        if (integral && Is(op, BitwiseOrOperation)) return ops.BitwiseOr;
        if (integral && Is(op, ExclusiveOrOperation)) return ops.BitwiseXor;
        return 0;
    }

    private static bool Is(ReductionOperation<T> op, Lazy<ReductionOperation<T>> standard) =>
        standard.IsValueCreated && ReferenceEquals(op, standard.Value);

    private static ReductionOperation<T> Build(string name, Func<Expression, Expression, Expression> combine,
        bool select = false)
    {
        if (typeof(T) == typeof(string) && name == "Add")
            return (ReductionOperation<T>)(object)new ReductionOperation<string>((x, y) => string.Concat(x, y));
        var x = Expression.Parameter(typeof(T), "x");
        var y = Expression.Parameter(typeof(T), "y");
        // C# promotes small integers to int before arithmetic; expression trees do not, so do it here.
        var promoted = IsSmallInteger(typeof(T)) ? typeof(int) : typeof(T);
        Expression Promote(Expression e) => promoted == typeof(T) ? e : Expression.Convert(e, promoted);
        try
        {
            var combined = combine(Promote(x), Promote(y));
            Expression body = select
                ? Expression.Condition(combined, x, y)
                : promoted == typeof(T) ? combined : Expression.Convert(combined, typeof(T));
            return Expression.Lambda<ReductionOperation<T>>(body, x, y).Compile();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException(
                $"Operation<{typeof(T)}>.{name} is not defined: {typeof(T)} has no operator for it. " +
                "Define the operator on the type, or pass your own ReductionOperation delegate.", e);
        }
    }

    private static bool IsSmallInteger(Type type) =>
        type == typeof(byte) || type == typeof(sbyte) || type == typeof(short) || type == typeof(ushort) ||
        type == typeof(char);
}

/// <summary>
/// MPI operations for user reductions over raw values. Each delegate gets one MPI_Op whose function is a single
/// native entry point; which delegate to run is found from the datatype MPI passes back, because every
/// reduction call with a user delegate uses a private duplicate of the element datatype, registered for the
/// duration of the call. Operations are declared non-commutative, so MPI combines in rank order.
/// </summary>
internal static unsafe class Reductions
{
    private static readonly ConcurrentDictionary<nint, Combiner> ByDatatype = new();
    private static readonly Lock UserOpGate = new();
    private static volatile nint _userOp;

    /// <summary>
    /// The single MPI_Op every user reduction uses (created on first use, freed at finalize). Created under a lock:
    /// threads reducing at once must not each create one, leaking all but the last.
    /// </summary>
    public static nint UserOp
    {
        get
        {
            if (_userOp != 0)
                return _userOp;
            lock (UserOpGate)
            {
                if (_userOp != 0)
                    return _userOp;
                long handle = 0;
                Mpi.Check(Mpi.Op_create(&Combine, 0, &handle));
                return _userOp = Mpi.ReadHandle(&handle);
            }
        }
    }

    public static nint HandleFor<T>(ReductionOperation<T> op)
    {
        var predefined = Operation<T>.PredefinedHandle(op);
        return predefined != 0 ? predefined : UserOp;
    }

    /// <summary>
    /// Makes <paramref name="op"/> callable by MPI: the returned scope holds the datatype and operation to pass to
    /// the reduction call, and unregisters them when disposed (after the call completes).
    /// </summary>
    public static ReductionScope Register<T>(ReductionOperation<T> op)
    {
        var predefined = Operation<T>.PredefinedHandle(op);
        if (predefined != 0)
            return new ReductionScope(DatatypeOf<T>.Handle, predefined, registered: false);
        long copy = 0;
        Mpi.Check(Mpi.Type_dup(DatatypeOf<T>.Handle, &copy));
        var datatype = Mpi.ReadHandle(&copy);
        ByDatatype[datatype] = new Combiner<T>(op);
        return new ReductionScope(datatype, UserOp, registered: true);
    }

    public static void Unregister(nint datatype)
    {
        if (!ByDatatype.TryRemove(datatype, out var combiner))
            return;
        long handle = 0;
        Mpi.WriteHandle(&handle, datatype);
        Mpi.Check(Mpi.Type_free(&handle));
        combiner.RethrowFailure();
    }

    /// <summary>Before finalize: frees the user operation.</summary>
    public static void FreeAll()
    {
        if (_userOp == 0)
            return;
        long handle = 0;
        Mpi.WriteHandle(&handle, _userOp);
        Mpi.Op_free(&handle);
        _userOp = 0;
    }

    // MPI's user function: inoutvec[i] = invec[i] op inoutvec[i]. Exceptions cannot cross into native code: the
    // first one is kept and rethrown when the call returns.
    [UnmanagedCallersOnly]
    private static void Combine(void* invec, void* inoutvec, int* length, void* datatype)
    {
        if (ByDatatype.TryGetValue(Mpi.ReadHandle(datatype), out var combiner))
            combiner.Combine(invec, inoutvec, *length);
    }

    private abstract class Combiner
    {
        private Exception? _failure;

        public void Combine(void* input, void* inputOutput, int length)
        {
            if (_failure is not null)
                return;
            try
            {
                CombineCore(input, inputOutput, length);
            }
#pragma warning disable CA1031 // Any exception of the user's delegate is carried back to the caller.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _failure = e;
            }
        }

        public void RethrowFailure()
        {
            if (_failure is not null)
                throw new InvalidOperationException($"The reduction operation threw: {_failure.Message}", _failure);
        }

        protected abstract void CombineCore(void* input, void* inputOutput, int length);
    }

    private sealed class Combiner<T>(ReductionOperation<T> op) : Combiner
    {
        protected override void CombineCore(void* input, void* inputOutput, int length)
        {
            ref T x = ref Unsafe.AsRef<T>(input);
            ref T y = ref Unsafe.AsRef<T>(inputOutput);
            for (int i = 0; i < length; i++)
                Unsafe.Add(ref y, i) = op(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i));
        }
    }
}

/// <summary>The datatype and operation one reduction call passes to MPI; disposing it unregisters a user reduction.</summary>
internal readonly struct ReductionScope(nint datatype, nint op, bool registered) : IDisposable
{
    public nint Datatype { get; } = datatype;
    public nint Op { get; } = op;

    public void Dispose()
    {
        if (registered)
            Reductions.Unregister(Datatype);
    }
}
