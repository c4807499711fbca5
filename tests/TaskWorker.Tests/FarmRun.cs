using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Text.Json;
using MPI.Logging;

namespace TaskWorker.Tests;

public enum Mpi
{
    OpenMpi,
    Mpich,
}

/// <summary>One record a rank sent through the record channel (compact JSON).</summary>
public sealed record Record(JsonElement Json)
{
    public string Template => Json.GetProperty("@mt").GetString()!;

    public string Level => Json.TryGetProperty("@l", out var level) ? level.GetString()! : "Information";

    public bool Has(string property) => Json.TryGetProperty(property, out _);

    public string? Text(string property) => Json.TryGetProperty(property, out var value) ? value.GetString() : null;

    public long Number(string property) => Json.GetProperty(property).GetInt64();

    public double Real(string property) => Json.GetProperty(property).GetDouble();

    /// <summary>The properties of the record other than Serilog's (@t, @mt...) and the rank enricher's.</summary>
    public IEnumerable<string> Properties => Json.EnumerateObject().Select(p => p.Name)
        .Where(name => !name.StartsWith('@') && name is not (JobContract.RankProperty or JobContract.SizeProperty
            or JobContract.HostProperty or JobContract.JobIdProperty or JobContract.ProcessIdProperty));

    public override string ToString() => Json.GetRawText();
}

/// <summary>
/// The task worker run under plain mpiexec as the launcher would run it: a farm definition file, a job id and a record
/// directory holding the marker, so each rank writes its records to rank-N.clef there.
/// </summary>
public sealed class FarmRun
{
    public static string Worker => Path.Combine(Repository.Root, "artifacts", "ParallelJob", "taskworker", TaskFarmContract.WorkerProgram);

    public required string JobId { get; init; }

    public required Command.Result Process { get; init; }

    public required IReadOnlyList<Record> Records { get; init; }

    public IReadOnlyList<Record> Results => [.. Records.Where(r => r.Template == TaskFarmContract.ResultTemplate)];

    /// <summary>The one result record of task <paramref name="index"/>.</summary>
    public Record Result(long index)
    {
        var found = Results.Where(r => r.Number(TaskFarmContract.TaskIndexProperty) == index).ToList();
        Assert.That(found, Has.Count.EqualTo(1), $"one result record for task {index}\n{Describe()}");
        return found[0];
    }

    public string Describe() =>
        $"exit {Process.ExitCode}\n{string.Join('\n', Records)}\n--- output ---\n{Process.Output}\n--- error ---\n{Process.Error}";

    /// <summary>Writes <paramref name="definition"/> to a fresh directory and runs the worker on it to its end.</summary>
    public static FarmRun Of(Mpi mpi, int ranks, FarmDefinition definition)
    {
        var directory = Scratch();
        var path = Path.Combine(directory, TaskFarmContract.DefinitionFile);
        TaskFarmContract.Write(path, definition);
        return OfPath(mpi, ranks, path, directory);
    }

    /// <summary>Runs the worker on the definition file <paramref name="path"/> (which may not exist), records under <paramref name="directory"/>.</summary>
    public static FarmRun OfPath(Mpi mpi, int ranks, string path, string directory)
    {
        var (jobId, recordDirectory, environment) = Channel(directory);
        var (launcher, arguments) = Launch(mpi, ranks, path);
        var result = Command.Run(launcher, arguments, directory, environment, TimeSpan.FromMinutes(2));
        return new FarmRun { JobId = jobId, Process = result, Records = ReadRecords(recordDirectory) };
    }

