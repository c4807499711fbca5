using MPI.Native;

namespace MPI;

/// <summary>An MPI call failed. Carries the implementation's error code, its error class and its error text.</summary>
public class MpiException : Exception
{
    /// <summary>A failure this library detected itself, with no MPI error code (<see cref="ErrorCode"/> is 0).</summary>
    public MpiException(string message) : base(message) { }

    /// <summary>A failure this library detected itself, caused by <paramref name="inner"/>.</summary>
    public MpiException(string message, Exception inner) : base(message, inner) { }

    /// <summary>
    /// A failed MPI call: <paramref name="errorCode"/> is what it returned, <paramref name="errorClass"/> its class
    /// (MPI_Error_class), <paramref name="message"/> its text (MPI_Error_string). Both numbers are also in
    /// <see cref="Exception.Data"/> under "MPI.ErrorCode" and "MPI.ErrorClass".
    /// </summary>
    public MpiException(int errorCode, int errorClass, string message) : base(message)
    {
        ErrorCode = errorCode;
        ErrorClass = errorClass;
        Data["MPI.ErrorCode"] = errorCode;
        Data["MPI.ErrorClass"] = errorClass;
    }

    /// <summary>The code the MPI call returned (MPICH encodes extra detail in it; compare classes, not codes).</summary>
    public int ErrorCode { get; }

    /// <summary>The MPI error class of <see cref="ErrorCode"/>, in the loaded library's numbering.</summary>
    public int ErrorClass { get; }
}

/// <summary>A message was longer than the buffer that received it (MPI_ERR_TRUNCATE).</summary>
public class MessageTruncatedException : MpiException
{
    /// <summary>A truncation this library detected itself (a serialized message larger than announced).</summary>
    public MessageTruncatedException(string message) : base(message) { }

    /// <summary>MPI reported MPI_ERR_TRUNCATE: <paramref name="errorCode"/> as returned, in class <paramref name="errorClass"/>.</summary>
    public MessageTruncatedException(int errorCode, int errorClass, string message)
        : base(errorCode, errorClass, message) { }
}

/// <summary>MPI rejected an argument: a rank, tag, count, datatype, communicator, root, group or operation.</summary>
public class MpiArgumentException : ArgumentException
{
    /// <summary>
    /// MPI returned <paramref name="errorCode"/>, of an argument error class (<paramref name="errorClass"/>:
    /// MPI_ERR_RANK, MPI_ERR_TAG, MPI_ERR_COUNT...), with <paramref name="message"/> as its text.
    /// </summary>
    public MpiArgumentException(int errorCode, int errorClass, string message) : base(message)
    {
        ErrorCode = errorCode;
        ErrorClass = errorClass;
        Data["MPI.ErrorCode"] = errorCode;
        Data["MPI.ErrorClass"] = errorClass;
    }

    /// <summary>The code the MPI call returned (MPICH encodes extra detail in it; compare classes, not codes).</summary>
    public int ErrorCode { get; }

    /// <summary>The MPI error class of <see cref="ErrorCode"/>, in the loaded library's numbering.</summary>
    public int ErrorClass { get; }
}

/// <summary>The native MPI library could not be found or loaded, or it does not match the launcher.</summary>
public class MpiLibraryException : Exception
{
    /// <summary>The library problem, with what was looked for or found and how to fix it.</summary>
    public MpiLibraryException(string message) : base(message) { }
}

/// <summary>A serialized message could not be turned back into the type the receiver asked for.</summary>
public class MessageTypeMismatchException : MpiException
{
    /// <summary>The mismatch (sender's type, receiver's type, rank and tag), with the serializer's failure if any.</summary>
    public MessageTypeMismatchException(string message, Exception? inner = null) : base(message, inner!) { }
}

/// <summary>Turns MPI return codes into exceptions, by error class.</summary>
internal static class ErrorTranslation
{
    public static Exception ToException(int code)
    {
        var errors = Mpi.Abi.Errors; // first: it throws a clear error when no library is loaded yet
        int errorClass = Mpi.ErrorClass(code);
        var text = Mpi.ErrorString(code);
        if (errorClass == errors.Truncate)
        {
            // MPICH appends its internal call stack, which says nothing a caller can use.
            int stack = text.IndexOf(", error stack:", StringComparison.Ordinal);
            return new MessageTruncatedException(code, errorClass, $"Message truncated: {(stack < 0 ? text : text[..stack])}");
        }
        var rma = Mpi.Abi.OneSided.Errors;
        if (errorClass == rma.RmaSync)
            return new RmaSynchronizationException(code, errorClass, $"RMA synchronization error: {text}");
        if (errorClass == rma.RmaConflict)
            return new RmaConflictException(code, errorClass, $"Conflicting RMA accesses: {text}");
        if (errorClass == rma.RmaRange)
            return new RmaRangeException(code, errorClass, $"RMA access outside the target's window: {text}");
        int[] argumentClasses =
        [
            errors.Buffer, errors.Count, errors.Type, errors.Tag, errors.Comm, errors.Rank, errors.Root, errors.Group,
            errors.Op, errors.Arg, errors.Topology, errors.Dims, errors.Request,
        ];
        return argumentClasses.Contains(errorClass)
            ? new MpiArgumentException(code, errorClass, text)
            : new MpiException(code, errorClass, text);
    }

    /// <summary>
    /// <see cref="ToException"/> for a failed receive of up to <paramref name="count"/> elements of
    /// <paramref name="datatype"/> with this envelope (native values): a truncation names the sender, the tag and the
    /// room the receive had, and the usual cause. MPI fills the status of a failed receive, so where the receive had a
    /// wildcard, <paramref name="status"/> (when not MPI_STATUS_IGNORE) names the message it matched.
    /// </summary>
    public static unsafe Exception ForReceive(int code, int nativeSource, int nativeTag, int count, nint datatype,
        StatusBuffer* status)
    {
        var error = ToException(code);
        if (error is not MessageTruncatedException truncated)
            return error;
        if (status != null && status != (StatusBuffer*)Mpi.Abi.StatusIgnore)
        {
            if (nativeSource == Mpi.Abi.AnySource)
                nativeSource = status->Source;
            if (nativeTag == Mpi.Abi.AnyTag)
                nativeTag = status->Tag;
        }
        int size = 0;
        Mpi.Type_size(datatype, &size);
        string from = nativeSource == Mpi.Abi.AnySource ? "any rank" : $"rank {Ranks.FromNative(nativeSource)}";
        string tag = nativeTag == Mpi.Abi.AnyTag ? "any tag" : $"tag {nativeTag}";
        string room = count == 1 ? $"one value of {size} bytes" : $"{count} values of {size} bytes each";
        return new MessageTruncatedException(truncated.ErrorCode, truncated.ErrorClass,
            $"Message truncated: the message from {from} with {tag} is longer than the receive buffer ({room}): " +
            "it was sent as more values, or as an array or an object where the receiver expected fewer values.");
    }
}
