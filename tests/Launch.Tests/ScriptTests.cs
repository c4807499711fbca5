using System.Diagnostics;

namespace Launch.Tests;

/// <summary>
/// The project's shell scripts on crafted inputs in temporary directories: <c>scripts/test.sh</c> (its summary, and
/// its refusal of a suite that leaves files in the checkout) and <c>scripts/slurm/cluster.sh down</c> (which ends
/// only the Slurm step daemons of its own cluster).
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ScriptTests
{
    private string _temp = "";

    [SetUp]
    public void CreateTemp() => _temp = Directory.CreateTempSubdirectory("spmd-scripts-").FullName;

    [TearDown]
    public void RemoveTemp() => Directory.Delete(_temp, recursive: true);

    // ---- scripts/test.sh, run in a copy of the scripts with a stand-in for the SDK that writes crafted results ----

    private const string Counted = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>
        <UnitTestResult testName="Broken(&quot;x&quot;)" computerName="vm" outcome="Failed"><Output><ErrorInfo><Message>  Expected: Completed
          But was:  Failed &lt;rank 1&gt;
        </Message><StackTrace>at Broken()</StackTrace></ErrorInfo></Output></UnitTestResult>
        <UnitTestResult testName="Fine" computerName="vm" outcome="Passed" /></Results>
        <ResultSummary outcome="Failed"><Counters total="5" executed="4" passed="3" failed="1" error="0" /></ResultSummary></TestRun>
        """;

    // What Pester writes (NUnit 3) for 2 passed tests, 1 failed and 1 skipped.
    private const string Pester = """
        <?xml version="1.0" encoding="utf-8"?>
        <test-run id="0" testcasecount="4" result="Failed" total="4" passed="2" failed="1" skipped="1" inconclusive="0">
        <test-case id="1" name="Wait-Job -Any" fullname="ParallelJob.Wait-Job -Any" result="Failed"><failure><message>Expected 1, but got 2.</message></failure></test-case>
        </test-run>
        """;

    // What a runner that died while writing leaves: no Counters element.
    private const string Truncated = """<?xml version="1.0" encoding="utf-8"?><TestRun><Results><UnitTestResult testName="A" """;

    [Test]
    public void TestShPrintsItsSummaryWhenAResultFileLacksCounters()
    {
        var run = RunTestSh(new() { ["a.trx"] = Counted, ["b.trx"] = Truncated }, leaves: []);

        Assert.That(run.ExitCode, Is.Zero, run.Output + run.Error);
        Assert.That(run.Lines, Does.Contain("3 passed, 1 failed, 1 skipped"));
        Assert.That(run.Output, Does.Contain("without counters").And.Contain("b.trx"));
    }

    [Test]
    public void TestShFailsNamingWhatTheSuiteLeftInTheCheckout()
    {
        var run = RunTestSh(new() { ["a.trx"] = Counted }, leaves: ["pi-mpiexec.pbs.e1", "jobs/stray.log"]);

        Assert.That(run.ExitCode, Is.Not.Zero, run.Output + run.Error);
        Assert.That(run.Lines, Does.Contain("3 passed, 1 failed, 1 skipped"), "the summary still comes first");
        Assert.That(run.Error, Does.Contain("pi-mpiexec.pbs.e1").And.Contain("jobs/stray.log"));
    }

    [Test]
    public void TestShAddsPestersCountsToTheSummaryAndNamesEveryFailedTest()
    {
        var run = RunTestSh(new() { ["a.trx"] = Counted }, leaves: [], pester: Pester);

        Assert.That(run.ExitCode, Is.Zero, run.Output + run.Error);
        Assert.That(run.Lines[^1], Is.EqualTo(
            "5 passed, 2 failed, 2 skipped (NUnit: 3 passed, 1 failed, 1 skipped; Pester: 2 passed, 1 failed, 1 skipped)"));
        // Each failed test with its message's first lines, indented; no passed test.
        Assert.That(run.Output, Does.Contain("FAILED: Broken(\"x\") (a.trx)\n    Expected: Completed\n    But was:  Failed <rank 1>\n")
            .And.Contain("FAILED: ParallelJob.Wait-Job -Any (Pester)\n    Expected 1, but got 2.\n").And.Not.Contain("Fine"));
        Assert.That(run.Output, Does.Contain("Installing PowerShell"), "the first run installs pwsh");
    }

    [Test]
    public void TestShInstallsPowerShellOnlyWhenItsVersionIsMissing()
    {
        var first = RunTestSh(new() { ["a.trx"] = Counted }, leaves: []);
        var again = Command.Run("bash", [Path.Combine(_temp, "checkout", "scripts", "test.sh")], Path.Combine(_temp, "checkout"), Environment);

        Assert.That(first.Output, Does.Contain("Installing PowerShell"));
        Assert.That(again.ExitCode, Is.Zero, again.Output + again.Error);
        Assert.That(again.Output, Does.Not.Contain("Installing PowerShell"));
        Assert.That(File.ReadAllLines(Path.Combine(_temp, "tool-installs")), Has.Length.EqualTo(1));
    }

    [Test]
    public void TestShIgnoresBuildOutputsThatGitIgnores()
    {
        var run = RunTestSh(new() { ["a.trx"] = Counted },
            leaves: ["Framework/bin/x.dll", "Framework/obj/x.json", "artifacts/ParallelJob/x.psd1", "tests/TestResults/x.log"]);

        Assert.That(run.ExitCode, Is.Zero, run.Output + run.Error);
    }

    private Dictionary<string, string> Environment { get; set; } = [];

    /// <summary>
    /// Copies test.sh, its libraries and .gitignore into a fresh git checkout, and runs it with a <c>dotnet</c> that
    /// builds nothing and, as <c>dotnet test</c>, writes <paramref name="results"/> and the files
    /// <paramref name="leaves"/> into the checkout; as <c>dotnet tool install</c> it leaves a <c>pwsh</c> that writes
    /// <paramref name="pester"/> as Pester's result file (none when null).
    /// </summary>
    private Command.Result RunTestSh(Dictionary<string, string> results, string[] leaves, string? pester = null)
    {
        var checkout = Path.Combine(_temp, "checkout");
        Directory.CreateDirectory(Path.Combine(checkout, "scripts", "lib"));
        foreach (var file in new[] { "scripts/test.sh", "scripts/lib/common.sh", "scripts/lib/results.sh", "scripts/lib/failed_tests.py", ".gitignore" })
            File.Copy(Path.Combine(Repository.Root, file), Path.Combine(checkout, file));
        Git(checkout, "init", "-q");
        Git(checkout, "add", "-A");
        Git(checkout, "-c", "user.name=test", "-c", "user.email=test@localhost", "commit", "-q", "-m", "scripts");

        var crafted = Path.Combine(_temp, "results");
        Directory.CreateDirectory(crafted);
        foreach (var (name, text) in results)
            File.WriteAllText(Path.Combine(crafted, name), text);
        var bin = Path.Combine(_temp, "bin");
        Directory.CreateDirectory(bin);
        var dotnet = Path.Combine(bin, "dotnet");
        File.WriteAllText(dotnet, """
            #!/bin/bash
            # Stands in for the SDK. "dotnet build" leaves the file naming Pester's manifest; "dotnet tool install"
            # leaves a stand-in pwsh where the tool keeps it, and its shim (and logs the install); "dotnet test" writes the crafted results and stray files.
            case "$1" in
              build)
                mkdir -p "$CHECKOUT/tests/PowerShell.Tests/bin/Release/net10.0"
                echo /nowhere/Pester.psd1 > "$CHECKOUT/tests/PowerShell.Tests/bin/Release/net10.0/Pester.path" ;;
              tool)
                while [ $# -gt 0 ]; do [ "$1" = --tool-path ] && dir=$2; [ "$1" = --version ] && version=$2; shift; done
                unix="$dir/.store/powershell/$version/powershell/$version/tools/net10.0/any/unix"
                mkdir -p "$unix" && cp "$FAKE_PWSH" "$unix/pwsh" && : > "$dir/pwsh" && echo "$version" >> "$TOOL_INSTALLS" ;;
              test)
                while [ $# -gt 0 ]; do [ "$1" = --results-directory ] && dir=$2; shift; done
                mkdir -p "$dir" && cp "$CRAFTED_RESULTS"/* "$dir"/
                for path in $LEAVES; do mkdir -p "$CHECKOUT/$(dirname "$path")"; : > "$CHECKOUT/$path"; done ;;
            esac
            exit 0
            """);
        var pwsh = Path.Combine(_temp, "pwsh");
        File.WriteAllText(pwsh, """
            #!/bin/bash
            # Stands in for pwsh running Invoke-ModuleTests.ps1: writes the crafted Pester result file, if any.
            while [ $# -gt 0 ]; do [ "$1" = -ResultFile ] && file=$2; shift; done
            [ -z "$CRAFTED_PESTER" ] || cp "$CRAFTED_PESTER" "$file"
            """);
        foreach (var script in new[] { dotnet, pwsh })
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var pesterFile = Path.Combine(_temp, "pester.xml");
        if (pester is not null)
            File.WriteAllText(pesterFile, pester);

        Environment = new Dictionary<string, string>
        {
            ["PATH"] = bin + ":" + System.Environment.GetEnvironmentVariable("PATH"),
            ["CRAFTED_RESULTS"] = crafted,
            ["CRAFTED_PESTER"] = pester is null ? "" : pesterFile,
            ["FAKE_PWSH"] = pwsh,
            ["TOOL_INSTALLS"] = Path.Combine(_temp, "tool-installs"),
            ["CHECKOUT"] = checkout,
            ["LEAVES"] = string.Join(' ', leaves),
        };
        return Command.Run("bash", [Path.Combine(checkout, "scripts", "test.sh")], checkout, Environment);
    }

    private static void Git(string directory, params string[] arguments) =>
        Assert.That(Command.Run("git", arguments, directory).ExitCode, Is.Zero, $"git {string.Join(' ', arguments)}");

    // ---- scripts/slurm/cluster.sh down ----

    /// <summary>
    /// Stand-ins for step daemons, named as slurmstepd names itself: one of "our" cluster (its environment holds the
    /// cluster's SLURM_CONF, as slurmstepd inherits slurmd's) with a process under it, one of a system Slurm, one
    /// with no SLURM_CONF. <c>down</c>, pointed at a configuration directory of the test's own, ends the first and what
    /// runs under it, and leaves the others.
    /// </summary>
    [Test]
    public void ClusterDownEndsOnlyItsOwnStepDaemons()
    {
        var config = Path.Combine(_temp, "config");
        var state = Path.Combine(_temp, "state");
        Directory.CreateDirectory(config);
        Directory.CreateDirectory(state);
        using var ours = StartStepd("slurmstepd: [4242.batch]", Path.Combine(config, "slurm.conf"), withChild: true);
        using var system = StartStepd("slurmstepd: [4243.0]", "/etc/slurm/slurm.conf", withChild: false);
        using var bare = StartStepd("slurmstepd: [4244.extern]", null, withChild: false);
        var child = Eventually.Produces(() => ChildOf(ours.Id), "the step's child starting");
        try
        {
            var down = Command.Run(Path.Combine(Repository.Root, "scripts", "slurm", "cluster.sh"), ["down"], _temp,
                new Dictionary<string, string> { ["SPMD_SLURM_CONFIG_DIR"] = config, ["SPMD_SLURM_STATE_DIR"] = state });

            Assert.That(down.ExitCode, Is.Zero, down.Output + down.Error);
            Assert.That(ours.WaitForExit(Eventually.Deadline), Is.True, "the cluster's own step daemon was left running");
            Eventually.Holds(() => !Alive(child.Value), "the process under the step daemon ending");
            Assert.That(system.HasExited, Is.False, "a system Slurm's step daemon was killed");
            Assert.That(bare.HasExited, Is.False, "a step daemon without SLURM_CONF was killed");
            Assert.That(Directory.Exists(config) || Directory.Exists(state), Is.False, "down removes its directories");
        }
        finally
        {
            foreach (var process in new[] { ours, system, bare })
            {
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
            }
            if (Alive(child.Value))
                Process.GetProcessById(child.Value).Kill();
        }
    }

    /// <summary>A process whose command line starts with <paramref name="name"/>, with SLURM_CONF as given.</summary>
    private static Process StartStepd(string name, string? slurmConf, bool withChild)
    {
        // exec -a gives the process the name; the script text is fixed, the name travels as an argument.
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", withChild ? "exec -a \"$0\" bash -c 'sleep 300 & wait'" : "exec -a \"$0\" sleep 300", name },
            UseShellExecute = false,
        };
        start.Environment.Remove("SLURM_CONF");
        if (slurmConf is not null)
            start.Environment["SLURM_CONF"] = slurmConf;
        var process = Process.Start(start)!;
        Eventually.Holds(() => CommandLine(process.Id).StartsWith(name, StringComparison.Ordinal), $"{name} starting");
        return process;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static ChildPid? ChildOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == parent)
                    return new ChildPid(pid);
            }
            catch (IOException)
            {
            }
        }
        return null;
    }

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed record ChildPid(int Value);
}
