using System.Management.Automation;
using MPI.Launch;

namespace MPI.PowerShell;

/// <summary>
/// <para type="synopsis">Draws the timeline of parallel jobs: a lane per rank, grouped by host, with spans, log events and failures.</para>
/// <para type="description">Export-ParallelJobTimeline reads a job's manifest and every rank's records from the job
/// store and writes its timeline to -Path: one lane per rank, grouped by host, from the rank's start to its exit, with
/// the moment it finished its MPI work, its log events as marks coloured by level, the spans it opened with
/// MPI.Logging.RankSpan as boxes, and the rank that failed (its lane, its fatal record, the job's reason in the
/// header) in red. -Format Html writes a self-contained page with inline SVG (no script, font or network);
/// -Format ChromeTrace writes Chrome trace-event JSON, hosts as processes and ranks as threads, which Perfetto
/// (ui.perfetto.dev, Open trace file) and chrome://tracing open. Without -Format, the extension decides: .html or
/// .htm, .json; any other is refused. It returns the file written.</para>
/// <para type="description">A job still running is drawn as far as it has got, its lanes ending at the time of the
/// export, with a warning. As Out-File and Export-Csv do, an existing file is overwritten unless -NoClobber is given,
/// and -Force overwrites a read-only file. When -Path is an existing directory, each job is written there as its
/// job id with the format's extension (so several jobs can be piped in); one file given for several jobs is
/// refused from the second job on.</para>
/// </summary>
/// <example>
/// <code>Start-ParallelJob ./Solver.dll -Ranks 4 | Wait-ParallelJob | Export-ParallelJobTimeline -Path job.html</code>
/// <para>Runs a job, waits for its end, then draws its timeline as an HTML page to open in a browser.</para>
/// </example>
/// <example>
/// <code>Export-ParallelJobTimeline -JobId 20261130-101500-3f9a2c -Path trace.json</code>
/// <para>Writes the job's timeline as Chrome trace-event JSON, to open in Perfetto.</para>
/// </example>
/// <example>
/// <code>Get-ParallelJob -State Failed | Export-ParallelJobTimeline -Path ./timelines -Format ChromeTrace</code>
/// <para>Writes the timeline of every failed job to the existing directory timelines, one JSON file per job id.</para>
/// </example>
[Cmdlet(VerbsData.Export, "ParallelJobTimeline", DefaultParameterSetName = ByJob, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportParallelJobTimelineCommand : JobSelectionCmdlet
{
    private readonly HashSet<string> _written = [];
    private string _target = "";
    private bool _intoDirectory;
    private TimelineFormat _format;

    /// <summary><para>The file to write; or an existing directory, to write each job as its job id with the format's extension. Second by position, after the job (Export-ParallelJobTimeline $job job.html); with jobs piped in, name it.</para></summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Alias("FilePath")]
    public string Path { get; set; } = "";

    /// <summary><para>Html (a self-contained page with SVG) or ChromeTrace (trace-event JSON for Perfetto); by default the extension of -Path decides (.html, .htm, .json), and Html for a directory.</para></summary>
    [Parameter]
    public TimelineFormat Format { get; set; }

    /// <summary><para>Overwrite a read-only file.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary><para>Refuse to overwrite an existing file.</para></summary>
    [Parameter]
    [Alias("NoOverwrite")]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Resolves -Path and the format once, refusing a format that cannot be told.</summary>
    protected override void BeginProcessing()
    {
        _target = GetUnresolvedProviderPathFromPSPath(Path);
        _intoDirectory = Directory.Exists(_target);
        // Given, or told by the extension (a directory gets pages).
        var format = MyInvocation.BoundParameters.ContainsKey(nameof(Format)) ? Format
            : _intoDirectory ? TimelineFormat.Html : JobTimeline.FormatOf(_target);
        if (format is null)
        {
            ThrowTerminatingError(Error(new ArgumentException(
                    $"Cannot tell the timeline's format from the extension of {Path}: give -Format Html or -Format ChromeTrace, or a path ending in .html, .htm or .json.", nameof(Path)),
                "TimelineFormatUnknown", ErrorCategory.InvalidArgument, Path, "Give -Format, or name the file .html or .json."));
        }
        _format = format!.Value;
    }

    /// <summary>Writes each selected job's timeline.</summary>
    protected override void ProcessRecord()
    {
        foreach (var job in SelectedJobs())
        {
            var file = _intoDirectory
                ? System.IO.Path.Combine(_target, job.JobId + (_format == TimelineFormat.Html ? ".html" : ".json"))
                : _target;
            if (!_written.Add(file))
            {
                WriteError(Error(new ArgumentException($"The timeline of another job was written to {file} already: one file holds one job's timeline.", nameof(Path)),
                    "TimelinePathTaken", ErrorCategory.InvalidArgument, job, "Give an existing directory as -Path to write one file per job."));
                continue;
            }
            if (!ShouldProcess(file, $"Export the timeline of {job.Name} ({job.JobId}) as {_format}"))
                continue;
            if (NoClobber && File.Exists(file))
            {
                WriteError(Error(new IOException($"The file {file} already exists, and -NoClobber forbids overwriting it."),
                    "TimelineFileExists", ErrorCategory.ResourceExists, file, "Give another -Path, or leave out -NoClobber."));
                continue;
            }
            JobTimeline timeline;
            try
            {
                timeline = JobTimeline.Read(job.Store, job.JobId);
            }
            catch (KeyNotFoundException e)
            {
                WriteError(Error(e, "ParallelJobNotFound", ErrorCategory.ObjectNotFound, job,
                    $"The job was removed from the job store {job.Store.Root}: Get-ParallelJob lists the jobs there."));
                continue;
            }
            if (!timeline.Job.IsFinished)
                WriteWarning($"Job {job.Name} ({job.JobId}) is still {timeline.Job.State}: its timeline shows it up to now.");
            try
            {
                if (Force && File.Exists(file) && File.GetAttributes(file).HasFlag(FileAttributes.ReadOnly))
                    File.SetAttributes(file, File.GetAttributes(file) & ~FileAttributes.ReadOnly);
                using (var stream = new FileStream(file, NoClobber ? FileMode.CreateNew : FileMode.Create, FileAccess.Write))
                    timeline.Write(stream, _format);
                WriteObject(new FileInfo(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(Error(e, "TimelineNotWritten", ErrorCategory.WriteError, file,
                    $"Check that the directory of {file} exists and that you may write there."));
            }
        }
    }
}
