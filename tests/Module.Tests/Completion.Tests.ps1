# Tab completion as a user at the prompt gets it: TabExpansion2 in a fresh pwsh with the module imported, over a job
# store holding jobs started for the purpose (one with a space in its name).

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force

    $hello = Get-TestProgram Hello
    # Two small jobs of known names (one with a space), in the store every test file shares.
    $setup = Invoke-Pwsh -ImportModule @"
`$a = Start-ParallelJob '$hello' -Ranks 1 -MpiImplementation Mpich -Name complete-me
`$b = Start-ParallelJob '$hello' -Ranks 1 -MpiImplementation Mpich -Name 'complete two'
`$null = `$a, `$b | Wait-ParallelJob -Timeout 120
`$a.JobId; `$b.JobId
"@
    $script:jobIds = @($setup.Output -split '\r?\n' | Where-Object { $_ })

    # What TabExpansion2 offers at the end of each line, in one fresh session: one line of completion texts per input
    # line, separated by '|'.
    function Get-Completion([string[]] $Line) {
        $script = ($Line | ForEach-Object {
                "(TabExpansion2 -inputScript '$($_.Replace("'", "''"))' -cursorColumn $($_.Length)).CompletionMatches.CompletionText -join '|'"
            }) -join "`n"
        $run = Invoke-Pwsh -ImportModule $script
        $run.Error | Should -BeNullOrEmpty
        $lines = $run.Output -split '\r?\n'
        $answers = @{}
        for ($i = 0; $i -lt $Line.Count; $i++) { $answers[$Line[$i]] = @($lines[$i] -split '\|' | Where-Object { $_ }) }
        $answers
    }

    $script:lines = @(
        'Start-Par'
        'Get-ParallelJob -St'
        'Start-ParallelJob -'
        'Start-ParallelJob p.dll -MpiImplementation '
        'Start-ParallelJob p.dll -MpiImplementation Op'
        'Get-ParallelJob -State '
        'Receive-ParallelJob -Level '
        'Get-ParallelJob -Name '
        'Get-ParallelJob -Name complete-'
        'Stop-ParallelJob -Name compl'
        'Get-ParallelJob -JobId '
        "Receive-ParallelJob -JobId $($jobIds[0].Substring(0, 10))"
        'Get-ParallelJob -Id '
        'Start-ParallelJob p.dll -ComputerName '
        'Test-ParallelHost local'
        "Start-ParallelJob $((Join-Path (Split-Path $hello) 'Hel'))"
    )
    $script:answers = Get-Completion $lines
}

Describe 'Tab completion' {
    It 'completes the module''s cmdlet names' {
        $answers['Start-Par'] | Should -Contain 'Start-ParallelJob'
    }

    It 'completes parameter names' {
        $answers['Get-ParallelJob -St'] | Should -Be @('-State')
        $answers['Start-ParallelJob -'] | Should -Contain '-MpiImplementation'
        $answers['Start-ParallelJob -'] | Should -Contain '-ComputerName'
        $answers['Start-ParallelJob -'] | Should -Contain '-Ranks'
    }

    It 'offers the MPI implementations for -MpiImplementation' {
        $answers['Start-ParallelJob p.dll -MpiImplementation '] | Sort-Object | Should -Be @('Auto', 'Mpich', 'OpenMpi')
        $answers['Start-ParallelJob p.dll -MpiImplementation Op'] | Should -Be @('OpenMpi')
    }

    It 'offers the job states for -State' {
        $answers['Get-ParallelJob -State '] | Should -Contain 'Running'
        $answers['Get-ParallelJob -State '] | Should -Contain 'TimedOut'
    }

    It 'offers the log levels for -Level' {
        $answers['Receive-ParallelJob -Level '] | Sort-Object | Should -Be @('Debug', 'Error', 'Fatal', 'Information', 'Verbose', 'Warning')
    }

    It 'offers the names of the jobs in the store, quoting a name with a space' {
        $answers['Get-ParallelJob -Name '] | Should -Contain 'complete-me'
        $answers['Get-ParallelJob -Name '] | Should -Contain "'complete two'"
    }

    It 'offers only the job names that start with what was typed, on every cmdlet that selects jobs' {
        $answers['Get-ParallelJob -Name complete-'] | Should -Be @('complete-me')
        $answers['Stop-ParallelJob -Name compl'] | Sort-Object | Should -Be @("'complete two'", 'complete-me')
    }

    It 'offers the store ids of the jobs' {
        $answers['Get-ParallelJob -JobId '] | Should -Contain $jobIds[0]
        $answers['Get-ParallelJob -JobId '] | Should -Contain $jobIds[1]
        $answers["Receive-ParallelJob -JobId $($jobIds[0].Substring(0, 10))"] | Should -Contain $jobIds[0]
    }

    It 'offers the session ids of the jobs' {
        $answers['Get-ParallelJob -Id '] | Should -Not -BeNullOrEmpty
        $answers['Get-ParallelJob -Id '] | ForEach-Object { $_ | Should -Match '^\d+$' }
    }

    It 'offers this machine for -ComputerName' {
        $answers['Start-ParallelJob p.dll -ComputerName '] | Should -Contain 'localhost'
        $answers['Start-ParallelJob p.dll -ComputerName '] | Should -Contain ([Environment]::MachineName)
        $answers['Test-ParallelHost local'] | Should -Be @('localhost')
    }

    It 'completes the program as a path' {
        $answers["Start-ParallelJob $((Join-Path (Split-Path $hello) 'Hel'))"] | Should -Contain (Join-Path (Split-Path $hello) 'Hello.dll')
    }
}
