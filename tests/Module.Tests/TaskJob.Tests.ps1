# Start-ParallelTaskJob: script blocks and programs run once per input over the ranks of a real MPI job (the task
# worker under mpiexec), their outputs received in input order, failures as error records, and what is refused
# before anything starts. The farms run at once in BeforeAll (MPICH, 2 ranks; the program farm under Open MPI) and
# several It blocks read each.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    Import-Module (Get-ModuleManifest) -Force

    # Every job id of the store, to tell that a refused farm recorded nothing.
    function Get-StoreIds { @(Get-ChildItem -Directory $env:SPMD_JOB_STORE -ErrorAction Ignore | ForEach-Object Name) }

    # The processes still running of a farm's attempts (they carry their job id in SPMD_JOB_ID, as the launcher's sweep finds them).
    function Get-FarmProcessCount([object] $Farm) {
        $ids = @($Farm.JobId) + @($Farm.Manifest.Farm.Attempts) | ForEach-Object { "SPMD_JOB_ID=$_" }
        @(Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -Match '^\d+$' | Where-Object {
                $environment = Get-Content -Raw -LiteralPath "$($_.FullName)/environ" -ErrorAction Ignore
                $_.Name -ne "$PID" -and $environment -and @($environment.Split([char]0) | Where-Object { $_ -in $ids }).Count -gt 0
            }).Count
    }

    function Wait-Until([scriptblock] $Condition, [int] $Seconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        [bool](& $Condition)
    }

    $common = @{ MpiImplementation = 'Mpich'; ThrottleLimit = 2 }
    # Later inputs sleep less, so tasks finish out of input order.
    $script:ordered = 3, 2, 1, 0 | Start-ParallelTaskJob { Start-Sleep -Milliseconds (300 * $_); [pscustomobject]@{ N = $_; Twice = $_ * 2 } } @common -Name task-order
    # $using:, -ArgumentList, a non-terminating error per task, and input 3 failing on each of its 2 attempts.
    $factor = 10
    $script:mixed = 1..4 | Start-ParallelTaskJob {
        param($offset)
        if ($_ -eq 3) { throw "three is refused" }
        Write-Error "note about $_"
        $_ * $using:factor + $offset
    } -ArgumentList 5 -MaxRetries 1 @common -Name task-mixed
    # A task whose output is $null (a missing key, a function that returns nothing).
    $script:nulls = 1..3 | Start-ParallelTaskJob { if ($_ -ne 2) { $_ } else { @{}[$_] } } @common -Name task-null
    $script:timed = 'slow' | Start-ParallelTaskJob { Start-Sleep 600 } -TaskTimeLimit 00:00:02 @common -Name task-timeout
    # A program per input, {} inside an argument; input 3 exits with 3. Under Open MPI.
    $script:program = 0, 3 | Start-ParallelTaskJob -Program /bin/sh -ArgumentTemplate '-c', 'echo out {}; echo err {} >&2; exit {}' -MpiImplementation OpenMpi -AllowRunAsRoot -ThrottleLimit 2 -Name task-program
    $script:missing = 'x' | Start-ParallelTaskJob -Program /no/such/program @common -Name task-missing
    # Tasks from input 2 on wait for the release file, so the farm can be stopped with two results in, then resumed.
    $script:release = Join-Path $TestDrive release
    $script:stopping = 0..5 | Start-ParallelTaskJob {
        if ($_ -ge 2) { while (-not (Test-Path $using:release)) { Start-Sleep -Milliseconds 100 } }
        "done $_"
    } @common -Name task-stop

    $null = $ordered, $mixed, $nulls, $timed, $program, $missing | Wait-Job -Timeout 150
}

AfterAll {
    Get-ParallelJob -Name task-* | Remove-ParallelJob -Force -Confirm:$false
}

