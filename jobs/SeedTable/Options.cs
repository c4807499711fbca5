using System.Globalization;

/// <summary>The MPI implementation whose mpiexec starts the rank variants.</summary>
internal enum MpiChoice
{
    OpenMpi,
    Mpich,
}

/// <summary>
/// The command line, shared by the table driver and the rank workers it starts (which get the same sizes back as
/// options, plus <c>--worker</c>, <c>--workload</c> and where to find the directory and the server).
/// </summary>
internal sealed record Options
{
    public const int CpuItems = 64, IoItems = 16;

    public MpiChoice Mpi { get; init; } = MpiChoice.OpenMpi;

    public int Ranks { get; init; } = Math.Max(2, System.Environment.ProcessorCount);

    public int Threads { get; init; } = Math.Max(2, System.Environment.ProcessorCount);

    public long CpuIterations { get; init; } = 1_500_000_000;

    public long Lines { get; init; } = 8_000_000;

    public int Requests { get; init; } = 10;

    /// <summary>Rounds of the whole table; each cell shows its fastest run (every run is verified).</summary>
    public int Repeat { get; init; } = 1;

    public double DelayScale { get; init; } = 1;

    /// <summary>In a rank worker: which variant (ranks, shared, startup); null in the driver.</summary>
    public string? Worker { get; init; }

    public string Workload { get; init; } = "";

    public string Directory { get; init; } = "";

    public int Port { get; init; }

    public const string Usage =
        "Usage: SeedTable [--mpi openmpi|mpich] [--ranks N] [--threads N] [--quick] [--cpu ITERATIONS] [--lines N] " +
        "[--requests N] [--delay-scale X] [--repeat N]";

    /// <summary>Reads the command line.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing value, or a value out of range.</exception>
    public static Options Parse(IReadOnlyList<string> args)
    {
        var options = new Options();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name == "--quick")
            {
                options = options with { CpuIterations = 100_000_000, Lines = 200_000, DelayScale = 0.1 };
                continue;
            }
            if (i + 1 >= args.Count)
                throw new ArgumentException($"{name} needs a value (or is not an option). {Usage}");
            string value = args[++i];
            options = name switch
            {
                "--mpi" => options with
                {
                    Mpi = value switch
                    {
                        "openmpi" => MpiChoice.OpenMpi,
                        "mpich" => MpiChoice.Mpich,
                        _ => throw new ArgumentException($"--mpi takes openmpi or mpich, not \"{value}\"."),
                    },
                },
                "--ranks" => options with { Ranks = (int)Number(name, value, 1, 1024) },
                "--threads" => options with { Threads = (int)Number(name, value, 1, 1024) },
                "--cpu" => options with { CpuIterations = Number(name, value, CpuItems, long.MaxValue / 2) },
                "--lines" => options with { Lines = Number(name, value, IoItems, 1L << 32) },
                "--requests" => options with { Requests = (int)Number(name, value, 1, 1000) },
                "--delay-scale" => options with { DelayScale = Scale(value) },
                "--repeat" => options with { Repeat = (int)Number(name, value, 1, 100) },
                "--worker" => options with { Worker = value },
                "--workload" => options with { Workload = value },
                "--dir" => options with { Directory = value },
                "--port" => options with { Port = (int)Number(name, value, 1, 65535) },
                _ => throw new ArgumentException($"Unknown option {name}. {Usage}"),
            };
        }
        return options;
    }

    /// <summary>The options that give a rank worker the same sizes as the driver.</summary>
    public IEnumerable<string> WorkerArguments(string worker, string workload, string directory, int port) =>
    [
        "--worker", worker, "--workload", workload, "--dir", directory, "--port", Text(port),
        "--cpu", Text(CpuIterations), "--lines", Text(Lines), "--requests", Text(Requests),
        "--delay-scale", DelayScale.ToString("R", CultureInfo.InvariantCulture),
    ];

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long Number(string name, string value, long min, long max) =>
        long.TryParse(value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long number) && number >= min && number <= max
            ? number
            : throw new ArgumentException($"{name} takes a whole number from {min} to {max}, not \"{value}\".");

    private static double Scale(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double scale) && scale is >= 0 and <= 100
            ? scale
            : throw new ArgumentException($"--delay-scale takes a number from 0 to 100, not \"{value}\".");
}
