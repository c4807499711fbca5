using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Writes the batch script Submit-ParallelBatchJob would submit, to a file or the output.</para>
/// <para type="description">Export-ParallelJobScript takes the parameters of Submit-ParallelBatchJob and writes the
/// Slurm batch script it would submit: to -Path, or to the output when no path is given. The script is for reading
/// or submitting by hand; the job it would record gets its id when it is submitted.</para>
/// </summary>
/// <example>
/// <code>Export-ParallelJobScript ./Pi.dll -Ranks 4 -Partition batch -Path pi.sbatch</code>
/// <para>Writes the batch script for the pi job on 4 ranks to pi.sbatch.</para>
/// </example>
[Cmdlet(VerbsData.Export, "ParallelJobScript", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(string))]
public sealed class ExportParallelJobScriptCommand : BatchJobCmdlet
{
    /// <summary><para>The file to write; the script goes to the output when it is not given.</para></summary>
    [Parameter]
    public string? Path { get; set; }

    /// <summary>Writes the script to -Path, or to the output.</summary>
    protected override void EndProcessing()
    {
        string script;
        try
        {
            script = BatchJobs.Script(BatchSpec(), Options(), Store, "<job id>");
        }
        catch (JobSpecException e)
        {
            WriteError(SpecError(e, Program));
            return;
        }
        if (Path is null)
        {
            WriteObject(script);
            return;
        }
        var file = GetUnresolvedProviderPathFromPSPath(Path);
        if (ShouldProcess(file, "Write batch script"))
            File.WriteAllText(file, script);
    }
}
