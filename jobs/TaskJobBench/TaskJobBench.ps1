# The script-block task farm against ForEach-Object -Parallel, in one invocation: N tiny script blocks ($_ * 2) run
# by ForEach-Object -Parallel (this session's runspaces), then by Start-ParallelTaskJob on 2 ranks (one by one, then
# with automatic chunks), each received with Receive-Job -Wait. Prints the wall times and their ratios, and for each
# farm its launch time (start to first result) apart from its steady-state rate (first to last result, from the
# timestamps of the result records the coordinating rank logged).
#
#   .tools/pwsh -NoProfile -File jobs/TaskJobBench/TaskJobBench.ps1 [-Count 1000] [-MpiImplementation Mpich] [-Runs 3]
#
# Needs the module built (dotnet build Mpi.sln -c Release leaves it in artifacts/ParallelJob). Uses a job store of its
# own, deleted at the end.
param(
    [int] $Count = 1000,
    [ValidateSet('Mpich', 'OpenMpi')] [string] $MpiImplementation = 'Mpich',
    [int] $Runs = 3
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../../artifacts/ParallelJob/ParallelJob.psd1')
$env:SPMD_JOB_STORE = Join-Path ([IO.Path]::GetTempPath()) "taskjobbench-$([guid]::NewGuid().ToString('N'))"
$null = New-Item -ItemType Directory $env:SPMD_JOB_STORE
$expected = (1..$Count | ForEach-Object { $_ * 2 }) -join ','
$resultTemplate = [MPI.Logging.TaskFarmContract]::ResultTemplate

function Assert-Output([object[]] $Output, [string] $What) {
    if (($Output -join ',') -ne $expected) { throw "$What returned wrong output (first items: $($Output | Select-Object -First 5))." }
}

# One farm: its wall time (start to every output received), launch (start to first result) and steady state (first to last result).
function Measure-Farm([int] $ChunkSize) {
    $started = [DateTimeOffset]::UtcNow
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $job = 1..$Count | Start-ParallelTaskJob { $_ * 2 } -ThrottleLimit 2 -ChunkSize $ChunkSize -MpiImplementation $MpiImplementation
    $output = $job | Receive-Job -Wait
    $wall = $watch.Elapsed.TotalSeconds
    Assert-Output $output "The farm (chunk size $ChunkSize)"
    $store = [MPI.Launch.JobStore]::new()
    $stamps = @($job.Manifest.Farm.Attempts | ForEach-Object { $store.Logs($_).Read() } |
            Where-Object Template -EQ $resultTemplate | ForEach-Object Timestamp | Sort-Object)
    $job | Remove-ParallelJob -Force -Confirm:$false
    $first, $last = $stamps[0], $stamps[-1]
    [pscustomobject]@{
        Wall   = $wall
        Launch = ($first - $started).TotalSeconds
        Steady = ($last - $first).TotalSeconds
        Rate   = if ($last -gt $first) { ($stamps.Count - 1) / ($last - $first).TotalSeconds } else { [double]::NaN }
    }
}

function Get-Median([double[]] $Values) { ($Values | Sort-Object)[[int][Math]::Floor($Values.Count / 2)] }

try {
    $baseline = @(); $single = @(); $chunked = @()
    for ($run = 0; $run -lt $Runs; $run++) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $output = 1..$Count | ForEach-Object -Parallel { $_ * 2 }
        $baseline += $watch.Elapsed.TotalSeconds
        # (ForEach-Object -Parallel returns outputs as they come, not in input order.)
        Assert-Output ($output | Sort-Object) 'ForEach-Object -Parallel'
        $single += Measure-Farm -ChunkSize 1
        $chunked += Measure-Farm -ChunkSize 0
    }
    $base = Get-Median $baseline
    "TaskJobBench: $Count script blocks (`$_ * 2), median of $Runs run(s), $MpiImplementation, $([Environment]::ProcessorCount) CPU(s)"
    '{0,-52} {1,8:N3} s' -f 'ForEach-Object -Parallel (ThrottleLimit 5)', $base
    foreach ($farm in @(@{ Name = 'Start-ParallelTaskJob -ThrottleLimit 2'; Runs = $single }, @{ Name = 'Start-ParallelTaskJob -ThrottleLimit 2 -ChunkSize 0'; Runs = $chunked })) {
        $wall = Get-Median $farm.Runs.Wall
        '{0,-52} {1,8:N3} s  ratio {2,6:N2}x  (launch {3:N3} s, steady state {4:N3} s = {5:N0} tasks/s)' -f $farm.Name, $wall, ($base / $wall),
        (Get-Median $farm.Runs.Launch), (Get-Median $farm.Runs.Steady), (Get-Median $farm.Runs.Rate)
    }
    '{0,-52} {1,8:N0} tasks/s' -f 'ForEach-Object -Parallel rate', ($Count / $base)
}
finally {
    Remove-Item -Recurse -Force $env:SPMD_JOB_STORE -ErrorAction SilentlyContinue
}