Describe 'Start-ParallelTaskJob with a script block' {
    It 'returns a job with one child per task, named by index and input' {
        $ordered.PSJobTypeName | Should -Be 'ParallelTaskJob'
        $ordered.ChildJobs.Name | Should -Be 'Task 0: 3', 'Task 1: 2', 'Task 2: 1', 'Task 3: 0'
        $ordered.ChildJobs.JobStateInfo.State | Should -Be 'Completed', 'Completed', 'Completed', 'Completed'
        $ordered.State | Should -Be 'Completed'
    }

    It 'shows the farm in a table that fits an 80-column terminal' {
        $lines = ($ordered | Format-Table | Out-String -Width 80) -split '\r?\n' | Where-Object { $_.Trim() }
        $lines[0] | Should -Match 'Id\s+Name\s+State\s+Tasks\s+Failed\s+Ranks\s+Hosts\s+Elapsed'
        $lines[-1] | Should -Match 'task-order\s+Completed\s+4/4\s+0\s+2'
    }

    It 'returns outputs in input order although tasks finished out of order' {
        $finish = $ordered.ChildJobs | Sort-Object { $_.Result.Elapsed } | ForEach-Object Index
        $finish | Should -Not -Be 0, 1, 2, 3
        (Receive-Job $ordered -Keep).N | Should -Be 3, 2, 1, 0
    }

    It 'returns objects deserialized, as remoting does' {
        $first = @(Receive-Job $ordered -Keep)[0]
        $first.PSObject.TypeNames[0] | Should -Be 'Deserialized.System.Management.Automation.PSCustomObject'
        $first.Twice | Should -Be 6
    }

    It 'returns the same outputs again with Receive-Job -Keep, and none after a plain receive' {
        (Receive-Job $ordered -Keep).N | Should -Be 3, 2, 1, 0
        (Receive-Job $ordered).N | Should -Be 3, 2, 1, 0
        Receive-Job $ordered | Should -BeNullOrEmpty
        $ordered.HasMoreData | Should -BeFalse
    }

    It 'reads $using: variables and -ArgumentList' {
        Receive-Job $mixed -Keep -ErrorAction SilentlyContinue | Should -Be 15, 25, 45
    }

    It 'returns non-terminating errors as error records whose target is the input' {
        $null = Receive-Job $mixed -Keep -ErrorVariable errors -ErrorAction SilentlyContinue
        $notes = $errors | Where-Object { "$_" -like 'note about*' }
        "$notes" | Should -Be 'note about 1 note about 2 note about 4'
        $notes.TargetObject | Should -Be 1, 2, 4
    }

    It 'fails a task that throws, after its retries, with a TaskFailed record naming it and targeting its input' {
        $null = Receive-Job $mixed -Keep -ErrorVariable errors -ErrorAction SilentlyContinue
        $failed = @($errors | Where-Object FullyQualifiedErrorId -EQ 'TaskFailed')
        $failed | Should -HaveCount 1
        $failed[0].TargetObject | Should -Be 3
        $failed[0].Exception.Message | Should -Match '^Task 2 failed on rank \d+ \(.+\) after 2 attempt\(s\): three is refused'
        $mixed.ChildJobs[2].JobStateInfo.State | Should -Be 'Failed'
        $mixed.ChildJobs[2].Attempts | Should -Be 2
        $mixed.State | Should -Be 'Failed'
    }

    It 'completes a task whose output is $null, in this session and in a new one' {
        $nulls.State | Should -Be 'Completed'
        $nulls.ChildJobs[1].JobStateInfo.State | Should -Be 'Completed'
        # Receive-Job leaves $null out, as it does for every kind of job.
        Receive-Job $nulls -Keep | Should -Be 1, 3
        $run = Invoke-Pwsh -ImportModule "@(Get-ParallelJob).Count -gt 0; (Get-ParallelJob -Name task-null).ParallelState"
        $run.Error | Should -BeNullOrEmpty
        $run.Output -split '\r?\n' | Where-Object { $_ } | Should -Be 'True', 'Completed'
    }

    It 'fails a task that runs past -TaskTimeLimit as TaskTimedOut, and leaves nothing running' {
        $timed.State | Should -Be 'Failed'
        $null = Receive-Job $timed -ErrorVariable errors -ErrorAction SilentlyContinue
        ($errors | Where-Object FullyQualifiedErrorId -EQ 'TaskTimedOut').TargetObject | Should -Be 'slow'
        Get-FarmProcessCount $timed | Should -Be 0
    }

    It 'completes at once with no output when there are no inputs' {
        $empty = @() | Start-ParallelTaskJob { $_ } @common -Name task-empty
        $empty | Wait-Job -Timeout 30 | Should -Not -BeNullOrEmpty
        $empty.State | Should -Be 'Completed'
        $empty.ChildJobs | Should -HaveCount 0
        Receive-Job $empty | Should -BeNullOrEmpty
    }
}

