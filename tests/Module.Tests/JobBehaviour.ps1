# One behavioural script for PowerShell jobs, run against a ThreadJob (Start-ThreadJob) or a ParallelJob (Start-ParallelJob
# of tests/SpmdChecks): it asks the built-in job cmdlets the same questions of either kind and writes the answers as
# one JSON object, so JobParity.Tests.ps1 can check that both kinds answer alike where their semantics coincide.
#   pwsh -Command "& ./JobBehaviour.ps1 -Kind ThreadJob|ParallelJob [-Program SpmdChecks.dll] [-Module ParallelJob.psd1]
#        [-MpiImplementation Mpich|OpenMpi] [-Case WaitAny, Receive, Pipeline, Events, Stop, Fail]"  (all cases by default)
# Job outputs are compared as text: a ThreadJob writes the very lines the ParallelJob's ranks log or print, so the
# sorted messages received are the same answer for both. Every wait is bounded; the jobs left are removed at the end.
param(
    [Parameter(Mandatory)] [ValidateSet('ThreadJob', 'ParallelJob')] [string] $Kind,
    [string] $Program,
    [string] $Module,
    [string] $MpiImplementation = 'Mpich',
    [string[]] $Case
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'

if ($Kind -eq 'ParallelJob') {
    # A store of this session alone: Get-Job then lists only the jobs this script starts (a ParallelJob store is shared
    # by every session, a ThreadJob lives in one).
    $env:SPMD_JOB_STORE = Join-Path ([IO.Path]::GetTempPath()) "spmd-parity-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $env:SPMD_JOB_STORE
    Import-Module $Module
}
$answers = [ordered]@{ Kind = $Kind }
$marker = "PARITY_$([guid]::NewGuid().ToString('N'))"

# Starts a job named $Name of shape $Shape: Quick (ends at once with its output), Timed (the same after $Seconds),
# Fail (rank 1 throws; the thread throws the same message) or Hang (runs until stopped).
function Start-Shaped {
    param([string] $Shape, [string] $Name, [int] $Seconds = 2)
    $line = "$marker="
    if ($Kind -eq 'ThreadJob') {
        $block = switch ($Shape) {
            'Quick' { { param($m) 'Rank 0 reports 1 variables'; 'Rank 1 reports 1 variables'; $m; $m } }
            'Timed' { { param($m, $s) Start-Sleep -Seconds $s; 'Rank 0 reports 1 variables'; 'Rank 1 reports 1 variables'; $m; $m } }
            # A second first, as an MPI job takes to start: the StateChanged handler is registered before it fails.
            'Fail' { { Start-Sleep -Seconds 1; 'plain output from rank 0'; 'plain output from rank 1'; throw 'deliberate failure on rank 1' } }
            'Hang' { { param($m) 'Rank 0 reports 1 variables'; 'Rank 1 reports 1 variables'; $m; $m; Start-Sleep -Seconds 600 } }
        }
        return Start-ThreadJob -Name $Name -ScriptBlock $block -ArgumentList $line, $Seconds
    }
    $arguments = switch ($Shape) {
        'Quick' { 'echo-env', '0', $marker }
        'Timed' { 'echo-env', "$($Seconds * 1000)", $marker }
        'Fail' { 'logjob', '0', 'throw', '1' }
        'Hang' { 'echo-env', '600000', $marker }
    }
    Start-ParallelJob $Program -ArgumentList $arguments -Ranks 2 -MpiImplementation $MpiImplementation -Name $Name
}

# The text of what Receive-Job returned, sorted: a ParallelJob's log records by message, only those the program wrote
# (not the launcher's lines, nor the records every rank sends the launcher as it starts and ends).
function Get-Message {
    param([object[]] $Received)
    $text = foreach ($item in $Received) {
        if ($item.GetType().FullName -eq 'MPI.Launch.LogRecord') {
            if ($null -ne $item.Rank -and $item.Template -notmatch '^Rank \{Rank\} (of \{Size\} started|finished|finalized|exited|was told)') { $item.Message }
        }
        else { "$item" }
    }
    # The marker differs from run to run; the answer does not.
    @($text | ForEach-Object { $_.Replace($marker, 'MARKER') } | Sort-Object)
}

# The processes still running of ParallelJobs $Job: mpiexec, its daemons and the ranks carry the job's id in their
# environment (SPMD_JOB_ID, as the launcher's sweep finds them); mpiexec and the ranks carry the marker in their
# command lines too.
function Get-JobProcessCount {
    param([object[]] $Job)
    if ($Kind -eq 'ThreadJob') { return 0 }
    $ids = @($Job | ForEach-Object { "SPMD_JOB_ID=$($_.JobId)" })
    @(Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -Match '^\d+$' | Where-Object {
            $commandLine = Get-Content -Raw -LiteralPath "$($_.FullName)/cmdline" -ErrorAction Ignore
            $environment = Get-Content -Raw -LiteralPath "$($_.FullName)/environ" -ErrorAction Ignore
            $_.Name -ne "$PID" -and (($commandLine -and $commandLine.Contains($marker)) -or
                ($environment -and @($environment.Split([char]0) | Where-Object { $_ -in $ids }).Count -gt 0))
        }).Count
}

function Wait-Until {
    param([scriptblock] $Condition, [int] $Seconds = 30)
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while (-not (& $Condition) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
    [bool](& $Condition)
}

function Test-Case { param([string] $Name) -not $Case -or $Case -contains $Name }

try {
    if (Test-Case 'WaitAny') {
        # Two jobs that run until stopped and one that ends: -Any returns the one that ended; -Timeout on the running
        # ones returns nothing and leaves them running.
        # Each started once the one before has begun: -Newest goes by the time a job began, and a ThreadJob begins when
        # its thread does.
        $hangA = Start-Shaped Hang any-hang-a
        $null = Wait-Until { $null -ne $hangA.PSBeginTime } 30
        $hangB = Start-Shaped Hang any-hang-b
        $null = Wait-Until { $null -ne $hangB.PSBeginTime } 30
        $quick = Start-Shaped Quick any-quick
        $first = Wait-Job -Job $hangA, $quick, $hangB -Any -Timeout 60
        $answers.WaitAnyReturned = @($first.Name)
        $answers.WaitTimeoutReturned = @(Wait-Job -Job $hangA, $hangB -Timeout 2).Count
        $answers.WaitTimeoutStates = @($hangA.State, $hangB.State | ForEach-Object ToString)
        $answers.WaitAnyTimeoutReturned = @(Wait-Job -Job $hangA, $hangB -Any -Timeout 1).Count
        # A running job's output is received while it runs (a ParallelJob's as its ranks write it).
        $null = Wait-Until { (Get-Message (Receive-Job -Job $hangB -Keep)).Count -ge 4 } 30
        $answers.RunningHasMoreData = $hangB.HasMoreData
        $answers.RunningReceive = Get-Message (Receive-Job -Job $hangB)
        $answers.RunningStateAfterReceive = "$($hangB.State)"

        # Get-Job filters, while two jobs run and one has ended.
        $answers.GetJobRunning = @(Get-Job -State Running | ForEach-Object Name | Sort-Object)
        $answers.GetJobCompleted = @(Get-Job -State Completed | ForEach-Object Name)
        # A ThreadJob's name is matched whole (its adapter takes no wildcards), so whole names are asked for.
        $answers.GetJobName = @(Get-Job -Name any-hang-b, any-quick | ForEach-Object Name | Sort-Object)
        $answers.GetJobById = @(Get-Job -Id $quick.Id | ForEach-Object Name)
        $answers.GetJobByInstanceId = @(Get-Job -InstanceId $hangB.InstanceId | ForEach-Object Name)
        $answers.GetJobMissingName = @(Get-Job -Name no-such-job -ErrorAction SilentlyContinue).Count
        $answers.EndTimeKnown = @($hangA, $hangB, $quick | ForEach-Object { $null -ne $_.PSEndTime })
        $answers.BeginTimeKnown = @($hangA, $hangB, $quick | ForEach-Object { $null -ne $_.PSBeginTime })
        # Naming a job that does not exist is the same error for every cmdlet.
        $missing = foreach ($command in 'Stop-Job', 'Receive-Job', 'Wait-Job', 'Remove-Job') {
            & $command -Name no-such-job -ErrorAction SilentlyContinue -ErrorVariable notFound
            "$command $(@($notFound | ForEach-Object FullyQualifiedErrorId) -join ',')"
        }
        $answers.MissingNameErrors = @($missing)

        # Remove-Job without -Force refuses a running job, which stays; with -Force it goes, and its processes with it.
        Remove-Job -Job $hangA -ErrorAction SilentlyContinue -ErrorVariable refused
        $answers.RemoveRunningError = @($refused | ForEach-Object { $_.FullyQualifiedErrorId })
        $answers.RemoveRunningStillListed = @(Get-Job -Id $hangA.Id -ErrorAction SilentlyContinue).Count
        $processesBefore = Get-JobProcessCount $hangA, $hangB
        Remove-Job -Job $hangA, $hangB -Force
        $answers.RemoveForceListed = @(Get-Job -Id $hangA.Id, $hangB.Id -ErrorAction SilentlyContinue).Count
        $answers.RemoveForceStates = @($hangA.State, $hangB.State | ForEach-Object ToString)
        $answers.ProcessesBeforeRemove = $processesBefore -gt 0 -or $Kind -eq 'ThreadJob'
        # Counted as soon as Remove-Job returns: nothing of the job outlives it.
        $answers.ProcessesAfterRemove = Get-JobProcessCount $hangA, $hangB

        # Receive-Job -Wait -AutoRemoveJob returns the output and removes the job, one that ended as one that runs.
        $answers.AutoRemoveOutput = Get-Message (Receive-Job -Job $quick -Wait -AutoRemoveJob)
        $answers.AutoRemoveListed = @(Get-Job -Id $quick.Id -ErrorAction SilentlyContinue).Count
        $running = Start-Shaped Timed auto-remove-running 2
        $answers.AutoRemoveRunningOutput = Get-Message (Receive-Job -Job $running -Wait -AutoRemoveJob)
        $answers.AutoRemoveRunningListed = @(Get-Job -Name auto-remove-running -ErrorAction SilentlyContinue).Count
    }

    if (Test-Case 'Receive') {
        # HasMoreData, -Keep and a plain receive; start and receive by -Name and -Id.
        $job = Start-Shaped Timed receive-keep 1
        $null = Wait-Job -Name receive-keep -Timeout 60
        $answers.ReceiveState = "$($job.State)"
        Stop-Job -Name receive-keep -ErrorVariable stopEnded
        $answers.StopEndedErrors = @($stopEnded).Count
        $answers.StopEndedState = "$($job.State)"
        $answers.HasMoreDataBefore = $job.HasMoreData
        $answers.GetJobHasMoreData = @(Get-Job -HasMoreData $true | ForEach-Object Name)
        $answers.KeepFirst = Get-Message (Receive-Job -Name receive-keep -Keep)
        $answers.KeepSecond = Get-Message (Receive-Job -Id $job.Id -Keep)
        $answers.HasMoreDataAfterKeep = $job.HasMoreData
        $answers.ReceivePlain = Get-Message (Receive-Job -Id $job.Id)
        $answers.HasMoreDataAfterReceive = $job.HasMoreData
        $answers.GetJobHasNoMoreData = @(Get-Job -HasMoreData $false | ForEach-Object Name)
        $answers.ReceiveAgain = @(Receive-Job -Id $job.Id).Count
        Remove-Job -Name receive-keep
        $answers.RemovedByName = @(Get-Job -Id $job.Id -ErrorAction SilentlyContinue).Count
    }

    if (Test-Case 'Pipeline') {
        # Get-Job | Wait-Job | Receive-Job over every job of the session (the cases before removed theirs).
        $null = Start-Shaped Quick pipe-a
        $null = Start-Shaped Quick pipe-b
        $answers.PipelineOutput = Get-Message (Get-Job | Wait-Job -Timeout 60 | Receive-Job)
        $answers.PipelineStates = @(Get-Job | ForEach-Object { "$($_.Name) $($_.State)" } | Sort-Object)
        Remove-Job -State Completed
        $answers.PipelineRemoved = @(Get-Job).Count
    }

    if (Test-Case 'Events') {
        # StateChanged events from Register-ObjectEvent: the sequence of states a job goes through to its end.
        $job = Start-Shaped Timed events-complete 3
        $null = Register-ObjectEvent -InputObject $job -EventName StateChanged -SourceIdentifier events-complete
        $null = Wait-Job -Job $job -Timeout 60
        # Until the event of the job's end has arrived (events come on another thread).
        $null = Wait-Until { @(Get-Event -SourceIdentifier events-complete -ErrorAction Ignore |
                Where-Object { "$($_.SourceEventArgs.JobStateInfo.State)" -eq 'Completed' }).Count -gt 0 } 30
        # A ThreadJob may still be NotStarted when it is returned (its thread starts it), a ParallelJob is Running: a
        # first NotStarted->Running depends on that race, so it is left out of the sequence.
        $answers.EventsCompleted = @(Get-Event -SourceIdentifier events-complete -ErrorAction Ignore | ForEach-Object {
                "$($_.SourceEventArgs.PreviousJobStateInfo.State)->$($_.SourceEventArgs.JobStateInfo.State)" } |
            Where-Object { $_ -ne 'NotStarted->Running' })
        $answers.EventsSender = @(Get-Event -SourceIdentifier events-complete -ErrorAction Ignore | ForEach-Object { $_.Sender.Name } | Select-Object -Unique)
        Unregister-Event -SourceIdentifier events-complete
        Remove-Event -SourceIdentifier events-complete -ErrorAction Ignore
        Remove-Job -Job $job
    }

    if (Test-Case 'Stop') {
        # Stop-Job by -Name and by -Id: the job and its children are Stopped, the events say how it got there.
        $byName = Start-Shaped Hang stop-name
        $byId = Start-Shaped Hang stop-id
        $null = Wait-Until { "$($byName.State)" -eq 'Running' -and "$($byId.State)" -eq 'Running' } 30
        $answers.ProcessesBeforeStop = (Get-JobProcessCount $byName, $byId) -gt 0 -or $Kind -eq 'ThreadJob'
        $null = Register-ObjectEvent -InputObject $byName -EventName StateChanged -SourceIdentifier events-stop
        Stop-Job -Name stop-name
        $answers.StopPassThru = @(Stop-Job -Id $byId.Id -PassThru | ForEach-Object Name)
        # Counted as soon as Stop-Job returns: nothing of the job outlives it.
        $answers.ProcessesAfterStop = Get-JobProcessCount $byName, $byId
        $answers.StopStates = @($byName.State, $byId.State | ForEach-Object ToString)
        # Both have ended, the one stopped by -Id last (and started last): -Newest, which goes by begin or end time,
        # has one answer.
        $answers.GetJobNewest = @(Get-Job -Newest 1 | ForEach-Object Name)
        $answers.GetJobStopped = @(Get-Job -State Stopped | ForEach-Object Name | Sort-Object)
        $answers.StopChildren = @($byName.ChildJobs + $byId.ChildJobs).Count
        $answers.StopChildrenNotStopped = @($byName.ChildJobs + $byId.ChildJobs | Where-Object { "$($_.State)" -ne 'Stopped' }).Count
        $answers.StopFinished = $byName.Finished.WaitOne(0)
        $null = Wait-Until { @(Get-Event -SourceIdentifier events-stop -ErrorAction Ignore | Where-Object { "$($_.SourceEventArgs.JobStateInfo.State)" -eq 'Stopped' }).Count -gt 0 } 10
        $answers.EventsStopped = @(Get-Event -SourceIdentifier events-stop -ErrorAction Ignore | ForEach-Object {
                "$($_.SourceEventArgs.PreviousJobStateInfo.State)->$($_.SourceEventArgs.JobStateInfo.State)" })
        Unregister-Event -SourceIdentifier events-stop
        Remove-Event -SourceIdentifier events-stop -ErrorAction Ignore
        $answers.StopWaitReturned = @(Wait-Job -Job $byName, $byId -Timeout 10 | ForEach-Object Name | Sort-Object)
        $answers.StoppedReceiveErrors = @(Receive-Job -Job $byName, $byId 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count
        Remove-Job -Id $byName.Id, $byId.Id
        $answers.RemovedById = @(Get-Job).Count
    }

    if (Test-Case 'Fail') {
        # A failed job: Wait-Job returns it, State Failed with a Reason, Receive-Job writes its error to the error stream.
        $job = Start-Shaped Fail failing
        $null = Register-ObjectEvent -InputObject $job -EventName StateChanged -SourceIdentifier events-fail
        $answers.FailWaitReturned = @(Wait-Job -Job $job -Timeout 60 | ForEach-Object Name)
        $answers.FailState = "$($job.State)"
        $answers.FailReasonMentions = "$($job.JobStateInfo.Reason.Message)" -match 'deliberate failure on rank 1'
        $answers.FailHasMoreData = $job.HasMoreData
        $received = @(Receive-Job -Job $job -ErrorAction SilentlyContinue -ErrorVariable failures)
        # One error per failed job object received: a ParallelJob's and its failed rank's.
        $answers.FailErrorCount = @($failures).Count
        $answers.FailErrorsMention = @($failures).Count -gt 0 -and @($failures | Where-Object { "$_" -notmatch 'deliberate failure on rank 1' }).Count -eq 0
        $answers.FailErrorId = @($failures | ForEach-Object FullyQualifiedErrorId | Select-Object -Unique)
        $answers.FailReceivedPlainOutput = @(Get-Message $received | Where-Object { $_ -like 'plain output from rank *' })
        $null = Wait-Until { @(Get-Event -SourceIdentifier events-fail -ErrorAction Ignore | Where-Object { "$($_.SourceEventArgs.JobStateInfo.State)" -eq 'Failed' }).Count -gt 0 } 10
        $answers.EventsFailed = @(Get-Event -SourceIdentifier events-fail -ErrorAction Ignore | ForEach-Object {
                "$($_.SourceEventArgs.PreviousJobStateInfo.State)->$($_.SourceEventArgs.JobStateInfo.State)" } |
            Where-Object { $_ -ne 'NotStarted->Running' })
        $answers.FailGetJobFailed = @(Get-Job -State Failed | ForEach-Object Name)
        $answers.FailHasMoreDataAfter = $job.HasMoreData
        Remove-Job -Job $job
    }
}
finally {
    Get-EventSubscriber | Unregister-Event
    Get-Job | Remove-Job -Force
    if ($Kind -eq 'ParallelJob') {
        Remove-Item -Recurse -Force $env:SPMD_JOB_STORE -ErrorAction SilentlyContinue
    }
}
$answers | ConvertTo-Json -Depth 4 -Compress
