// Get-ParallelJob and Get-Job over a store of 1,000 jobs through the module, in a hosted runspace, against reading the
// 1,000 manifests directly (the baseline), in the same run. The store: 800 local jobs that ended and 200 batch jobs
// (160 ended, 25 queued, 15 running), each a copy of a real 2-rank Hello job's directory (its manifest and logs).
// Before: any build of the module with the same store format (pass that build's ParallelJob.psd1).
//
// Usage: StoreBench <module.psd1> <Hello.dll> [runs]
// With Slurm's squeue and sacct on PATH, each is wrapped by a script that counts its runs and then runs it; with sbatch
// too, the queued and running batch jobs take the ids of real held jobs (cancelled at the end), else made-up ids.
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation.Runspaces;
using System.Text.Json;
using System.Text.Json.Nodes;

if (args is ["template", var templateModule, var templateHello])
{
    // In a process of its own, so the measured session has never seen a job.
    using var session = Open(templateModule);
    var id = Run(session, $"(Start-ParallelJob '{templateHello}' -Ranks 2 -MpiImplementation Mpich -Name template -AllowRunAsRoot | Wait-ParallelJob -Timeout 120).JobId").Single();
    Console.WriteLine(id);
    return 0;
}
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: StoreBench <module.psd1> <Hello.dll> [runs]");
    return 2;
}
var module = Path.GetFullPath(args[0]);
var hello = Path.GetFullPath(args[1]);
int runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
var work = Directory.CreateTempSubdirectory("store-bench-").FullName;
var store = Path.Combine(work, "store");
Environment.SetEnvironmentVariable("SPMD_JOB_STORE", store);
var calls = Path.Combine(work, "scheduler-calls");
var scheduler = WrapScheduler(Path.Combine(work, "bin"), calls);
var held = new List<string>();
try
{
    var template = Template(module, hello, store);
    held.AddRange(HeldBatchJobs(40));
    int local = 800, finishedBatch = 160, queued = 25;
    for (int i = 0; i < 1000; i++)
    {
        var id = $"20260101-{i:000000}-bench";
        if (i < local)
            Copy(template, store, id, _ => { });
        else if (i < local + finishedBatch)
            Copy(template, store, id, manifest => manifest["Batch"] = Batch($"{800000 + i}"));
        else
        {
            int pending = i - local - finishedBatch;
            var batchId = held.Count > 0 ? held[pending % held.Count] : $"{900000 + pending}";
            Copy(template, store, id, manifest =>
            {
                manifest["Batch"] = Batch(batchId);
                manifest["State"] = pending < queued ? "Queued" : "Running";
                manifest["Ended"] = null;
                manifest["ExitCode"] = null;
            });
        }
    }
    Directory.Delete(Path.Combine(store, template), recursive: true);
    Console.WriteLine($"Store: 1000 jobs (800 local ended; 200 batch: 160 ended, 25 queued, 15 running); scheduler: {scheduler}; {(held.Count > 0 ? $"{held.Count} real held batch ids" : "made-up batch ids")}; {runs} runs");

    var manifests = Directory.GetDirectories(store).Select(directory => Path.Combine(directory, "manifest.json")).ToList();
    var baseline = Median(runs, () =>
    {
        foreach (var path in manifests)
            JsonDocument.Parse(File.ReadAllBytes(path)).Dispose();
    });
    Report("Reading the 1000 manifests directly (baseline)", baseline, baseline, 0);

    using var session = Open(module);
    long before = Calls(calls);
    var first = Stopwatch.StartNew();
    int count = int.Parse(Run(session, "@(Get-ParallelJob).Count").Single(), CultureInfo.InvariantCulture);
    first.Stop();
    if (count != 1000)
        throw new InvalidOperationException($"Get-ParallelJob returned {count} jobs, not 1000.");
    Report("First Get-ParallelJob of the session (loads the store)", first.Elapsed.TotalSeconds, baseline, Calls(calls) - before);
    foreach (var command in new[] { "Get-ParallelJob", "Get-Job", "Get-ParallelJob -State Queued", "Get-Job -Name '20260101-000999-bench'" })
    {
        before = Calls(calls);
        var median = Median(runs, () => Run(session, $"$null = {command}"));
        Report($"{command} (median of {runs})", median, baseline, Calls(calls) - before);
    }
    before = Calls(calls);
    Thread.Sleep(TimeSpan.FromSeconds(5));
    Console.WriteLine($"  idle for 5 s afterwards: {Calls(calls) - before} scheduler commands run in the background");
    return 0;
}
finally
{
    if (held.Count > 0)
        Process.Start("scancel", held)!.WaitForExit();
    // An older module may still be writing the store from its session's background threads.
    for (int attempt = 0; Directory.Exists(work); attempt++)
    {
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException) when (attempt < 5)
        {
            Thread.Sleep(1000);
        }
    }
}

