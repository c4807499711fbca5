# A parameter sweep: one job per (intervals, ranks) pair, all started at once, then waited for and summarised from
# each job's structured result record: a table with a row per job, or with -PassThru the rows as objects. The jobs are
# removed from the job store at the end unless -KeepJobs is given.
#   ./parameter-sweep.ps1 [-Intervals 1e6,1e7] [-Ranks 2,4] [-MpiImplementation OpenMpi|Mpich] [-KeepJobs] [-PassThru]
#   ./parameter-sweep.ps1 -PassThru | Export-Csv sweep.csv    # for a spreadsheet
param(
    [long[]] $Intervals = @(1000000, 10000000),
    [int[]] $Ranks = @(2, 4),
    [string] $MpiImplementation = 'Auto',
    [switch] $KeepJobs,
    [switch] $PassThru
)
Import-Module "$PSScriptRoot/../../artifacts/ParallelJob/ParallelJob.psd1"
$program = "$PSScriptRoot/../../jobs/Pi/bin/Release/net10.0/Pi.dll"

$jobs = foreach ($n in $Intervals) {
    foreach ($r in $Ranks) {
        Start-ParallelJob $program -ArgumentList $n -Ranks $r -MpiImplementation $MpiImplementation -Name "sweep-$n-$r"
    }
}
$null = $jobs | Wait-ParallelJob

$rows = foreach ($job in $jobs) {
    $result = Receive-ParallelJob $job -Rank 0 -Keep | Where-Object { $_.Properties.ContainsKey('Pi') }
    [pscustomobject]@{
        Name      = $job.Name
        State     = $job.ParallelState
        Intervals = $result.Properties['Intervals']
        Ranks     = $result.Properties['Ranks']
        Pi        = $result.Properties['Pi']
        Error     = $result.Properties['Error']
        Seconds   = $result.Properties['Seconds']
    }
}
if ($PassThru) {
    $rows
}
else {
    # Tables show two decimals of a double unless told otherwise.
    $rows | Format-Table Name, State, Intervals, Ranks, @{ Name = 'Pi'; Expression = 'Pi'; FormatString = 'F15' },
        @{ Name = 'Error'; Expression = 'Error'; FormatString = 'E2' }, @{ Name = 'Seconds'; Expression = 'Seconds'; FormatString = 'F3' }
}
if (-not $KeepJobs) {
    $jobs | Remove-ParallelJob
}
