# The main demo, in pwsh: the Pi job on 4 ranks as a PowerShell job under Open MPI and under MPICH (the same build,
# binding each library at run time): Start-ParallelJob, Wait-ParallelJob, every rank's records gathered by
# Receive-ParallelJob, and the result; then the same program under plain mpiexec. scripts/demo.sh installs what is
# missing, builds, and runs this; run it again any time with:
#   .tools/pwsh scripts/demo.ps1 [-Intervals 100000000] [-Ranks 4]
# The demo's jobs stay in the job store (the previous run's are replaced), to explore with Get-ParallelJob.
param(
    [long] $Intervals = 100000000,
    [int] $Ranks = 4
)
$ErrorActionPreference = 'Stop'
if ([Console]::IsOutputRedirected) {
    # Read as text (a log, a CI run): no colour codes, no progress bars, tables as wide as a terminal usually is.
    $PSStyle.OutputRendering = 'PlainText'
    $ProgressPreference = 'SilentlyContinue'
    $width = 120
}
else {
    $width = $Host.UI.RawUI.BufferSize.Width
}
Import-Module "$PSScriptRoot/../artifacts/ParallelJob/ParallelJob.psd1"
$pi = Resolve-Path "$PSScriptRoot/../jobs/Pi/bin/Release/net10.0/Pi.dll"

Get-ParallelJob -Name pi-demo-* | Remove-ParallelJob -Force

foreach ($mpi in 'OpenMpi', 'Mpich') {
    ''
    "== ${mpi}: Start-ParallelJob Pi.dll -ArgumentList $Intervals -Ranks $Ranks -MpiImplementation $mpi | Wait-ParallelJob"
    $job = Start-ParallelJob $pi -ArgumentList $Intervals -Ranks $Ranks -MpiImplementation $mpi -Name "pi-demo-$mpi"
    $job | Wait-ParallelJob -Timeout 300 | Format-Table | Out-String -Width $width | ForEach-Object TrimEnd

    ''
    "== Receive-ParallelJob: every rank's records, in time order"
    Receive-ParallelJob $job -Keep | Format-Table | Out-String -Width $width | ForEach-Object TrimEnd

    $result = Receive-ParallelJob $job -Rank 0 -Keep | Where-Object { $_.Properties.ContainsKey('Pi') }
    if ($job.ParallelState -ne 'Completed' -or -not $result) {
        throw "The $mpi job ended $($job.ParallelState): $($job.Reason)"
    }
    ''
    '{0}: pi = {1} on {2} ranks, error {3:0.00E+00}, {4} s' -f $mpi, $result.Properties['Pi'], $result.Properties['Ranks'],
        $result.Properties['Error'], $result.Properties['Seconds']
}

# The same program needs no module: it is an ordinary MPI program.
$commands = @(
    , @('mpiexec.openmpi', '--oversubscribe', '--bind-to', 'none', '-n', $Ranks, 'dotnet', $pi, $Intervals)
    , @('mpiexec.mpich', '-n', $Ranks, 'dotnet', $pi, $Intervals)
)
foreach ($command in $commands) {
    ''
    "== Plain mpiexec: $($command[0]) -n $Ranks dotnet Pi.dll $Intervals"
    & $command[0] $command[1..($command.Count - 1)]
    if ($LASTEXITCODE -ne 0) {
        throw "$($command[0]) exited with code $LASTEXITCODE"
    }
}
