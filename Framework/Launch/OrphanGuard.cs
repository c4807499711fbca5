using System.Diagnostics;
using System.Globalization;
using MPI.Logging;

namespace MPI.Launch;

/// <summary>
/// Ends a job's processes on this machine if the launching process goes away first (killed, crashed, or exited with
/// the job running), so that no mpiexec or rank outlives its launcher unsupervised. A small shell waits for the end of
/// a pipe whose writing end only this process holds: the kernel closes it however this process ends. Told that the
/// job ended (<see cref="Dispose"/>), the shell exits; otherwise it sends SIGTERM to every process carrying the job's
/// id (mpiexec, which takes down ranks on other hosts, and the ranks), then SIGKILL to what is left after a grace
/// period.
/// </summary>
internal sealed class OrphanGuard : IDisposable
{
    // $1: the job's id; $2: the grace period in seconds. Processes are found by the job id in their environment.
    private const string Script = """
        IFS= read -r said
        [ "$said" = ended ] && exit 0
        sweep() {
          for environ in /proc/[0-9]*/environ; do
            if grep -qzxF "$1=$2" "$environ" 2>/dev/null; then
              pid=${environ#/proc/}; kill "-$3" "${pid%/environ}" 2>/dev/null
            fi
          done
        }
        sweep "$0" "$1" TERM
        sleep "$2"
        sweep "$0" "$1" KILL
        """;

    private readonly Process _shell;
    private int _told;

    /// <summary>Starts the guard of job <paramref name="jobId"/>.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">/bin/sh could not be started.</exception>
    public OrphanGuard(string jobId, TimeSpan grace)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", Script, JobContract.JobIdVariable, jobId, ((int)Math.Ceiling(grace.TotalSeconds)).ToString(CultureInfo.InvariantCulture) },
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // The guard is no process of the job: it must not find itself.
        start.Environment.Remove(JobContract.JobIdVariable);
        _shell = Process.Start(start)!;
    }

    /// <summary>Tells the guard that the job ended under its launcher: it exits without ending anything. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _told, 1) == 1)
            return;
        try
        {
            _shell.StandardInput.WriteLine("ended");
            _shell.StandardInput.Close();
        }
        catch (IOException)
        {
            // The guard is gone already (killed by someone): nothing to tell.
        }
        _shell.Dispose();
    }
}
