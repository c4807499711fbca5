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

    /// <summary><para>The jobs' session ids (the Id column of Get-Job and Get-ParallelJob); taken from the Id property of objects piped in. Ignored when a job id or name is given too (as rows of Import-Csv bring all three).</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [ArgumentCompleter(typeof(JobSessionIdCompleter))]
    // Objects piped in with JobId, Name and Id properties (Import-Csv rows) bind by the most lasting of them: the
    // weaker ones belong to the stronger ones' parameter sets, hidden, so that the sets are not ambiguous.
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByJobId, DontShow = true)]
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByName, DontShow = true)]
    public int[] Id { get; set; } = [];

    /// <summary><para>The jobs' ids in the job store, the same in every session (e.g. 20261130-101500-3f9a2c); taken from the JobId property of objects piped in (rows of Import-Csv too).</para></summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByJobId)]
    [ArgumentCompleter(typeof(JobIdCompleter))]
    public string[] JobId { get; set; } = [];

    /// <summary><para>The jobs' names; wildcards are allowed. Taken from the Name property of objects piped in; ignored when a job id is given too.</para></summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByName)]
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByJobId, DontShow = true)]
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
                WriteError(Error(new ItemNotFoundException(missing), "ParallelJobNotFound", ErrorCategory.ObjectNotFound, what,
                    $"Check the job's id or name: Get-ParallelJob lists the jobs of the job store {Store.Root}."));
            chosen.AddRange(list);
        }
    }
}
