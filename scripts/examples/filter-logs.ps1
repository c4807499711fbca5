# Runs the pi job, then picks records out of its logs: by rank, by level, by structured property, the last few.
#   ./filter-logs.ps1 [-MpiImplementation OpenMpi|Mpich]
param([string] $MpiImplementation = 'Auto')
Import-Module "$PSScriptRoot/../../artifacts/ParallelJob/ParallelJob.psd1"

$job = Start-ParallelJob "$PSScriptRoot/../../jobs/Pi/bin/Release/net10.0/Pi.dll" -ArgumentList 1000000 -Ranks 4 `
    -MpiImplementation $MpiImplementation -Name filter-example
$job | Wait-ParallelJob | Out-Null

# Each rank's share, from the structured property every rank logged (not from parsing text).
Receive-ParallelJob $job -Keep | Where-Object { $_.Properties.ContainsKey('Partial') } |
    ForEach-Object { 'rank {0} summed {1} intervals to {2}' -f $_.Rank, $_.Properties['Intervals'], $_.Properties['Partial'] }

# Rank 0's last record, and anything at Warning or above from any rank (none, when all went well).
Receive-ParallelJob $job -Rank 0 -Tail 1 -Keep | ForEach-Object { 'rank 0 said last: {0}' -f $_.Message }
$warnings = @(Receive-ParallelJob $job -Level Warning -Keep)
'{0} warnings or errors' -f $warnings.Count
