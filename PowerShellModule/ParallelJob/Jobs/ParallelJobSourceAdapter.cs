using System.Management.Automation;

namespace MPI.PowerShell;

/// <summary>
/// Serves parallel jobs to PowerShell's job manager, so Get-Job, Wait-Job, Receive-Job, Stop-Job and Remove-Job find
/// them. Every runspace sees the same jobs: those of the job store, answered from the memory of this process (as
/// PowerShell's ThreadJob adapter answers from its list): a lookup reads no manifest and runs no command.
/// </summary>
public sealed class ParallelJobSourceAdapter : JobSourceAdapter
{
    /// <summary>The invocation parameter that carries a job to register.</summary>
    internal const string JobParameter = "Job";

    /// <summary>The adapter, named after its type as the job manager registers it.</summary>
    public ParallelJobSourceAdapter() => Name = nameof(ParallelJobSourceAdapter);

    /// <summary>The job that Start-ParallelJob or Submit-ParallelBatchJob passed in the invocation's parameters.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="specification"/> is null.</exception>
    /// <exception cref="PSArgumentException">No job was passed: parallel jobs are started by the module's cmdlets only.</exception>
    public override Job2 NewJob(JobInvocationInfo specification)
    {
        ArgumentNullException.ThrowIfNull(specification);
        return specification.Parameters.SelectMany(set => set).FirstOrDefault(parameter => parameter.Name == JobParameter)?.Value as PowerShellParallelJob
            ?? throw new PSArgumentException("Parallel jobs are started with Start-ParallelJob.");
    }

    /// <summary>Every job of the store, oldest first.</summary>
    /// <exception cref="MPI.Launch.JobStoreUnwritableException">The store cannot be opened.</exception>
    public override IList<Job2> GetJobs() => [.. ParallelJobRegistry.All(ParallelJobRegistry.Store())];

    /// <summary>The jobs whose name matches <paramref name="name"/> (wildcards allowed).</summary>
    public override IList<Job2> GetJobsByName(string name, bool recurse)
    {
        var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
        return [.. GetJobs().Where(job => pattern.IsMatch(job.Name))];
    }

    /// <summary>The jobs whose command matches <paramref name="command"/> (wildcards allowed).</summary>
    public override IList<Job2> GetJobsByCommand(string command, bool recurse)
    {
        var pattern = WildcardPattern.Get(command, WildcardOptions.IgnoreCase);
        return [.. GetJobs().Where(job => pattern.IsMatch(job.Command))];
    }

    /// <summary>The job with <paramref name="instanceId"/> (the same in every session), or null.</summary>
    public override Job2? GetJobByInstanceId(Guid instanceId, bool recurse) => GetJobs().FirstOrDefault(job => job.InstanceId == instanceId);

    /// <summary>The job with session id <paramref name="id"/>, or null.</summary>
    public override Job2? GetJobBySessionId(int id, bool recurse) => GetJobs().FirstOrDefault(job => job.Id == id);

    /// <summary>The jobs in PowerShell job state <paramref name="state"/>.</summary>
    public override IList<Job2> GetJobsByState(JobState state, bool recurse) => [.. GetJobs().Where(job => job.JobStateInfo.State == state)];

    /// <summary>Refused: Get-ParallelJob selects parallel jobs by their properties.</summary>
    /// <exception cref="PSNotSupportedException">Always.</exception>
    public override IList<Job2> GetJobsByFilter(Dictionary<string, object> filter, bool recurse) =>
        throw new PSNotSupportedException("Parallel jobs are not filtered by properties; use Get-ParallelJob.");

    /// <summary>Remove-Job deletes the job from the store (a removed job would otherwise come back from it).</summary>
    /// <exception cref="InvalidOperationException">The job could not be stopped before it was removed.</exception>
    public override void RemoveJob(Job2 job)
    {
        if (job is PowerShellParallelJob parallel)
            ParallelJobRegistry.Remove(parallel, force: true);
    }
}
