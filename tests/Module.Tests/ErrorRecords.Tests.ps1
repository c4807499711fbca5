# Every error the module writes or throws says what went wrong in a way scripts can act on: a specific ErrorId, a
# category, the object at fault as TargetObject, and, where there is something to do about it, RecommendedAction.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    Import-Module (Get-ModuleManifest) -Force
    $Pi = Get-TestProgram Pi
    $Checks = Get-TestProgram SpmdChecks

    # The first error record $Script writes (non-terminating) or throws (terminating).
    function Get-ErrorRecord([scriptblock] $Script) {
        $ErrorActionPreference = 'Continue'
        try {
            $records = @(& $Script 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        }
        catch {
            return $_
        }
        $records | Select-Object -First 1
    }
}

Describe 'Error records for bad input' {
    It 'reports <Case> as <Id> (<Category>) about <Target>' -ForEach @(
        @{ Case = 'a missing program'; Id = 'ProgramNotFound'; Category = 'ObjectNotFound'; Target = '*/no/such/job.dll'; Action = '*program*path*'
            Script = { Start-ParallelJob ./no/such/job.dll -Ranks 2 -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'an unknown host'; Id = 'HostNotFound'; Category = 'ObjectNotFound'; Target = 'no-such-node.invalid'; Action = 'Check the host name or use Test-ParallelHost*'
            Script = { Start-ParallelJob $Pi -Ranks 2 -ComputerName localhost, no-such-node.invalid -MpiImplementation Mpich } }
        @{ Case = 'a malformed host'; Id = 'InvalidHost'; Category = 'InvalidArgument'; Target = 'node one'; Action = '*name:slots*'
            Script = { Start-ParallelJob $Pi -ComputerName 'node one' -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'a host given twice'; Id = 'InvalidHost'; Category = 'InvalidArgument'; Target = 'n1'; Action = '*once*'
            Script = { Start-ParallelJob $Pi -ComputerName n1, n1:2 -Ranks 2 -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'a malformed host to test'; Id = 'InvalidHost'; Category = 'InvalidArgument'; Target = 'bad host'; Action = '*name:slots*'
            Script = { Test-ParallelHost 'bad host' } }
        @{ Case = 'a missing hostfile'; Id = 'HostFileNotFound'; Category = 'ObjectNotFound'; Target = '/no/such/hostfile'; Action = '*hostfile*'
            Script = { Start-ParallelJob $Pi -HostFile /no/such/hostfile -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'more ranks than slots'; Id = 'InvalidRankCount'; Category = 'InvalidArgument'; Target = '3'; Action = '*slots*'
            Script = { Start-ParallelJob $Pi -ComputerName localhost:2 -Ranks 3 -NoOversubscribe -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'a missing working directory'; Id = 'WorkingDirectoryNotFound'; Category = 'ObjectNotFound'; Target = '/no/such/dir'; Action = '*-WorkingDirectory*'
            Script = { Start-ParallelJob $Pi -WorkingDirectory /no/such/dir -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'a variable name with ='; Id = 'InvalidEnvironmentVariableName'; Category = 'InvalidArgument'; Target = 'A=B'; Action = '*without*'
            Script = { Start-ParallelJob $Pi -Environment @{ 'A=B' = 1 } -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'a blank job name'; Id = 'InvalidJobName'; Category = 'InvalidArgument'; Target = ' '; Action = '*visible*'
            Script = { Start-ParallelJob $Pi -Name ' ' -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'a job name with a line break'; Id = 'InvalidJobName'; Category = 'InvalidArgument'; Target = "a`nb"; Action = '*line breaks*'
            Script = { Start-ParallelJob $Pi -Name "a`nb" -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'a negative time limit'; Id = 'InvalidTimeLimit'; Category = 'InvalidArgument'; Target = '-00:00:01'; Action = '*positive*'
            Script = { Start-ParallelJob $Pi -TimeLimit ([timespan]::FromSeconds(-1)) -MpiImplementation Mpich -WhatIf } }
        @{ Case = 'a partition with a space'; Id = 'InvalidBatchOptions'; Category = 'InvalidArgument'; Target = 'a b'; Action = '*partition*'
            Script = { Export-ParallelJobScript $Pi -Ranks 2 -Partition 'a b' } }
        @{ Case = 'an unknown job id'; Id = 'ParallelJobNotFound'; Category = 'ObjectNotFound'; Target = '20200101-000000-nojob'; Action = '*Get-ParallelJob*'
            Script = { Get-ParallelJob -JobId 20200101-000000-nojob } }
        @{ Case = 'an unknown session id'; Id = 'ParallelJobNotFound'; Category = 'ObjectNotFound'; Target = '99999'; Action = '*Get-ParallelJob*'
            Script = { Receive-ParallelJob -Id 99999 } }
        @{ Case = 'an unknown job name'; Id = 'ParallelJobNotFound'; Category = 'ObjectNotFound'; Target = 'no-such-job'; Action = '*Get-ParallelJob*'
            Script = { Stop-ParallelJob -Name no-such-job } }
        @{ Case = 'an unknown job id piped in'; Id = 'ParallelJobNotFound'; Category = 'ObjectNotFound'; Target = '20200101-000000-piped'; Action = '*Get-ParallelJob*'
            Script = { [pscustomobject]@{ JobId = '20200101-000000-piped' } | Remove-ParallelJob } }
    ) {
        $record = Get-ErrorRecord $Script
        $record | Should -Not -BeNullOrEmpty -Because 'the input is wrong'
        $record.FullyQualifiedErrorId | Should -BeLike "$Id,MPI.PowerShell.*"
        $record.CategoryInfo.Category | Should -Be $Category
        "$($record.TargetObject)" | Should -BeLike $Target
        $record.ErrorDetails.RecommendedAction | Should -BeLike $Action
    }

    It 'reports <Implementation> not installed as MpiNotInstalled about <Implementation>, saying what to install' -ForEach @(
        @{ Implementation = 'Mpich'; Action = 'Install MPICH (apt install mpich)*' }
        @{ Implementation = 'OpenMpi'; Action = 'Install Open MPI (apt install openmpi-bin)*' }
        @{ Implementation = 'Auto'; Action = '*Open MPI*MPICH*' }
    ) {
        $path = $env:PATH
        try {
            # No mpiexec of any kind on PATH.
            $env:PATH = '/nonexistent'
            $record = Get-ErrorRecord { Start-ParallelJob $Pi -Ranks 2 -MpiImplementation $Implementation -WhatIf }
        }
        finally {
            $env:PATH = $path
        }
        $record.FullyQualifiedErrorId | Should -BeLike 'MpiNotInstalled,*'
        $record.CategoryInfo.Category | Should -Be 'NotInstalled'
        "$($record.TargetObject)" | Should -Be $Implementation
        $record.ErrorDetails.RecommendedAction | Should -BeLike $Action
    }

    It 'leaves <Text> to the parameter binder, whose error names the parameter and value' -ForEach @(
        @{ Script = { Start-ParallelJob $Pi -Ranks 0 }; Id = 'ParameterArgumentValidationError,*'; Text = '*Ranks*0*' }
        @{ Script = { Start-ParallelJob $Pi -MpiImplementation lam }; Id = 'CannotConvertArgumentNoMessage,*'; Text = '*lam*' }
    ) {
        $record = Get-ErrorRecord $Script
        $record.FullyQualifiedErrorId | Should -BeLike $Id
        "$record" | Should -BeLike $Text
    }

    It 'reports a job store that cannot be created as JobStoreUnavailable about the store, saying where to put it' {
        $file = Join-Path $TestDrive 'a-file'
        Set-Content $file 'not a directory'
        $run = Invoke-Pwsh -ImportModule @"
`$env:SPMD_JOB_STORE = '$file/store'
try { Get-ParallelJob } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category.ToString(); `$_.TargetObject; `$_.ErrorDetails.RecommendedAction }
"@
        $lines = $run.Output.Trim() -split '\r?\n'
        $lines[0] | Should -BeLike 'JobStoreUnavailable,*'
        $lines[1] | Should -Be 'ResourceUnavailable'
        $lines[2] | Should -Be "$file/store"
        $lines[3] | Should -BeLike '*SPMD_JOB_STORE*'
    }
}

Describe 'Error records about jobs' {
    BeforeAll {
        $running = Start-ParallelJob $Checks logjob, 1, hang -Ranks 2 -MpiImplementation Mpich -Name errors-running
        $failed = Start-ParallelJob $Checks logjob, 1, throw, 1 -Ranks 2 -MpiImplementation Mpich -Name errors-failed
        $null = $failed | Wait-ParallelJob -Timeout 60
    }

    AfterAll {
        $running, $failed | Remove-ParallelJob -Force -Confirm:$false
    }

    It 'reports a rank the job does not have as RankOutOfRange about the rank, saying which ranks there are' {
        $record = Get-ErrorRecord { Receive-ParallelJob $failed -Rank 7 -Keep }
        $record.FullyQualifiedErrorId | Should -BeLike 'RankOutOfRange,*'
        $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $record.TargetObject | Should -Be 7
        "$record" | Should -BeLike '*has ranks 0 to 1*no rank 7*'
        $record.ErrorDetails.RecommendedAction | Should -Be 'Give ranks from 0 to 1.'
    }

    It 'refuses to remove a running job without -Force: ParallelJobRunning about the job, saying to stop it first' {
        $record = Get-ErrorRecord { Remove-ParallelJob $running }
        $record.FullyQualifiedErrorId | Should -BeLike 'ParallelJobRunning,*'
        $record.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $record.TargetObject.JobId | Should -Be $running.JobId
        $record.ErrorDetails.RecommendedAction | Should -BeLike '*Stop-ParallelJob*-Force*'
        $running.ParallelState | Should -Be 'Running'
    }

    It 'ends the records of a failed job with ParallelJobFailed about the job, saying how to see the failing rank''s records' {
        $failed.ParallelState | Should -Be 'Failed'
        $record = Get-ErrorRecord { Receive-ParallelJob $failed -Keep }
        $record.FullyQualifiedErrorId | Should -BeLike 'ParallelJobFailed,*'
        $record.CategoryInfo.Category | Should -Be 'OperationStopped'
        $record.TargetObject.JobId | Should -Be $failed.JobId
        $record.ErrorDetails.RecommendedAction | Should -BeLike "*Receive-ParallelJob -JobId $($failed.JobId) -Level Warning*"
    }
}
