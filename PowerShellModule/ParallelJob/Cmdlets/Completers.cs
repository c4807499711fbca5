using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>Completes -JobId from the jobs in the job store, newest first.</summary>
public sealed class JobIdCompleter : IArgumentCompleter
{
    /// <summary>The ids of the jobs that start with <paramref name="wordToComplete"/>, each with its name, state and command as tooltip.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completions.From(Completions.Jobs().Select(job => job.Manifest).Select(job => (job.Id, $"{job.Name ?? job.Id}: {job.State}, {job.CommandLine}")), wordToComplete);
}

/// <summary>Completes -Id from the session ids of the jobs in the job store, newest first.</summary>
public sealed class JobSessionIdCompleter : IArgumentCompleter
{
    /// <summary>The session ids that start with <paramref name="wordToComplete"/>, each with its job's name, store id and state as tooltip.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completions.From(Completions.Jobs().Select(job => (job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{job.Name} ({job.JobId}): {job.ParallelState}")), wordToComplete);
}

/// <summary>Completes -Name from the names of the jobs in the job store.</summary>
public sealed class JobNameCompleter : IArgumentCompleter
{
    /// <summary>The names of the jobs that start with <paramref name="wordToComplete"/>.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completions.From(Completions.Jobs().Select(job => job.Manifest).Where(job => job.Name is not null).Select(job => (job.Name!, $"{job.Id}: {job.State}")), wordToComplete);
}

/// <summary>Completes host names from those known: this machine, the batch allocation's, and earlier jobs'.</summary>
public sealed class HostCompleter : IArgumentCompleter
{
    /// <summary>The known hosts that start with <paramref name="wordToComplete"/>.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<string> allocation;
        try
        {
            allocation = Allocation.Hosts().Select(host => host.Host);
        }
        catch (JobSpecException)
        {
            allocation = [];
        }
        var earlier = Completions.Jobs().Select(job => job.Manifest).SelectMany(job => job.Spec.Hosts.Select(host => host.Host)
            .Concat(job.RankInfo.Select(rank => rank.Host).OfType<string>()));
        var hosts = new[] { "localhost", System.Environment.MachineName }.Concat(allocation).Concat(earlier)
            .Distinct(StringComparer.OrdinalIgnoreCase);
        return Completions.From(hosts.Select(host => (host, host)), wordToComplete);
    }
}

internal static class Completions
{
    /// <summary>The jobs of the store, newest first, from what this process holds; none when the store cannot be opened.</summary>
    public static IEnumerable<PowerShellParallelJob> Jobs()
    {
        try
        {
            return ParallelJobRegistry.All(ParallelJobRegistry.Store()).Reverse();
        }
        catch (JobStoreUnwritableException)
        {
            return [];
        }
    }

    /// <summary>The candidates that start with <paramref name="wordToComplete"/>, quoted when they hold spaces.</summary>
    public static IEnumerable<CompletionResult> From(IEnumerable<(string Text, string ToolTip)> candidates, string wordToComplete)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        // A blank or multi-line name (a job recorded before names were checked) is no completion: PowerShell refuses
        // an empty one, which would end every completion of the parameter.
        return candidates
            .Where(candidate => !string.IsNullOrWhiteSpace(candidate.Text) && !candidate.Text.Any(char.IsControl))
            .Where(candidate => candidate.Text.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .DistinctBy(candidate => candidate.Text)
            // Numbers (session ids) in numeric order, then the rest alphabetically.
            .OrderBy(candidate => long.TryParse(candidate.Text, out long number) ? number : long.MaxValue)
            .ThenBy(candidate => candidate.Text, StringComparer.OrdinalIgnoreCase)
            .Select(candidate => new CompletionResult(
                candidate.Text.Any(char.IsWhiteSpace) ? $"'{candidate.Text.Replace("'", "''", StringComparison.Ordinal)}'" : candidate.Text,
                candidate.Text, CompletionResultType.ParameterValue, candidate.ToolTip));
    }
}
