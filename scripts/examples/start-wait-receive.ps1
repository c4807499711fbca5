# Starts the pi job on 4 ranks, waits for its end, and reads every rank's log records.
#   ./start-wait-receive.ps1 [-MpiImplementation OpenMpi|Mpich] [-Ranks 4]
param(
    [string] $MpiImplementation = 'Auto',
    [int] $Ranks = 4
)
Import-Module "$PSScriptRoot/../../artifacts/ParallelJob/ParallelJob.psd1"

$job = Start-ParallelJob "$PSScriptRoot/../../jobs/Pi/bin/Release/net10.0/Pi.dll" -ArgumentList 10000000 `
    -Ranks $Ranks -MpiImplementation $MpiImplementation -Name pi-example
$job | Wait-ParallelJob | Out-Null
'{0} ({1}) ended {2} after {3:n1} s' -f $job.Name, $job.JobId, $job.ParallelState, $job.Elapsed.TotalSeconds

# Every record of every rank, in time order, as objects: Timestamp, Rank, Host, Level, Message, Properties, Exception.
Receive-ParallelJob $job -Keep | ForEach-Object { '{0:HH:mm:ss.fff} [rank {1} on {2}] {3}' -f $_.Timestamp, $_.Rank, $_.Host, $_.Message }
