using System.Management.Automation;

namespace MPI.PowerShell;

/// <summary>Cmdlets that act on parallel jobs chosen by object, session id, store id or name, as the core job cmdlets do.</summary>
public abstract class JobSelectionCmdlet : ParallelJobCmdlet
{
    /// <summary>The parameter sets: jobs by object, by session id, by store id, by name.</summary>
    protected const string ByJob = "Job", ById = "Id", ByJobId = "JobId", ByName = "Name";

    /// <summary><para>The jobs, as Start-ParallelJob, Get-ParallelJob or Get-Job returned them.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ByJob)]
    public PowerShellParallelJob[] Job { get; set; } = [];

    /// <summary><para>The jobs' session ids (the Id column of Get-Job and Get-ParallelJob).</para></summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ById)]
    [ArgumentCompleter(typeof(JobSessionIdCompleter))]
    public int[] Id { get; set; } = [];

    /// <summary><para>The jobs' ids in the job store, the same in every session (e.g. 20261130-101500-3f9a2c).</para></summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByJobId)]
    [ArgumentCompleter(typeof(JobIdCompleter))]
    public string[] JobId { get; set; } = [];

    /// <summary><para>The jobs' names; wildcards are allowed.</para></summary>
    [Parameter(Mandatory = true, ParameterSetName = ByName)]
    [ArgumentCompleter(typeof(JobNameCompleter))]
    [SupportsWildcards]
    public string[] Name { get; set; } = [];

    /// <summary>
    /// The jobs the parameters name, each registered with this runspace's job manager; an id or name that matches
    /// nothing is an ObjectNotFound error.
    /// </summary>
    protected IReadOnlyList<PowerShellParallelJob> SelectedJobs()
    {
        var chosen = new List<PowerShellParallelJob>();
        switch (ParameterSetName)
        {
            case ByJob:
                chosen.AddRange(Job);
                break;
            case ById:
                var all = ParallelJobRegistry.All(Store);
                foreach (var id in Id)
                    Add(all.Where(job => job.Id == id), id, $"There is no parallel job with session id {id}.");
                break;
            case ByJobId:
                foreach (var id in JobId)
                    Add(ParallelJobRegistry.Find(Store, id) is { } found ? [found] : [], id, $"There is no parallel job {id} in the job store {Store.Root}.");
                break;
            case ByName:
                var jobs = ParallelJobRegistry.All(Store);
                foreach (var name in Name)
                {
                    var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                    var matching = jobs.Where(job => pattern.IsMatch(job.Name)).ToList();
                    if (matching.Count > 0 || WildcardPattern.ContainsWildcardCharacters(name))
                        chosen.AddRange(matching);
                    else
                        Add([], name, $"There is no parallel job named {name}.");
                }
                break;
            default:
                chosen.AddRange(ParallelJobRegistry.All(Store));
                break;
        }
        foreach (var job in chosen)
            Register(job);
        return [.. chosen.Distinct()];

        void Add(IEnumerable<PowerShellParallelJob> found, object what, string missing)
        {
            var list = found.ToList();
            if (list.Count == 0)
                WriteError(new ErrorRecord(new ItemNotFoundException(missing), "ParallelJobNotFound", ErrorCategory.ObjectNotFound, what));
            chosen.AddRange(list);
        }
    }
}
