using MPI.Native;

namespace MPI;

/// <summary>An MPI call failed. Carries the implementation's error code, its error class and its error text.</summary>
public class MpiException : Exception
{
    public MpiException(string message) : base(message) { }

    public MpiException(string message, Exception inner) : base(message, inner) { }

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
    public MessageTruncatedException(string message) : base(message) { }

    public MessageTruncatedException(int errorCode, int errorClass, string message)
        : base(errorCode, errorClass, message) { }
}

/// <summary>MPI rejected an argument: a rank, tag, count, datatype, communicator, root, group or operation.</summary>
public class MpiArgumentException : ArgumentException
{
    public MpiArgumentException(int errorCode, int errorClass, string message) : base(message)
    {
        ErrorCode = errorCode;
        ErrorClass = errorClass;
        Data["MPI.ErrorCode"] = errorCode;
        Data["MPI.ErrorClass"] = errorClass;
    }

    public int ErrorCode { get; }
    public int ErrorClass { get; }
}

/// <summary>The native MPI library could not be found or loaded, or it does not match the launcher.</summary>
public class MpiLibraryException : Exception
{
    public MpiLibraryException(string message) : base(message) { }
}

/// <summary>A serialized message could not be turned back into the type the receiver asked for.</summary>
public class MessageTypeMismatchException : MpiException
{
    public MessageTypeMismatchException(string message, Exception? inner = null) : base(message, inner!) { }
}

/// <summary>Turns MPI return codes into exceptions, by error class.</summary>
internal static class ErrorTranslation
{
    public static Exception ToException(int code)
    {
        int errorClass = Mpi.ErrorClass(code);
        var text = Mpi.ErrorString(code);
        var errors = Mpi.Abi.Errors;
        if (errorClass == errors.Truncate)
            return new MessageTruncatedException(code, errorClass, $"Message truncated: {text}");
        int[] argumentClasses =
        [
            errors.Buffer, errors.Count, errors.Type, errors.Tag, errors.Comm, errors.Rank, errors.Root, errors.Group,
            errors.Op, errors.Arg, errors.Topology, errors.Dims, errors.Request,
        ];
        return argumentClasses.Contains(errorClass)
            ? new MpiArgumentException(code, errorClass, text)
            : new MpiException(code, errorClass, text);
    }
}
