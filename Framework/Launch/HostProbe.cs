using System.Net;
using System.Net.Sockets;

namespace MPI.Launch;

/// <summary>What a host said when probed: whether it answered, its CPU count and the MPI implementations found there.</summary>
public sealed record HostReport(string ComputerName, bool Reachable, string? Reason, string? HostName, int? CpuCount, IReadOnlyList<string> MpiLibraries)
{
    /// <summary>"node1: 8 CPUs, Open MPI 4.1.6", or "node1: unreachable: why".</summary>
    public override string ToString() => Reachable
        ? $"{ComputerName}: {CpuCount} CPUs, {(MpiLibraries.Count == 0 ? "no MPI" : string.Join(", ", MpiLibraries))}"
        : $"{ComputerName}: unreachable: {Reason}";
}

/// <summary>
/// Checks hosts before a job is placed on them: that their names resolve, and (probing) that they answer through the
/// launch agent (ssh) and have an MPI to run.
/// </summary>
public static class HostProbe
{
    /// <summary>How long a host gets to resolve or to answer a probe.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The command that reaches other hosts unless told otherwise.</summary>
    public const string DefaultAgent = "ssh";

    /// <summary>The variable naming the launch agent to use instead of ssh (e.g. the test hosts' stand-in).</summary>
    public const string AgentVariable = "SPMD_LAUNCH_AGENT";

    /// <summary>The launch agent: <paramref name="requested"/>, else SPMD_LAUNCH_AGENT, else ssh. It is called as ssh is: agent [options] host command.</summary>
    public static string Agent(string? requested = null) =>
        requested ?? (System.Environment.GetEnvironmentVariable(AgentVariable) is { Length: > 0 } agent ? agent : DefaultAgent);

    // A fixed script (the implementations' executable names are the launcher's own): nothing of the caller's goes into it.
    private static readonly string Script =
        "printf 'hostname=%s\\n' \"$(hostname)\"; printf 'cpus=%s\\n' \"$(nproc)\"; " +
        $"for m in {string.Join(' ', MpiexecDialect.All.Select(dialect => dialect.Executable))}; do command -v $m >/dev/null 2>&1 && " +
        "printf '%s=%s\\n' $m \"$($m --version 2>&1 | tr '\\n' ' ')\"; done; true";

    /// <summary>Throws a <see cref="JobSpecException"/> naming the first host whose name does not resolve.</summary>
    public static void EnsureResolvable(IEnumerable<HostSlots> hosts)
    {
        foreach (var host in hosts)
        {
            if (Unresolvable(host.Host) is { } reason)
                throw new JobSpecException($"The host {host.Host} is unknown: {reason}", JobSpecProblem.NotFound, JobSpecField.Host, host.Host);
        }
    }

    /// <summary>
    /// Probes every host that is not this machine through <paramref name="agent"/>, all at once, and throws a
    /// <see cref="JobSpecException"/> naming the first that does not answer, with the reason.
    /// </summary>
    public static void EnsureReachable(IEnumerable<HostSlots> hosts, string agent)
    {
        var probes = hosts.Where(host => !IsThisMachine(host.Host)).Select(host => Task.Run(() => Probe(host.Host, agent))).ToList();
        foreach (var probe in probes)
        {
            if (probe.Result is { Reachable: false } report)
                throw new JobSpecException($"The host {report.ComputerName} cannot be reached through {agent}: {report.Reason}", JobSpecProblem.Unreachable, JobSpecField.Host, report.ComputerName);
        }
    }

    /// <summary>Probes <paramref name="host"/> (through <paramref name="agent"/> unless it is this machine).</summary>
    public static HostReport Probe(string host, string? agent = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Timeout;
        ArgumentNullException.ThrowIfNull(host);
        agent = Agent(agent);
        var name = HostSlots.Parse(host).Host;
        if (Unresolvable(name) is { } unknown)
            return new HostReport(name, false, $"the name does not resolve: {unknown}", null, null, []);
        string program;
        var arguments = new List<string>();
        if (IsThisMachine(name))
        {
            program = "sh";
            arguments.Add("-c");
        }
        else
        {
            program = agent;
            if (Path.GetFileName(agent) == "ssh")
                arguments.AddRange(["-o", "BatchMode=yes", "-o", $"ConnectTimeout={(int)Timeout.TotalSeconds}"]);
            arguments.Add(name);
        }
        arguments.Add(Script);
        ChildResult run;
        try
        {
            // The deadline holds whatever the agent leaves behind holding its output (see ChildProcess).
            run = ChildProcess.Run(program, arguments, limit);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new HostReport(name, false, $"the launch agent {agent} could not start: {e.Message}", null, null, []);
        }
        var why = run.Error.Trim();
        if (run.TimedOut)
            return new HostReport(name, false, $"no answer within {limit.TotalSeconds:0} s" + (why.Length > 0 ? $"; {program} said: {why}" : ""), null, null, []);
        var said = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1].Trim());
        if (run.ExitCode != 0 || !said.ContainsKey("cpus"))
            return new HostReport(name, false, why.Length > 0 ? why : $"{program} exited with code {run.ExitCode}", null, null, []);
        var libraries = MpiexecDialect.All
            .Where(dialect => said.ContainsKey(dialect.Executable))
            .Select(dialect => dialect.VersionIn(said[dialect.Executable]) is { } version ? $"{dialect.DisplayName} {version}" : dialect.DisplayName)
            .ToList();
        return new HostReport(name, true, null, said.GetValueOrDefault("hostname"),
            int.TryParse(said["cpus"], out int cpus) ? cpus : null, libraries);
    }

    /// <summary>Whether <paramref name="host"/> names this machine (its name, localhost, or a loopback address).</summary>
    public static bool IsThisMachine(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || string.Equals(host, System.Environment.MachineName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(host, Dns.GetHostName(), StringComparison.OrdinalIgnoreCase))
            return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    private static string? Unresolvable(string host)
    {
        if (IsThisMachine(host))
            return null;
        try
        {
            var lookup = Dns.GetHostAddressesAsync(host);
            if (!lookup.Wait(Timeout))
                return $"no answer from the name service within {Timeout.TotalSeconds:0} s";
            return lookup.Result.Length > 0 ? null : "it has no address";
        }
        catch (AggregateException e) when (e.InnerException is SocketException socket)
        {
            return socket.Message;
        }
    }
}
