# Starts the pi job, waits for its end, and reads every rank's log records: the job and its records in the module's
# table views, then the result from rank 0's structured record.
#   ./start-wait-receive.ps1 [-MpiImplementation OpenMpi|Mpich] [-Ranks 4]
param(
    [string] $MpiImplementation = 'Auto',
    [int] $Ranks = 4
)
Import-Module "$PSScriptRoot/../../artifacts/ParallelJob/ParallelJob.psd1"

$job = Start-ParallelJob "$PSScriptRoot/../../jobs/Pi/bin/Release/net10.0/Pi.dll" -ArgumentList 10000000 `
    -Ranks $Ranks -MpiImplementation $MpiImplementation -Name pi-example
$null = $job | Wait-ParallelJob

# The job: Id, Name, State, Ranks, Hosts, Elapsed, ExitCode.
$job | Format-Table

# Every record of every rank, in time order: Timestamp, Rank, Host, Level, Message.
Receive-ParallelJob $job -Keep | Format-Table

# The result, read from the structured properties of rank 0's record (not parsed from text).
$result = (Receive-ParallelJob $job -Rank 0 -Keep | Where-Object { $_.Properties.ContainsKey('Pi') }).Properties
[pscustomobject]@{
    Pi        = $result['Pi']
    Error     = $result['Error']
    Intervals = $result['Intervals']
    Ranks     = $result['Ranks']
    Seconds   = $result['Seconds']
} | Format-List
