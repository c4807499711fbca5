namespace MPI;

/// <summary>
/// A one-sided call came at the wrong time: an access outside any epoch, an Unlock without its Lock, Complete
/// without Start, Wait without Post, epochs nested or mixed in a way MPI forbids, or a window freed inside an epoch.
/// Thrown before MPI is called when this library can tell (then <see cref="ErrorCode"/> is 0), and for MPI's own
/// MPI_ERR_RMA_SYNC.
/// </summary>
public class RmaSynchronizationException : InvalidOperationException
{
    /// <summary>A synchronization error this library detected before calling MPI.</summary>
    public RmaSynchronizationException(string message) : base(message) { }

    /// <summary>
    /// MPI returned <paramref name="errorCode"/>, of class <paramref name="errorClass"/> (MPI_ERR_RMA_SYNC or
    /// MPI_ERR_RMA_CONFLICT), with <paramref name="message"/> as its text.
    /// </summary>
    public RmaSynchronizationException(int errorCode, int errorClass, string message) : base(message)
    {
        (ErrorCode, ErrorClass) = (errorCode, errorClass);
        RmaErrorData.Record(this, errorCode, errorClass);
    }

    /// <summary>The code the MPI call returned; 0 when this library detected the error itself.</summary>
    public int ErrorCode { get; }

    /// <summary>The MPI error class of <see cref="ErrorCode"/>, in the loaded library's numbering; 0 when detected here.</summary>
    public int ErrorClass { get; }
}

/// <summary>
/// MPI reported conflicting accesses to a window (MPI_ERR_RMA_CONFLICT), for example conflicting locks on one
/// target.
/// </summary>
public class RmaConflictException : RmaSynchronizationException
{
    /// <summary>MPI returned <paramref name="errorCode"/>, of class <paramref name="errorClass"/>, with <paramref name="message"/> as its text.</summary>
    public RmaConflictException(int errorCode, int errorClass, string message)
        : base(errorCode, errorClass, message) { }
}

/// <summary>
/// A one-sided access reaches outside the target rank's window segment: a negative index, or index plus count
/// beyond the segment's length. Thrown before MPI is called (every rank's segment length is known from the
/// window's creation), and for MPI's own MPI_ERR_RMA_RANGE.
/// </summary>
public class RmaRangeException : ArgumentOutOfRangeException
{
    /// <summary>An access outside the target's segment, detected before calling MPI.</summary>
    public RmaRangeException(string paramName, object? actualValue, string message)
        : base(paramName, actualValue, message) { }

    /// <summary>MPI returned <paramref name="errorCode"/>, of class <paramref name="errorClass"/> (MPI_ERR_RMA_RANGE), with <paramref name="message"/> as its text.</summary>
    public RmaRangeException(int errorCode, int errorClass, string message) : base(null, message)
    {
        (ErrorCode, ErrorClass) = (errorCode, errorClass);
        RmaErrorData.Record(this, errorCode, errorClass);
    }

    /// <summary>The code the MPI call returned; 0 when this library detected the error itself.</summary>
    public int ErrorCode { get; }

    /// <summary>The MPI error class of <see cref="ErrorCode"/>, in the loaded library's numbering; 0 when detected here.</summary>
    public int ErrorClass { get; }
}

/// <summary>MPI's numbers on an RMA exception, where <see cref="MpiException"/> keeps them too.</summary>
internal static class RmaErrorData
{
    public static void Record(Exception exception, int errorCode, int errorClass)
    {
        exception.Data["MPI.ErrorCode"] = errorCode;
        exception.Data["MPI.ErrorClass"] = errorClass;
    }
}
