# A ParallelJob behaves like the built-in job types: JobBehaviour.ps1 asks the job cmdlets the same questions of a
# ThreadJob and of a ParallelJob (tests/SpmdChecks on 2 ranks), each in a fresh pwsh, and every answer where the
# semantics coincide must be the expected one for both. The stop and remove cases run under Open MPI too.
BeforeDiscovery {
    # What each kind must answer: the same for both, so one expected value per question.
    $script:Coinciding = @(
        @{ Behaviour = 'Wait-Job -Any returns the job that ended while the others run'; Key = 'WaitAnyReturned'; Expected = @('any-quick') }
        @{ Behaviour = 'Wait-Job -Timeout on running jobs returns nothing'; Key = 'WaitTimeoutReturned'; Expected = 0 }
        @{ Behaviour = 'Wait-Job -Timeout leaves the jobs running'; Key = 'WaitTimeoutStates'; Expected = @('Running', 'Running') }
        @{ Behaviour = 'Wait-Job -Any -Timeout on running jobs returns nothing'; Key = 'WaitAnyTimeoutReturned'; Expected = 0 }
        @{ Behaviour = 'A running job that wrote output has more data'; Key = 'RunningHasMoreData'; Expected = $true }
        @{ Behaviour = 'Receive-Job of a running job returns what it wrote so far'; Key = 'RunningReceive'; Expected = @('MARKER=', 'MARKER=', 'Rank 0 reports 1 variables', 'Rank 1 reports 1 variables') }
        @{ Behaviour = 'Receive-Job of a running job leaves it running'; Key = 'RunningStateAfterReceive'; Expected = 'Running' }
        @{ Behaviour = 'Get-Job -State Running lists the running jobs only'; Key = 'GetJobRunning'; Expected = @('any-hang-a', 'any-hang-b') }
        @{ Behaviour = 'Get-Job -State Completed lists the ended job only'; Key = 'GetJobCompleted'; Expected = @('any-quick') }
        @{ Behaviour = 'Get-Job -Name finds the jobs named'; Key = 'GetJobName'; Expected = @('any-hang-b', 'any-quick') }
        @{ Behaviour = 'Get-Job -Id finds the job'; Key = 'GetJobById'; Expected = @('any-quick') }
        @{ Behaviour = 'Get-Job -InstanceId finds the job'; Key = 'GetJobByInstanceId'; Expected = @('any-hang-b') }
        @{ Behaviour = 'Get-Job -Name of no job returns nothing'; Key = 'GetJobMissingName'; Expected = 0 }
        @{ Behaviour = 'PSEndTime is set once a job ended, not before'; Key = 'EndTimeKnown'; Expected = @($false, $false, $true) }
        @{ Behaviour = 'PSBeginTime is set once a job runs'; Key = 'BeginTimeKnown'; Expected = @($true, $true, $true) }
        @{ Behaviour = 'Stop-Job, Receive-Job, Wait-Job and Remove-Job -Name of no job write the same error'; Key = 'MissingNameErrors'; Expected = @('Stop-Job JobWithSpecifiedNameNotFound,Microsoft.PowerShell.Commands.StopJobCommand', 'Receive-Job JobWithSpecifiedNameNotFound,Microsoft.PowerShell.Commands.ReceiveJobCommand', 'Wait-Job JobWithSpecifiedNameNotFound,Microsoft.PowerShell.Commands.WaitJobCommand', 'Remove-Job JobWithSpecifiedNameNotFound,Microsoft.PowerShell.Commands.RemoveJobCommand') }
        @{ Behaviour = 'Remove-Job of a running job without -Force is an error'; Key = 'RemoveRunningError'; Expected = @('JobObjectNotFinishedCannotBeRemoved,Microsoft.PowerShell.Commands.RemoveJobCommand') }
        @{ Behaviour = 'Remove-Job of a running job without -Force leaves it listed'; Key = 'RemoveRunningStillListed'; Expected = 1 }
        @{ Behaviour = 'Remove-Job -Force of running jobs removes them from Get-Job'; Key = 'RemoveForceListed'; Expected = 0 }
        @{ Behaviour = 'Remove-Job -Force of running jobs leaves them Stopped'; Key = 'RemoveForceStates'; Expected = @('Stopped', 'Stopped') }
        @{ Behaviour = 'Remove-Job -Force of running jobs has ended their processes when it returns'; Key = 'ProcessesAfterRemove'; Expected = 0 }
        @{ Behaviour = 'Receive-Job -Wait -AutoRemoveJob of an ended job returns its output'; Key = 'AutoRemoveOutput'; Expected = @('MARKER=', 'MARKER=', 'Rank 0 reports 1 variables', 'Rank 1 reports 1 variables') }
        @{ Behaviour = 'Receive-Job -Wait -AutoRemoveJob of an ended job removes it'; Key = 'AutoRemoveListed'; Expected = 0 }
        @{ Behaviour = 'Receive-Job -Wait -AutoRemoveJob of a running job returns its output once it ends'; Key = 'AutoRemoveRunningOutput'; Expected = @('MARKER=', 'MARKER=', 'Rank 0 reports 1 variables', 'Rank 1 reports 1 variables') }
        @{ Behaviour = 'Receive-Job -Wait -AutoRemoveJob of a running job removes it once it ends'; Key = 'AutoRemoveRunningListed'; Expected = 0 }
        @{ Behaviour = 'Wait-Job -Name waits for the job to complete'; Key = 'ReceiveState'; Expected = 'Completed' }
        @{ Behaviour = 'Stop-Job of a completed job writes no error'; Key = 'StopEndedErrors'; Expected = 0 }
        @{ Behaviour = 'Stop-Job of a completed job leaves it Completed'; Key = 'StopEndedState'; Expected = 'Completed' }
        @{ Behaviour = 'HasMoreData is true before Receive-Job'; Key = 'HasMoreDataBefore'; Expected = $true }
        @{ Behaviour = 'Get-Job -HasMoreData $true lists the job not received yet'; Key = 'GetJobHasMoreData'; Expected = @('receive-keep') }
        @{ Behaviour = 'Receive-Job -Name -Keep returns the output'; Key = 'KeepFirst'; Expected = @('MARKER=', 'MARKER=', 'Rank 0 reports 1 variables', 'Rank 1 reports 1 variables') }
        @{ Behaviour = 'Receive-Job -Id -Keep a second time returns the same output again'; Key = 'KeepSecond'; Expected = @('MARKER=', 'MARKER=', 'Rank 0 reports 1 variables', 'Rank 1 reports 1 variables') }
        @{ Behaviour = 'HasMoreData stays true after Receive-Job -Keep'; Key = 'HasMoreDataAfterKeep'; Expected = $true }
        @{ Behaviour = 'Receive-Job without -Keep returns the kept output'; Key = 'ReceivePlain'; Expected = @('MARKER=', 'MARKER=', 'Rank 0 reports 1 variables', 'Rank 1 reports 1 variables') }
        @{ Behaviour = 'HasMoreData is false after Receive-Job'; Key = 'HasMoreDataAfterReceive'; Expected = $false }
        @{ Behaviour = 'Get-Job -HasMoreData $false lists the job once received'; Key = 'GetJobHasNoMoreData'; Expected = @('receive-keep') }
        @{ Behaviour = 'Receive-Job after a receive returns nothing'; Key = 'ReceiveAgain'; Expected = 0 }
        @{ Behaviour = 'Remove-Job -Name removes an ended job'; Key = 'RemovedByName'; Expected = 0 }
        @{ Behaviour = 'Get-Job | Wait-Job | Receive-Job returns every job''s output'; Key = 'PipelineOutput'; Expected = @('MARKER=', 'MARKER=', 'MARKER=', 'MARKER=', 'Rank 0 reports 1 variables', 'Rank 0 reports 1 variables', 'Rank 1 reports 1 variables', 'Rank 1 reports 1 variables') }
        @{ Behaviour = 'Get-Job | Wait-Job leaves every job Completed'; Key = 'PipelineStates'; Expected = @('pipe-a Completed', 'pipe-b Completed') }
        @{ Behaviour = 'Remove-Job -State Completed removes the completed jobs'; Key = 'PipelineRemoved'; Expected = 0 }
        @{ Behaviour = 'Register-ObjectEvent StateChanged delivers Running->Completed'; Key = 'EventsCompleted'; Expected = @('Running->Completed') }
        @{ Behaviour = 'StateChanged events are sent by the job'; Key = 'EventsSender'; Expected = @('events-complete') }
        @{ Behaviour = 'Stop-Job -Id -PassThru returns the job'; Key = 'StopPassThru'; Expected = @('stop-id') }
        @{ Behaviour = 'Stop-Job -Name and Stop-Job -Id leave the jobs Stopped'; Key = 'StopStates'; Expected = @('Stopped', 'Stopped') }
        @{ Behaviour = 'Get-Job -Newest 1 returns the job started and stopped last'; Key = 'GetJobNewest'; Expected = @('stop-id') }
        @{ Behaviour = 'Get-Job -State Stopped lists the stopped jobs'; Key = 'GetJobStopped'; Expected = @('stop-id', 'stop-name') }
        @{ Behaviour = 'Stop-Job leaves no child job in another state'; Key = 'StopChildrenNotStopped'; Expected = 0 }
        @{ Behaviour = 'Stop-Job returns once the job is finished'; Key = 'StopFinished'; Expected = $true }
        @{ Behaviour = 'StateChanged events of Stop-Job go Running->Stopped'; Key = 'EventsStopped'; Expected = @('Running->Stopped') }
        @{ Behaviour = 'Wait-Job returns stopped jobs at once'; Key = 'StopWaitReturned'; Expected = @('stop-id', 'stop-name') }
        @{ Behaviour = 'Receive-Job of a stopped job writes no error'; Key = 'StoppedReceiveErrors'; Expected = 0 }
        @{ Behaviour = 'Stop-Job has ended the job''s processes when it returns'; Key = 'ProcessesAfterStop'; Expected = 0 }
        @{ Behaviour = 'Remove-Job -Id removes stopped jobs'; Key = 'RemovedById'; Expected = 0 }
        @{ Behaviour = 'Wait-Job returns a failed job'; Key = 'FailWaitReturned'; Expected = @('failing') }
        @{ Behaviour = 'A failed job is Failed'; Key = 'FailState'; Expected = 'Failed' }
        @{ Behaviour = 'JobStateInfo.Reason of a failed job names the failure'; Key = 'FailReasonMentions'; Expected = $true }
        @{ Behaviour = 'A failed job with output has more data before Receive-Job'; Key = 'FailHasMoreData'; Expected = $true }
        @{ Behaviour = 'Receive-Job of a failed job writes errors that name the failure'; Key = 'FailErrorsMention'; Expected = $true }
        @{ Behaviour = 'Receive-Job of a failed job writes JobStateFailed errors'; Key = 'FailErrorId'; Expected = @('JobStateFailed') }
        @{ Behaviour = 'Receive-Job of a failed job returns what it wrote before failing'; Key = 'FailReceivedPlainOutput'; Expected = @('plain output from rank 0', 'plain output from rank 1') }
        @{ Behaviour = 'StateChanged events of a failing job go Running->Failed'; Key = 'EventsFailed'; Expected = @('Running->Failed') }
        @{ Behaviour = 'Get-Job -State Failed lists the failed job'; Key = 'FailGetJobFailed'; Expected = @('failing') }
        @{ Behaviour = 'A failed job has no more data after Receive-Job'; Key = 'FailHasMoreDataAfter'; Expected = $false }
    )
    # Under Open MPI only what may differ between implementations: stopping and removing running jobs.
    $script:OpenMpiKeys = 'WaitAnyReturned', 'WaitTimeoutStates', 'RunningReceive', 'RemoveRunningError', 'RemoveRunningStillListed', 'RemoveForceListed',
    'RemoveForceStates', 'ProcessesAfterRemove', 'AutoRemoveRunningOutput', 'AutoRemoveRunningListed', 'StopStates',
    'StopChildrenNotStopped', 'StopFinished', 'EventsStopped', 'StopWaitReturned', 'StoppedReceiveErrors', 'ProcessesAfterStop', 'RemovedById'
    $script:OpenMpiCases = $script:Coinciding | Where-Object { $_.Key -in $script:OpenMpiKeys }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force

    # Runs JobBehaviour.ps1 in a fresh pwsh and returns its answers (a hashtable), failing with what it wrote otherwise.
    # A script block, so that a thread job can run it too.
    $script:GetAnswer = {
        param([string] $Support, [string] $Kind, [string] $MpiImplementation, [string[]] $Case)
        Import-Module $Support
        $script = Join-Path (Split-Path $Support) 'JobBehaviour.ps1'
        $arguments = "-Kind $Kind -Program '$(Get-TestProgram SpmdChecks)' -Module '$(Get-ModuleManifest)' -MpiImplementation $MpiImplementation"
        if ($Case) { $arguments += " -Case $($Case -join ',')" }
        $run = Invoke-Pwsh "& '$script' $arguments" -TimeoutSeconds 150
        $json = ($run.Output -split "`n" | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1)
        if ($run.ExitCode -ne 0 -or -not $json) {
            throw "JobBehaviour.ps1 -Kind $Kind ($MpiImplementation) ended with $($run.ExitCode):`n$($run.Output)`n$($run.Error)"
        }
        $json | ConvertFrom-Json -AsHashtable
    }

    function Format-Answer { param($Value) ConvertTo-Json -InputObject $Value -Compress -Depth 4 }

    # The ThreadJob session mostly sleeps: it runs beside the MPI ones.
    $support = "$PSScriptRoot/TestSupport.psm1"
    $threadRun = Start-ThreadJob $GetAnswer -ArgumentList $support, ThreadJob, Mpich
    $script:Parallel = & $GetAnswer $support ParallelJob Mpich
    $script:OpenMpi = & $GetAnswer $support ParallelJob OpenMpi WaitAny, Stop
    $script:Thread = Receive-Job $threadRun -Wait -AutoRemoveJob -ErrorAction Stop
}

