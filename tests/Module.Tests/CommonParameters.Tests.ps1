# The common parameters on the module's cmdlets, as a user's script relies on them: -Verbose and -Debug say what the
# cmdlet does, -ErrorAction and -ErrorVariable handle its non-terminating errors as PowerShell's own cmdlets' errors
# are handled, -WhatIf shows the exact command and starts nothing, -Confirm on a start asks and does what the answer says.
# (The module writes no warning of its own: launcher warnings are log records, which Receive-ParallelJob returns.)

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $hello = Get-TestProgram Hello

    # One session tries the streams and error handling, and reports what it saw as JSON (after a marker line, since
    # -WhatIf prints to the host, in the same output).
    $run = Invoke-Pwsh -ImportModule @"
`$ProgressPreference = 'SilentlyContinue'
`$r = [ordered]@{}
`$streams = Start-ParallelJob '$hello' -Ranks 1 -MpiImplementation Mpich -Name cp-verbose -Environment @{ CP_SECRET = 'hush' } -Verbose -Debug 4>&1 5>&1
`$job = `$streams | Where-Object { `$_ -is [System.Management.Automation.Job] }
`$r.Verbose = @(`$streams | Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
`$r.Debug = @(`$streams | Where-Object { `$_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
`$r.Command = `$job.Command
`$r.JobId = `$job.JobId
`$r.Directory = `$job.Directory
`$quiet = @(Start-ParallelJob '$hello' -Ranks 1 -MpiImplementation Mpich -Name cp-quiet 4>&1 5>&1)
`$r.QuietItems = `$quiet.Count
`$null = `$job, `$quiet[0] | Wait-ParallelJob -Timeout 120

`$before = @(Get-ChildItem `$env:SPMD_JOB_STORE).Count
'<<<whatif>>>'
`$r.WhatIfOutput = @(Start-ParallelJob '$hello' -Ranks 1 -MpiImplementation Mpich -Name cp-verbose -Environment @{ CP_SECRET = 'hush' } -WhatIf).Count
'<<<end>>>'
`$r.WhatIfStarted = @(Get-ChildItem `$env:SPMD_JOB_STORE).Count - `$before

`$r.DefaultItems = @(Get-ParallelJob -Name nosuch 2>&1 | ForEach-Object { `$_.GetType().Name })
`$r.DefaultContinued = `$true
try { Get-ParallelJob -Name nosuch -ErrorAction Stop; `$r.StopContinued = `$true }
catch { `$r.StopCaught = `$_.FullyQualifiedErrorId; `$r.StopTarget = `$_.TargetObject }
& { `$ErrorActionPreference = 'Stop'; try { Get-ParallelJob -Name nosuch; `$r.PreferenceContinued = `$true } catch { `$r.PreferenceCaught = `$_.FullyQualifiedErrorId } }
`$Error.Clear()
`$r.SilentFound = @(Get-ParallelJob -Name nosuch, cp-quiet -ErrorAction SilentlyContinue).Name
`$r.SilentInError = `$Error.Count
`$Error.Clear()
Get-ParallelJob -Name nosuch -ErrorAction Ignore
`$r.IgnoreInError = `$Error.Count
Get-ParallelJob -Name nosuch -ErrorAction SilentlyContinue -ErrorVariable failures
Get-ParallelJob -Name alsomissing -ErrorAction SilentlyContinue -ErrorVariable +failures
`$r.ErrorVariable = @(`$failures | ForEach-Object { [ordered]@{ Id = `$_.FullyQualifiedErrorId; Category = "`$(`$_.CategoryInfo.Category)"; Target = `$_.TargetObject } })
`$before = @(Get-ChildItem `$env:SPMD_JOB_STORE).Count
try { Start-ParallelJob /nonexistent/missing.dll -Ranks 1 -ErrorAction Stop; `$r.MissingContinued = `$true }
catch { `$r.MissingCaught = `$_.FullyQualifiedErrorId; `$r.MissingCategory = "`$(`$_.CategoryInfo.Category)" }
`$r.MissingStarted = @(Get-ChildItem `$env:SPMD_JOB_STORE).Count - `$before
'<<<json>>>'
`$r | ConvertTo-Json -Depth 4
"@
    $script:errorText = $run.Error
    $script:whatIfText = ($run.Output -split '<<<whatif>>>')[1] -split '<<<end>>>' | Select-Object -First 1
    $script:seen = ($run.Output -split '<<<json>>>')[1] | ConvertFrom-Json
}

Describe '-Verbose and -Debug' {
    It 'makes Start-ParallelJob tell the exact mpiexec command, then the job it started and where its records go' {
        $seen.Verbose | Should -HaveCount 2
        $seen.Verbose[0] | Should -Be "Performing the operation `"Start parallel job`" on target `"$($seen.Command)`"."
        $seen.Verbose[1] | Should -Be "Started parallel job cp-verbose ($($seen.JobId)): 1 rank(s) under Mpich, records in $($seen.Directory)"
    }

    It 'makes Start-ParallelJob name the variables set for every rank, never their values' {
        $seen.Debug | Should -HaveCount 1
        $seen.Debug[0] | Should -Match '^Variables set for every rank: .*\bCP_SECRET\b'
        $seen.Debug[0] | Should -Not -Match 'hush'
    }

    It 'writes neither without being asked: the job is all that comes out' {
        $seen.QuietItems | Should -Be 1
    }
}

Describe '-ErrorAction and -ErrorVariable on a job that is not there' {
    It 'writes a non-terminating error by default, and the script goes on' {
        $seen.DefaultItems | Should -Be @('ErrorRecord')
        $seen.DefaultContinued | Should -BeTrue
    }

    It 'stops the script with -ErrorAction Stop, with the error''s id and target' {
        $seen.StopContinued | Should -BeNullOrEmpty
        $seen.StopCaught | Should -Match '^ParallelJobNotFound,'
        $seen.StopTarget | Should -Be 'nosuch'
    }

    It 'stops the script when $ErrorActionPreference is Stop' {
        $seen.PreferenceContinued | Should -BeNullOrEmpty
        $seen.PreferenceCaught | Should -Match '^ParallelJobNotFound,'
    }

    It 'keeps quiet with SilentlyContinue, still returns the jobs that exist, and records the error in $Error' {
        $seen.SilentFound | Should -Be @('cp-quiet')
        $seen.SilentInError | Should -Be 1
    }

    It 'leaves no trace with Ignore' {
        $seen.IgnoreInError | Should -Be 0
    }

    It 'collects the errors in -ErrorVariable, appending with +' {
        $seen.ErrorVariable | Should -HaveCount 2
        $seen.ErrorVariable.Category | Should -Be @('ObjectNotFound', 'ObjectNotFound')
        $seen.ErrorVariable.Target | Should -Be @('nosuch', 'alsomissing')
    }

    It 'stops on a missing program with -ErrorAction Stop and starts nothing' {
        $seen.MissingContinued | Should -BeNullOrEmpty
        $seen.MissingCaught | Should -Match '^ProgramNotFound,'
        $seen.MissingCategory | Should -Be 'ObjectNotFound'
        $seen.MissingStarted | Should -Be 0
    }

    It 'wrote nothing to the error stream of a session that handled every error' {
        $errorText | Should -BeNullOrEmpty
    }
}

Describe '-WhatIf' {
    It 'shows the exact command a start would run: the one the same start ran' {
        $whatIfText.Trim() | Should -Be "What if: Performing the operation `"Start parallel job`" on target `"$($seen.Command)`"."
    }

    It 'starts nothing and returns nothing' {
        $seen.WhatIfOutput | Should -Be 0
        $seen.WhatIfStarted | Should -Be 0
    }
}

Describe '-Confirm' {
    # (Stop-ParallelJob's and Remove-ParallelJob's prompts are Confirm.Tests.ps1's.)
    BeforeAll {
        $count = "@(Get-ChildItem `$env:SPMD_JOB_STORE).Count"
        # One interactive session answers No to the first start's prompt, Yes to the second's.
        $script:answered = Invoke-Pwsh -ImportModule @"
`$ProgressPreference = 'SilentlyContinue'
foreach (`$answer in 'No', 'Yes') {
    `$before = $count
    `$job = Start-ParallelJob '$hello' -Ranks 1 -MpiImplementation Mpich -Name cp-confirm -Confirm
    "`$answer -> returned: `$(@(`$job).Count), started: `$($count - `$before)"
    `$null = `$job | Wait-ParallelJob -Timeout 120
}
"@ -InputLine 'N', 'Y'
    }

    It 'asks before starting a job, showing the mpiexec command' {
        $prompts = [regex]::Matches($answered.Output, 'Performing the operation "Start parallel job" on target "mpiexec[^"]*Hello\.dll"')
        $prompts.Count | Should -Be 2
    }

    It 'starts nothing when the answer is No' {
        $answered.Output | Should -Match 'No -> returned: 0, started: 0'
    }

    It 'starts the job when the answer is Yes' {
        $answered.Output | Should -Match 'Yes -> returned: 1, started: 1'
    }
}
