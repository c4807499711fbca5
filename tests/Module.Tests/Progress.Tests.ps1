# Every wait that can take long writes progress: Wait-ParallelJob, Start-ParallelJob -Wait and Receive-ParallelJob
# -Wait show one record for the wait (jobs done of all, ranks running, time waited) and one under it per job, and
# complete them when the wait ends. The records are read from the Progress stream of a PowerShell instance run in
# this process, where the module writes them as it would to a console.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    Import-Module (Get-ModuleManifest) -Force
    $Checks = Get-TestProgram SpmdChecks

    # Runs $Script in a new runspace with the module imported (and $checks set) and returns its progress records
    # and output.
    function Invoke-WithProgress([string] $Script) {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$((Get-ModuleManifest).Replace("'", "''"))'; `$checks = '$($Checks.Replace("'", "''"))'; `$ProgressPreference = 'Continue'`n$Script")
            $output = $shell.Invoke()
            if ($shell.Streams.Error.Count -gt 0) { throw $shell.Streams.Error[0] }
            [pscustomobject]@{ Progress = @($shell.Streams.Progress); Output = @($output) }
        }
        finally {
            $shell.Dispose()
        }
    }

    $waitStatus = '^(?<done>\d+) of (?<all>\d+) jobs done, (?<ranks>\d+) ranks running, (?<elapsed>\d\d:\d\d:\d\d) elapsed$'
}

AfterAll {
    Get-ParallelJob -Name progress-* | Remove-ParallelJob -Force -Confirm:$false
}

Describe 'Progress of Wait-ParallelJob' {
    BeforeAll {
        # Two jobs whose ranks sleep 2.5 s before they end: a wait longer than the once-a-second refresh.
        $run = Invoke-WithProgress @'
$jobs = 'progress-a', 'progress-b' | ForEach-Object { Start-ParallelJob $checks echo-env, 2500, HOME -Ranks 2 -MpiImplementation Mpich -Name $_ }
$jobs | Wait-ParallelJob -Timeout 60
'@
        $jobs = $run.Output
        $wait = $run.Progress | Where-Object ActivityId -EQ 0
        $waiting = $wait | Where-Object RecordType -EQ Processing
    }

    It 'waited for both jobs to complete' {
        $jobs | ForEach-Object ParallelState | Should -Be 'Completed', 'Completed'
    }

    It 'shows jobs done of all, ranks running and the time waited in the wait''s record' {
        $waiting | Should -Not -BeNullOrEmpty
        $waiting | ForEach-Object { $_.StatusDescription | Should -Match $waitStatus }
        $waiting[0].Activity | Should -Be 'Waiting for 2 parallel jobs'
    }

    It 'counts the jobs done from none to both' {
        $done = $waiting | ForEach-Object { [int]([regex]::Match($_.StatusDescription, $waitStatus).Groups['done'].Value) }
        $done[0] | Should -Be 0
        $done[-1] | Should -Be 2
        $waiting[-1].PercentComplete | Should -Be 100
    }

    It 'counts the ranks running while the jobs run' {
        $ranks = $waiting | ForEach-Object { [int]([regex]::Match($_.StatusDescription, $waitStatus).Groups['ranks'].Value) }
        ($ranks | Measure-Object -Maximum).Maximum | Should -BeGreaterThan 0
        $ranks[-1] | Should -Be 0
    }

    It 'updates the time waited while the ranks sleep' {
        $elapsed = $waiting | ForEach-Object { [TimeSpan]([regex]::Match($_.StatusDescription, $waitStatus).Groups['elapsed'].Value) }
        ($elapsed | Measure-Object -Property TotalSeconds -Maximum).Maximum | Should -BeGreaterOrEqual 1
    }

    It 'shows each job under the wait, with its state and ranks started and finished' {
        foreach ($job in $jobs) {
            $records = $run.Progress | Where-Object ActivityId -EQ $job.Id
            $records | Should -Not -BeNullOrEmpty
            $records | ForEach-Object { $_.ParentActivityId | Should -Be 0 }
            $records[0].Activity | Should -Be "Parallel job $($job.Name) ($($job.JobId))"
            $records | Where-Object StatusDescription -Match '^Running: 2/2 ranks started, \d/2 finished$' | Should -Not -BeNullOrEmpty
        }
    }

    It 'completes each job''s record, then the wait''s, as the last records' {
        $last = $run.Progress | Select-Object -Last 3
        $last | ForEach-Object { $_.RecordType | Should -Be 'Completed' }
        $last[-1].ActivityId | Should -Be 0
        $last[0..1] | ForEach-Object ActivityId | Sort-Object | Should -Be ($jobs | ForEach-Object Id | Sort-Object)
    }
}