static Runspace Open(string module)
{
    var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault());
    runspace.Open();
    Run(runspace, $"Import-Module '{module}' -ErrorAction Stop");
    return runspace;
}

static List<string> Run(Runspace runspace, string script)
{
    using var shell = System.Management.Automation.PowerShell.Create(runspace);
    var output = shell.AddScript(script).Invoke();
    if (shell.Streams.Error.Count > 0)
        throw new InvalidOperationException($"{script}: {shell.Streams.Error[0]}");
    return [.. output.Select(item => item?.ToString() ?? "")];
}

static string Template(string module, string hello, string store)
{
    var self = typeof(Program).Assembly.Location;
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
    foreach (var argument in new[] { self, "template", module, hello })
        start.ArgumentList.Add(argument);
    using var process = Process.Start(start)!;
    var id = process.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
    process.WaitForExit();
    if (process.ExitCode != 0 || !Directory.Exists(Path.Combine(store, id)))
        throw new InvalidOperationException($"The template job did not run: {id}");
    return id;
}

static void Copy(string template, string store, string id, Action<JsonObject> change)
{
    var source = Path.Combine(store, template);
    var target = Directory.CreateDirectory(Path.Combine(store, id)).FullName;
    foreach (var file in Directory.GetFiles(source))
    {
        if (Path.GetFileName(file) != "manifest.json")
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }
    var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "manifest.json")))!.AsObject();
    manifest["Id"] = id;
    manifest["Name"] = id;
    change(manifest);
    File.WriteAllText(Path.Combine(target, "manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}

static JsonObject Batch(string batchId) => new()
{
    ["Scheduler"] = "slurm",
    ["BatchJobId"] = batchId,
    ["Options"] = new JsonObject { ["Directives"] = new JsonArray() },
};

// Scripts named squeue and sacct, first on PATH, that count their runs and run the real command.
static string WrapScheduler(string directory, string log)
{
    Directory.CreateDirectory(directory);
    var path = Environment.GetEnvironmentVariable("PATH") ?? "";
    var wrapped = new List<string>();
    foreach (var name in new[] { "squeue", "sacct" })
    {
        var real = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
        if (real is null)
            continue;
        var script = Path.Combine(directory, name);
        File.WriteAllText(script, $"#!/bin/sh\necho {name} >> '{log}'\nexec '{real}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        wrapped.Add(name);
    }
    Environment.SetEnvironmentVariable("PATH", $"{directory}:{path}");
    return wrapped.Count == 0 ? "squeue and sacct absent" : $"{string.Join(" and ", wrapped)} present (counted)";
}

static List<string> HeldBatchJobs(int count)
{
    var ids = new List<string>();
    for (int i = 0; i < count; i++)
    {
        var start = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--parsable", "--hold", "--job-name=store-bench", "--wrap", "true" })
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var id = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (process.ExitCode != 0)
                break;
            ids.Add(id);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            break; // no sbatch here
        }
    }
    return ids;
}

static long Calls(string log) => File.Exists(log) ? File.ReadLines(log).LongCount() : 0;

static double Median(int runs, Action action)
{
    action(); // warm-up
    var times = new List<double>();
    for (int i = 0; i < runs; i++)
    {
        var watch = Stopwatch.StartNew();
        action();
        times.Add(watch.Elapsed.TotalSeconds);
    }
    times.Sort();
    return times[times.Count / 2];
}

static void Report(string what, double seconds, double baseline, long schedulerCalls) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{what}: {seconds * 1000:F1} ms, {seconds / baseline:F2}x the baseline, {schedulerCalls} scheduler commands run"));