Describe 'A ParallelJob answers the job cmdlets as a ThreadJob does' {
    It '<Behaviour>' -ForEach $Coinciding {
        # The ThreadJob's answer first: a question the built-in type answers otherwise is a wrong expectation.
        Format-Answer $Thread[$Key] | Should -Be (Format-Answer $Expected) -Because "a ThreadJob answers $Key so"
        Format-Answer $Parallel[$Key] | Should -Be (Format-Answer $Expected) -Because "a ParallelJob must answer $Key as a ThreadJob does"
    }
}

Describe 'Under Open MPI, stopping and removing a ParallelJob answer as under MPICH' {
    It '<Behaviour>' -ForEach $OpenMpiCases {
        Format-Answer $OpenMpi[$Key] | Should -Be (Format-Answer $Expected)
    }
}

Describe 'Where a ParallelJob differs from a ThreadJob' {
    It 'ran the program''s processes before Remove-Job -Force and Stop-Job ended them' {
        $Parallel.ProcessesBeforeRemove | Should -BeTrue
        $OpenMpi.ProcessesBeforeRemove | Should -BeTrue
        $Parallel.ProcessesBeforeStop | Should -BeTrue
        $OpenMpi.ProcessesBeforeStop | Should -BeTrue
    }

    It 'has one child job per rank, all Stopped by Stop-Job' {
        $Thread.StopChildren | Should -Be 0
        $Parallel.StopChildren | Should -Be 4
        $Parallel.StopChildrenNotStopped | Should -Be 0
    }

    It 'writes one error for the failed job and one for its failed rank where a ThreadJob writes one' {
        $Thread.FailErrorCount | Should -Be 1
        $Parallel.FailErrorCount | Should -Be 2
    }
}