Describe 'Start-ParallelTaskJob with a program' {
    It 'returns each task''s stdout, stderr and exit code in input order' {
        $program | Wait-Job -Timeout 60 | Should -Not -BeNullOrEmpty
        $results = Receive-Job $program -Keep -ErrorAction SilentlyContinue
        $results.Index | Should -Be 0, 1
        $results.Output.Trim() | Should -Be 'out 0', 'out 3'
        $results.StandardError.Trim() | Should -Be 'err 0', 'err 3'
        $results.ExitCode | Should -Be 0, 3
        $results.Input | Should -Be 0, 3
    }

    It 'fails the task whose program exits non-zero' {
        $null = Receive-Job $program -Keep -ErrorVariable errors -ErrorAction SilentlyContinue
        # The task's error, then the farm's (JobStateFailed, as for any failed job).
        $errors.FullyQualifiedErrorId | Should -Be 'TaskFailed', 'JobStateFailed'
        $errors[0].TargetObject | Should -Be 3
        $program.ChildJobs.JobStateInfo.State | Should -Be 'Completed', 'Failed'
    }

    It 'names a program that is missing in the task''s error' {
        $null = Receive-Job $missing -Keep -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.FullyQualifiedErrorId | Should -Be 'TaskProgramNotFound', 'JobStateFailed'
        $errors[0].Exception.Message | Should -Match '^Task 0 failed on rank \d+ \(.+\) after 1 attempt\(s\): .*/no/such/program'
        $errors[0].TargetObject | Should -Be 'x'
    }
}