Describe 'Progress of the other waits' {
    It 'completes the wait''s record when Wait-ParallelJob -Timeout gives up' {
        $run = Invoke-WithProgress @'
$job = Start-ParallelJob $checks logjob, 1, hang -Ranks 2 -MpiImplementation Mpich -Name progress-hang
$job | Wait-ParallelJob -Timeout 1
$job | Stop-ParallelJob -Force
'@
        $run.Output | Should -BeNullOrEmpty -Because 'the job did not end within the timeout'
        $wait = $run.Progress | Where-Object ActivityId -EQ 0
        $wait[0].StatusDescription | Should -Match $waitStatus
        $wait[-1].RecordType | Should -Be 'Completed'
    }

    It 'shows the wait of Stop-ParallelJob and of Remove-ParallelJob -Force for a job''s end, and completes each' {
        $run = Invoke-WithProgress @'
$jobs = 'progress-stop', 'progress-remove' | ForEach-Object { Start-ParallelJob $checks logjob, 1, hang -Ranks 2 -MpiImplementation Mpich -Name $_ }
$deadline = [DateTime]::UtcNow.AddMinutes(1)
while ($jobs.ParallelState -ne 'Running') {
    if ([DateTime]::UtcNow -gt $deadline) { throw "The jobs did not all start: $($jobs.ParallelState)" }
    Start-Sleep -Milliseconds 100
}
Stop-ParallelJob $jobs[0] -PassThru
Remove-ParallelJob $jobs[1] -Force
'@
        $run.Output.ParallelState | Should -Be 'Stopped'
        foreach ($name in 'progress-stop', 'progress-remove') {
            $records = @($run.Progress | Where-Object Activity -Like "Stopping parallel job $name (*)")
            $records | Should -HaveCount 2
            $records[0].RecordType | Should -Be 'Processing'
            $records[1].RecordType | Should -Be 'Completed'
            $records[1].StatusDescription | Should -Be 'Stopped'
        }
    }

    It 'shows the wait of Start-ParallelJob -Wait and completes it' {
        $run = Invoke-WithProgress @'
Start-ParallelJob $checks echo-env, 1500, HOME -Ranks 2 -MpiImplementation Mpich -Name progress-start -Wait
'@
        $run.Output | Where-Object Message -Like 'HOME=*' | Should -HaveCount 2
        $wait = $run.Progress | Where-Object ActivityId -EQ 0
        $wait[0].Activity | Should -Be 'Waiting for a parallel job'
        $wait | Where-Object RecordType -EQ Processing | Select-Object -Last 1 | ForEach-Object StatusDescription | Should -Match '^1 of 1 jobs done'
        $run.Progress[-1].RecordType | Should -Be 'Completed'
        $run.Progress[-1].ActivityId | Should -Be 0
    }

    It 'shows the wait of Receive-ParallelJob -Wait and completes it' {
        $run = Invoke-WithProgress @'
Start-ParallelJob $checks echo-env, 1500, HOME -Ranks 2 -MpiImplementation Mpich -Name progress-receive | Receive-ParallelJob -Wait
'@
        $run.Output | Where-Object Message -Like 'HOME=*' | Should -HaveCount 2
        ($run.Progress | Where-Object ActivityId -EQ 0)[0].StatusDescription | Should -Match $waitStatus
        $run.Progress[-1].RecordType | Should -Be 'Completed'
    }
}
