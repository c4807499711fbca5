namespace MPI;

/// <summary>
/// MPI granted less thread support than the program requires (see <see cref="Environment.RequireThreading"/>):
/// names the level required, the level MPI provided and the library that provided it.
/// </summary>
public sealed class ThreadingNotProvidedException : InvalidOperationException
{
    /// <summary>Describes a library that granted <paramref name="provided"/> where <paramref name="required"/> was needed.</summary>
    /// <param name="required">The level the program needs.</param>
    /// <param name="provided">The level MPI granted (MPI_Init_thread's <c>provided</c>).</param>
    /// <param name="library">The library's name and version line, as the message shows it.</param>
    public ThreadingNotProvidedException(Threading required, Threading provided, string library)
        : base($"This program needs MPI thread support {required}, but {library} provided {provided}. " +
            Advice(required, provided))
    {
        Required = required;
        Provided = provided;
        Library = library;
    }

    /// <summary>The thread support level the program requires.</summary>
    public Threading Required { get; }

    /// <summary>The thread support level MPI granted.</summary>
    public Threading Provided { get; }

    /// <summary>The MPI library that granted <see cref="Provided"/> (file name and version line).</summary>
    public string Library { get; }

    private static string Advice(Threading required, Threading provided) =>
        provided < required && required == Threading.Multiple
            ? "Ask for it when initializing (new Environment(ref args, Threading.Multiple) or Environment.Run(ref args, " +
              "Threading.Multiple, ...)); if it was asked for, use an MPI library built with MPI_THREAD_MULTIPLE " +
              "support (Debian's Open MPI and MPICH grant it), or call MPI from one thread at a time and require " +
              "Threading.Serialized."
            : $"Ask for Threading.{required} when initializing (new Environment(ref args, Threading.{required}) or " +
              $"Environment.Run(ref args, Threading.{required}, ...)).";
}