Describe 'What Start-ParallelTaskJob refuses before anything starts' {
    BeforeEach { $script:before = Get-StoreIds }

    It 'refuses a script block given as text that does not parse' {
        { Start-ParallelTaskJob 'if ($_ {' -InputObject 1 @common -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,MPI.PowerShell.StartParallelTaskJobCommand'
        Get-StoreIds | Should -Be $before
    }

    It 'refuses a $using: variable that is not defined' {
        { 1 | Start-ParallelTaskJob { $using:notDefinedAnywhere } @common -ErrorAction Stop } | Should -Throw -ErrorId 'UsingVariableNotFound,MPI.PowerShell.StartParallelTaskJobCommand'
        Get-StoreIds | Should -Be $before
    }

    It 'refuses an unknown host' {
        { 1 | Start-ParallelTaskJob { $_ } -ComputerName no-such-host.invalid -MpiImplementation Mpich -ErrorAction Stop } | Should -Throw -ErrorId 'HostNotFound,MPI.PowerShell.StartParallelTaskJobCommand'
        Get-StoreIds | Should -Be $before
    }

    It 'refuses an input that cannot be serialized, naming its position' {
        # A collection whose enumeration throws: the serializer cannot write it.
        Invoke-Expression 'class UnlistableForFarm : System.Collections.IEnumerable { [System.Collections.IEnumerator] GetEnumerator() { throw "cannot enumerate" } }'
        $throwing = [UnlistableForFarm]::new()
        $errors = $null
        $job = Start-ParallelTaskJob { $_ } -InputObject 'fine', $throwing @common -ErrorVariable errors -ErrorAction SilentlyContinue
        $job | Should -BeNullOrEmpty
        $errors.FullyQualifiedErrorId | Should -Be 'InputNotSerializable,MPI.PowerShell.StartParallelTaskJobCommand'
        "$errors" | Should -Match '^Input 1 cannot be serialized'
        Get-StoreIds | Should -Be $before
    }

    It 'starts nothing with -WhatIf' {
        1..3 | Start-ParallelTaskJob { $_ } @common -WhatIf | Should -BeNullOrEmpty
        Get-StoreIds | Should -Be $before
    }

    It 'rewrites $using: variables for the ranks' {
        $size = 3
        $verbose = 1 | Start-ParallelTaskJob { $_ * $using:size + $using:size } @common -WhatIf -Verbose 4>&1 | Out-String
        $verbose | Should -Match ([regex]::Escape('$_ * ${__using_size} + ${__using_size}'))
    }
}

Describe 'A farm under the built-in job cmdlets' {
    It 'is listed by Get-Job by name, and its tasks are its child jobs' {
        $listed = Get-Job -Name task-order
        $listed.InstanceId | Should -Be $ordered.InstanceId
        $listed.ChildJobs | Should -HaveCount 4
    }

    It 'returns the outputs and removes the farm with Receive-Job -Wait -AutoRemoveJob' {
        $farm = 1..3 | Start-ParallelTaskJob { $_ + 100 } @common -Name task-autoremove
        $farm | Receive-Job -Wait -AutoRemoveJob | Should -Be 101, 102, 103
        Get-Job -Name task-autoremove -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-Path $farm.Directory | Should -BeFalse
    }

    It 'removes an ended farm with Remove-Job, from the store too' {
        $directory = $timed.Directory
        Remove-Job $timed
        Get-Job -Name task-timeout -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-Path $directory | Should -BeFalse
    }
}

Describe 'Stopping, resuming and reading a farm from another session' {
    It 'keeps the results so far receivable when stopped mid-farm, and leaves nothing running' {
        Wait-Until { $stopping.CompletedTasks -ge 2 } | Should -BeTrue
        Wait-Job $stopping -Timeout 1 | Should -BeNullOrEmpty
        Stop-Job $stopping
        $stopping.State | Should -Be 'Stopped'
        Receive-Job $stopping -Keep | Should -Be 'done 0', 'done 1'
        Get-FarmProcessCount $stopping | Should -Be 0
    }

    It 'finds the farm and its results with Get-ParallelJob in a new session, inputs deserialized' {
        $run = Invoke-Pwsh -ImportModule @"
`$farm = Get-ParallelJob -JobId $($stopping.JobId)
`$farm.PSJobTypeName
`$farm.ParallelState
Receive-Job `$farm -Keep
`$failed = Receive-Job -Keep (Get-ParallelJob -JobId $($mixed.JobId)) -ErrorVariable errors -ErrorAction SilentlyContinue
`$target = (`$errors | Where-Object FullyQualifiedErrorId -EQ TaskFailed).TargetObject
"`$target `$(`$target.GetType().Name)"
"@
        $run.Error | Should -BeNullOrEmpty
        $run.Output -split '\r?\n' | Where-Object { $_ } | Should -Be 'ParallelTaskJob', 'Stopped', 'done 0', 'done 1', '3 Int32'
    }

    It 'runs only the tasks left with Resume-ParallelJob' {
        $null = New-Item $release
        $resumed = Resume-ParallelJob -JobId $stopping.JobId
        $resumed | Wait-Job -Timeout 90 | Should -Not -BeNullOrEmpty
        $resumed.ParallelState | Should -Be 'Completed'
        Receive-Job $resumed | Should -Be 'done 0', 'done 1', 'done 2', 'done 3', 'done 4', 'done 5'
        $resumed.ChildJobs.Attempts | Should -Be 1, 1, 1, 1, 1, 1
    }

    It 'resumes a farm whose launching session ended' {
        $gate = Join-Path $TestDrive gate
        $run = Invoke-Pwsh -ImportModule @"
`$farm = 0..3 | Start-ParallelTaskJob { if (`$_ -ge 2) { while (-not (Test-Path '$gate')) { Start-Sleep -Milliseconds 100 } }; `$_ * 10 } -ThrottleLimit 2 -MpiImplementation Mpich -Name task-orphan
`$deadline = [DateTime]::UtcNow.AddSeconds(60)
while (`$farm.CompletedTasks -lt 2 -and [DateTime]::UtcNow -lt `$deadline) { Start-Sleep -Milliseconds 100 }
`$farm.JobId
"@
        $id = @($run.Output -split '\r?\n' | Where-Object { $_ })[-1]
        $orphan = Get-ParallelJob -JobId $id
        Wait-Until { $orphan.State -eq 'Failed' } | Should -BeTrue
        $orphan.Reason | Should -Match 'launcher'
        $null = New-Item $gate
        $resumed = Resume-ParallelJob -JobId $id
        $resumed | Wait-Job -Timeout 90 | Should -Not -BeNullOrEmpty
        Receive-Job $resumed | Should -Be 0, 10, 20, 30
    }

    It 'refuses to resume a farm that completed' {
        { Resume-ParallelJob -JobId $ordered.JobId -ErrorAction Stop } | Should -Throw -ErrorId 'FarmNotResumable,MPI.PowerShell.ResumeParallelJobCommand'
    }
}