    /// <summary>
    /// Runs the worker on <paramref name="path"/> with one rank in each of <paramref name="workingDirectories"/> (one
    /// mpiexec application context each), so a relative path names a different file on each rank.
    /// </summary>
    public static FarmRun OfRanksIn(Mpi mpi, IReadOnlyList<string> workingDirectories, string path, string directory)
    {
        var (jobId, recordDirectory, environment) = Channel(directory);
        var (launcher, options) = mpi == Mpi.OpenMpi
            ? ("mpiexec.openmpi", new[] { "--oversubscribe", "--bind-to", "none" })
            : ("mpiexec.mpich", Array.Empty<string>());
        var arguments = new List<string>(options);
        foreach (var workingDirectory in workingDirectories)
        {
            if (arguments.Count > options.Length)
                arguments.Add(":");
            arguments.AddRange(["-n", "1", mpi == Mpi.OpenMpi ? "--wdir" : "-wdir", workingDirectory, Dotnet, Worker, path]);
        }
        var result = Command.Run(launcher, arguments, directory, environment, TimeSpan.FromMinutes(2));
        return new FarmRun { JobId = jobId, Process = result, Records = ReadRecords(recordDirectory) };
    }

    /// <summary>Starts the worker on <paramref name="definition"/> without waiting: the process, its job id and its record directory.</summary>
    public static (Process Mpiexec, string JobId, string RecordDirectory) Start(Mpi mpi, int ranks, FarmDefinition definition)
    {
        var directory = Scratch();
        var path = Path.Combine(directory, TaskFarmContract.DefinitionFile);
        TaskFarmContract.Write(path, definition);
        var (jobId, recordDirectory, environment) = Channel(directory);
        var (launcher, arguments) = Launch(mpi, ranks, path);
        var start = new ProcessStartInfo(launcher)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment.Remove("TERM");
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        return (System.Diagnostics.Process.Start(start)!, jobId, recordDirectory);
    }

    public static IReadOnlyList<Record> ReadRecords(string recordDirectory)
    {
        var records = new List<Record>();
        foreach (var file in Directory.EnumerateFiles(recordDirectory, "rank-*.clef").Order())
        {
            var bytes = File.ReadAllBytes(file);
            int end = Array.IndexOf(bytes, (byte)0);
            var text = System.Text.Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                records.Add(new Record(JsonDocument.Parse(line).RootElement.Clone()));
        }
        return records;
    }

    /// <summary>A fresh directory under the test run's work directory.</summary>
    public static string Scratch()
    {
        var directory = Path.Combine(TestContext.CurrentContext.WorkDirectory, "taskworker", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static (string JobId, string RecordDirectory, Dictionary<string, string> Environment) Channel(string directory)
    {
        var jobId = "tw" + Guid.NewGuid().ToString("N")[..10];
        var recordDirectory = Path.Combine(directory, "records");
        Directory.CreateDirectory(recordDirectory);
        File.WriteAllText(Path.Combine(recordDirectory, JobContract.RecordDirectoryMarker), jobId);
        var environment = new Dictionary<string, string>
        {
            [JobContract.JobIdVariable] = jobId,
            [JobContract.RecordDirectoryVariable] = recordDirectory,
            ["OMPI_ALLOW_RUN_AS_ROOT"] = "1",
            ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1",
        };
        return (jobId, recordDirectory, environment);
    }

    private static string Dotnet => System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private static (string Launcher, List<string> Arguments) Launch(Mpi mpi, int ranks, string path) =>
        mpi == Mpi.OpenMpi
            ? ("mpiexec.openmpi", ["--oversubscribe", "--bind-to", "none", "-n", $"{ranks}", Dotnet, Worker, path])
            : ("mpiexec.mpich", ["-n", $"{ranks}", Dotnet, Worker, path]);

    /// <summary>CliXml of <paramref name="value"/>, as the module writes inputs, using values and arguments.</summary>
    public static string Xml(object? value) => PSSerializer.Serialize(value, TaskFarmContract.SerializationDepth);

    /// <summary>The objects of a CliXml array (a task's output or error records).</summary>
    public static object?[] Items(string? cliXml)
    {
        if (cliXml is null)
            return [];
        var value = PSSerializer.Deserialize(cliXml);
        return (value is PSObject wrapped ? wrapped.BaseObject : value) is IList list ? [.. list.Cast<object?>()] : [value];
    }
}
