# The module's cmdlets take their input from the pipeline as PowerShell users pipe it: jobs by value (from
# Get-ParallelJob and Get-Job), and, by property name, anything with a JobId, Name or Id (Import-Csv rows of an
# exported job list, [pscustomobject]s) and hosts from a ComputerName or HostName column.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    Import-Module (Get-ModuleManifest) -Force
    $Checks = Get-TestProgram SpmdChecks

    function Start-Check([string] $Name, [string[]] $Arguments) {
        Start-ParallelJob $Checks $Arguments -Ranks 2 -MpiImplementation Mpich -Name $Name
    }

    # Waits (at most a minute) until every job runs: only a running job can show that a pipeline stopped it.
    function Wait-Running([object[]] $Jobs) {
        $deadline = [DateTime]::UtcNow.AddMinutes(1)
        while ($Jobs.ParallelState -ne 'Running') {
            if ([DateTime]::UtcNow -gt $deadline) { throw "The jobs did not all start: $($Jobs.ParallelState)" }
            Start-Sleep -Milliseconds 100
        }
    }

    $hangA = Start-Check pipe-hang-a logjob, 1, hang
    $hangB = Start-Check pipe-hang-b logjob, 1, hang
    $byGetJob = Start-Check pipe-getjob logjob, 1, hang
    $byCsv = Start-Check pipe-csv logjob, 1, hang
    $done = Start-Check pipe-done logjob, 3, complete
    $toRemove = Start-Check pipe-remove logjob, 1, complete
    $null = $done, $toRemove | Wait-ParallelJob -Timeout 60
    Wait-Running $hangA, $hangB, $byGetJob, $byCsv
}

AfterAll {
    Get-ParallelJob -Name pipe-* | Remove-ParallelJob -Force -Confirm:$false
}

Describe 'Pipelines of jobs' {
    It 'stops the running jobs Get-ParallelJob -State Running chooses, and only those' {
        $stopped = Get-ParallelJob -Name pipe-hang-* -State Running | Stop-ParallelJob -PassThru
        $stopped.JobId | Sort-Object | Should -Be (@($hangA.JobId, $hangB.JobId) | Sort-Object)
        $hangA.ParallelState | Should -Be 'Stopped'
        $hangB.ParallelState | Should -Be 'Stopped'
        $byGetJob.ParallelState | Should -Be 'Running'
        $done.ParallelState | Should -Be 'Completed'
    }

    It 'waits for and receives the jobs Get-ParallelJob -Name chooses: Get-ParallelJob -Name | Wait-ParallelJob | Receive-ParallelJob' {
        $records = Get-ParallelJob -Name pipe-done | Wait-ParallelJob -Timeout 60 | Receive-ParallelJob -Keep
        $records.Count | Should -BeGreaterThan 0
        ($records.Properties | Where-Object { $_['JobId'] } | ForEach-Object { $_['JobId'] } | Sort-Object -Unique) | Should -Be $done.JobId
    }

    It 'stops a job piped from the built-in Get-Job' {
        Get-Job -Name pipe-getjob | Stop-ParallelJob
        $byGetJob.ParallelState | Should -Be 'Stopped'
    }

    It 'removes the job a [pscustomobject] with a JobId property names' {
        [pscustomobject]@{ JobId = $toRemove.JobId } | Remove-ParallelJob
        Get-ParallelJob -Name pipe-remove -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-Path $toRemove.Directory | Should -BeFalse
    }

    It 'receives the jobs [pscustomobject]s with a Name property name' {
        $records = [pscustomobject]@{ Name = 'pipe-done' } | Receive-ParallelJob -Keep
        $records.Count | Should -Be (Receive-ParallelJob $done -Keep).Count
    }

    It 'stops the job an Import-Csv row of an exported job list names, by its JobId even though the row has Name and Id too' {
        $file = Join-Path $TestDrive jobs.csv
        Get-ParallelJob -Name pipe-csv | Export-Csv $file
        $row = Import-Csv $file
        $row.PSObject.Properties.Name | Should -Contain 'Id'
        $row.PSObject.Properties.Name | Should -Contain 'Name'
        # A session id from another session names nothing here; the job id does.
        $row.Id = '99999'
        $row | Stop-ParallelJob -PassThru | Select-Object -ExpandProperty JobId | Should -Be $byCsv.JobId
        $byCsv.ParallelState | Should -Be 'Stopped'
    }
}

Describe 'Pipelines start at Get-ParallelJob filters, as at Get-Job''s' {
    It 'returns the newest job with -Newest 1' {
        (Get-ParallelJob -Name pipe-* -Newest 1).JobId | Should -Be (Get-ParallelJob -Name pipe-* | Sort-Object PSBeginTime | Select-Object -Last 1).JobId
    }

    It 'tells jobs with records not yet received from the others with -HasMoreData' {
        $null = Receive-ParallelJob $hangA
        (Get-ParallelJob -Name pipe-hang-a -HasMoreData $false).JobId | Should -Be $hangA.JobId
        Get-ParallelJob -Name pipe-hang-a -HasMoreData $true | Should -BeNullOrEmpty
        (Get-ParallelJob -Name pipe-done -HasMoreData $true).JobId | Should -Be $done.JobId
    }

    It 'chooses jobs by when they ended with -After and -Before' {
        $ended = $done.PSEndTime
        (Get-ParallelJob -Name pipe-done -After $ended.AddSeconds(-1)).JobId | Should -Be $done.JobId
        Get-ParallelJob -Name pipe-done -Before $ended.AddSeconds(-1) | Should -BeNullOrEmpty
    }
}

Describe 'Pipelines of hosts' {
    BeforeAll {
        $hosts = Join-Path $TestDrive hosts.csv
        @([pscustomobject]@{ HostName = 'localhost'; Slots = 2; Rack = 'r1' }) | Export-Csv $hosts
    }

    It 'tests the hosts of a CSV file''s HostName column: Import-Csv hosts.csv | Test-ParallelHost' {
        $report = Import-Csv $hosts | Test-ParallelHost
        $report.ComputerName | Should -Be 'localhost'
        $report.Reachable | Should -BeTrue
    }

    It 'places a job on the hosts and slots of a CSV file: Import-Csv hosts.csv | Start-ParallelJob' {
        $job = Import-Csv $hosts | Start-ParallelJob $Checks logjob, 1, complete -MpiImplementation Mpich -Name pipe-hosts
        $job.Manifest.Spec.Hosts | ForEach-Object ToString | Should -Be 'localhost:2'
        $job.Ranks | Should -Be 2
        ($job | Wait-ParallelJob -Timeout 60).ParallelState | Should -Be 'Completed'
    }

    It 'starts a job on the hosts Test-ParallelHost found reachable' {
        $job = Test-ParallelHost localhost | Where-Object Reachable | Start-ParallelJob $Checks logjob, 1, complete -Ranks 1 -MpiImplementation Mpich -Name pipe-tested
        $job.Manifest.Spec.Hosts | ForEach-Object ToString | Should -Be 'localhost:1'
        ($job | Wait-ParallelJob -Timeout 60).ParallelState | Should -Be 'Completed'
    }
}
