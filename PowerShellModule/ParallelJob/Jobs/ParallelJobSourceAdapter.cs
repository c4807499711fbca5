using System.Management.Automation;

namespace MPI.PowerShell;

/// <summary>
/// Serves parallel jobs to PowerShell's job manager, so Get-Job, Wait-Job, Receive-Job, Stop-Job and Remove-Job find
/// them. Every runspace sees the same jobs: those of the job store.
/// </summary>
public sealed class ParallelJobSourceAdapter : JobSourceAdapter
{
    /// <summary>The invocation parameter that carries a job to register.</summary>
    internal const string JobParameter = "Job";

    public ParallelJobSourceAdapter() => Name = nameof(ParallelJobSourceAdapter);

    public override Job2 NewJob(JobInvocationInfo specification)
    {
        ArgumentNullException.ThrowIfNull(specification);
        return specification.Parameters.SelectMany(set => set).FirstOrDefault(parameter => parameter.Name == JobParameter)?.Value as PowerShellParallelJob
            ?? throw new PSArgumentException("Parallel jobs are started with Start-ParallelJob.");
    }

    public override IList<Job2> GetJobs() => [.. ParallelJobRegistry.All(ParallelJobRegistry.Store())];

    public override IList<Job2> GetJobsByName(string name, bool recurse)
    {
        var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
        return [.. GetJobs().Where(job => pattern.IsMatch(job.Name))];
    }

    public override IList<Job2> GetJobsByCommand(string command, bool recurse)
    {
        var pattern = WildcardPattern.Get(command, WildcardOptions.IgnoreCase);
        return [.. GetJobs().Where(job => pattern.IsMatch(job.Command))];
    }

    public override Job2? GetJobByInstanceId(Guid instanceId, bool recurse) => GetJobs().FirstOrDefault(job => job.InstanceId == instanceId);

    public override Job2? GetJobBySessionId(int id, bool recurse) => GetJobs().FirstOrDefault(job => job.Id == id);

    public override IList<Job2> GetJobsByState(JobState state, bool recurse) => [.. GetJobs().Where(job => job.JobStateInfo.State == state)];

    public override IList<Job2> GetJobsByFilter(Dictionary<string, object> filter, bool recurse) =>
        throw new PSNotSupportedException("Parallel jobs are not filtered by properties; use Get-ParallelJob.");

    /// <summary>Remove-Job deletes the job from the store (a removed job would otherwise come back from it).</summary>
    public override void RemoveJob(Job2 job)
    {
        if (job is PowerShellParallelJob parallel)
            ParallelJobRegistry.Remove(parallel, force: true);
    }
}
