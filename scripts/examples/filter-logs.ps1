# Runs the pi job, then picks records out of its logs: by structured property, by rank, by level, the last few.
#   ./filter-logs.ps1 [-MpiImplementation OpenMpi|Mpich] [-Ranks 4]
param(
    [string] $MpiImplementation = 'Auto',
    [int] $Ranks = 4
)
Import-Module "$PSScriptRoot/../../artifacts/ParallelJob/ParallelJob.psd1"

$job = Start-ParallelJob "$PSScriptRoot/../../jobs/Pi/bin/Release/net10.0/Pi.dll" -ArgumentList 1000000 -Ranks $Ranks `
    -MpiImplementation $MpiImplementation -Name filter-example
$null = $job | Wait-ParallelJob
$records = Receive-ParallelJob $job -Keep

# Each rank's share, from the structured properties every rank logged (not from parsing text).
$records | Where-Object { $_.Properties.ContainsKey('Partial') } | Sort-Object Rank |
    Format-Table Rank, @{ Name = 'Intervals'; Expression = { $_.Properties['Intervals'] } },
    @{ Name = 'Partial'; Expression = { $_.Properties['Partial'] }; FormatString = 'F15' }

# How many records each rank wrote, and at which levels.
$records | Where-Object { $null -ne $_.Rank } | Group-Object Rank, Level -NoElement | Sort-Object Name |
    Format-Table @{ Name = 'Rank, Level'; Expression = 'Name' }, Count

# Rank 0's last record.
Receive-ParallelJob $job -Rank 0 -Tail 1 -Keep | Format-List Rank, Level, Message

# Anything at Warning or above from any rank (none, when all went well).
$warnings = @(Receive-ParallelJob $job -Level Warning -Keep)
'{0} warnings or errors' -f $warnings.Count
