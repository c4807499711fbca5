# The module's table and list views as a user sees them: objects rendered by Format-Table, Format-List, Out-String
# and plain output in a fresh pwsh, read as text. One session renders everything (one completed and one failed job),
# each rendering in a section of its own.

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force

    $script:pi = Get-TestProgram Pi
    $script:checks = Get-TestProgram SpmdChecks
    $run = Invoke-Pwsh -ImportModule @"
`$PSStyle.OutputRendering = 'PlainText'
`$ProgressPreference = 'SilentlyContinue'
`$ok = Start-ParallelJob '$pi' -ArgumentList 100000 -Ranks 2 -MpiImplementation Mpich -Name views-pi
`$bad = Start-ParallelJob '$checks' -ArgumentList logjob, 2, throw, 1 -Ranks 2 -MpiImplementation Mpich -Name views-failed
`$null = `$ok, `$bad | Wait-ParallelJob -Timeout 120
function Show([string] `$name, [string] `$text) { "<<<`$name>>>"; `$text }
Show default (`$ok | Out-String -Width 120)
Show both (Get-ParallelJob -Name views-* | Out-String -Width 120)
Show table (`$ok | Format-Table | Out-String -Width 120)
Show list (`$ok | Format-List | Out-String -Width 120)
Show failedlist (`$bad | Format-List | Out-String -Width 120)
Show getjob (Get-Job -Name views-pi | Out-String -Width 120)
Show ranks (`$ok.ChildJobs | Out-String -Width 120)
Show failedranks (`$bad.ChildJobs | Out-String -Width 120)
Show ranklist (`$ok.ChildJobs[1] | Format-List | Out-String -Width 120)
Show host (Test-ParallelHost localhost | Out-String -Width 120)
Show hostlist (Test-ParallelHost localhost | Format-List | Out-String -Width 120)
Show records (Receive-ParallelJob `$ok -Keep | Out-String -Width 120)
Show failedrecords (Receive-ParallelJob `$bad -Keep -Rank 1 | Out-String -Width 120)
Show recordlist (Receive-ParallelJob `$ok -Rank 0 -Keep | Where-Object { `$_.Properties.ContainsKey('Pi') } | Format-List | Out-String -Width 120)
Show plain ''
`$ok
"@
    $script:output = $run.Output
    $script:errors = $run.Error
    $script:sections = @{}
    $parts = $run.Output -split '(?m)^<<<(\w+)>>>\r?$'
    for ($i = 1; $i -lt $parts.Count; $i += 2) { $script:sections[$parts[$i]] = $parts[$i + 1] }

    # The non-empty lines of a section, trailing blanks cut.
    function Get-Lines([string] $name) {
        @($script:sections[$name] -split '\r?\n' | ForEach-Object TrimEnd | Where-Object { $_ })
    }
    # The column names of a table section.
    function Get-Header([string] $name) { (Get-Lines $name)[0] -split '\s+' | Where-Object { $_ } }
    # A list view's entries as label, value pairs, in order; a value wrapped over several lines is joined again.
    function Get-ListEntries([string] $name) {
        $entries = [System.Collections.Generic.List[object]]::new()
        foreach ($line in Get-Lines $name) {
            if ($line -match '^(\w+)\s+: ?(.*)$') { $entries.Add([pscustomobject]@{ Label = $Matches[1]; Value = $Matches[2] }) }
            else { $entries[-1].Value += $line.Trim() }
        }
        $entries
    }
    function Get-ListValue([string] $name, [string] $label) {
        Get-ListEntries $name | Where-Object Label -EQ $label | Select-Object -First 1 -ExpandProperty Value
    }
}

Describe 'The views of the module' {
    It 'renders every section in a session without errors' {
        $errors | Should -BeNullOrEmpty
        $sections.Keys | Should -Contain 'plain'
        $sections.Keys | Should -HaveCount 15
    }

    It 'writes no ANSI escape byte when OutputRendering is PlainText' {
        $output | Should -Not -Match "`e"
    }

    It 'keeps every line within the width of 120 it was rendered at' {
        $long = $output -split '\r?\n' | Where-Object { $_.Length -gt 120 }
        $long | Should -BeNullOrEmpty
    }
}

Describe 'The job table view' {
    It 'is the default view: outputting a job shows the same table as Format-Table' {
        $sections['default'] | Should -Be $sections['table']
    }

    It 'has the columns Id, Name, State, Ranks, Hosts, Elapsed and ExitCode' {
        Get-Header table | Should -Be @('Id', 'Name', 'State', 'Ranks', 'Hosts', 'Elapsed', 'ExitCode')
    }

    It 'shows the job''s name, launcher state, ranks, host, elapsed time and exit code in one row' {
        $lines = Get-Lines table
        $lines | Should -HaveCount 3
        $lines[2] | Should -Match "^\s*\d+ views-pi\s+Completed\s+2 $([regex]::Escape([Environment]::MachineName))\s+00:00:\d\d\.\d\s+0$"
    }

    It 'lists a completed and a failed job one row each, under one header' {
        $lines = Get-Lines both
        $lines | Should -HaveCount 4
        $lines[2] | Should -Match 'views-pi\s+Completed'
        $lines[3] | Should -Match 'views-failed\s+Failed\s+2\s.*\s[1-9]\d*$'
    }

    It 'is also what Get-Job shows for a parallel job' {
        $sections['getjob'] | Should -Be $sections['table']
    }

    It 'is what a script''s plain output shows, without wrapping' {
        $lines = Get-Lines plain
        $lines[0] | Should -Match '^\s*Id\s+Name\s+State\s+Ranks\s+Hosts\s+Elapsed\s+ExitCode$'
        $lines[2] | Should -Match 'views-pi\s+Completed'
        $lines | Should -HaveCount 3
    }
}

Describe 'The job list view' {
    It 'names the job by session id, store id and name, with its launcher state' {
        Get-ListValue list Id | Should -Match '^\d+$'
        Get-ListValue list JobId | Should -Match '^\d{8}-\d{6}-[0-9a-f]+$'
        Get-ListValue list Name | Should -Be 'views-pi'
        Get-ListValue list State | Should -Be 'Completed'
    }

    It 'shows ranks, hosts, start, elapsed time, exit code, command and directory as text' {
        Get-ListValue list Ranks | Should -Be '2'
        Get-ListValue list Hosts | Should -Be ([Environment]::MachineName)
        Get-ListValue list Started | Should -Not -BeNullOrEmpty
        Get-ListValue list Elapsed | Should -Match '^00:00:\d\d\.\d$'
        Get-ListValue list ExitCode | Should -Be '0'
        Get-ListValue list Command | Should -Match 'mpiexec.*Pi\.dll ?100000'
        Get-ListValue list Directory | Should -Match ([regex]::Escape((Get-ListValue list JobId)) + '$')
    }

    It 'shows no property of the job''s plumbing (child jobs, streams, manifest)' {
        (Get-ListEntries list).Label | Should -Be @('Id', 'JobId', 'Name', 'State', 'Ranks', 'Hosts', 'Started', 'Elapsed', 'ExitCode', 'Reason', 'HasMoreData', 'Command', 'Directory')
    }

    It 'gives a failed job''s reason, naming the failing rank' {
        Get-ListValue failedlist State | Should -Be 'Failed'
        Get-ListValue failedlist Reason | Should -Match 'rank 1'
    }
}

Describe 'The rank (child job) views' {
    It 'lists one row per rank with its state and host' {
        $lines = Get-Lines ranks
        Get-Header ranks | Should -Be @('Rank', 'State', 'Host', 'HasMoreData', 'Reason')
        $lines | Should -HaveCount 4
        $lines[2] | Should -Match "^\s*0 Completed\s+$([regex]::Escape([Environment]::MachineName))\s+True\s*$"
        $lines[3] | Should -Match '^\s*1 Completed\s'
    }

    It 'says why the failing rank failed' {
        $lines = Get-Lines failedranks
        $lines | Should -HaveCount 4
        $lines[3] | Should -Match '^\s*1 Failed\s+\S+\s+\w+\s+\S'
    }

    It 'shows a rank in a list: its state, host, process and whether it finished' {
        Get-ListValue ranklist Rank | Should -Be '1'
        Get-ListValue ranklist State | Should -Be 'Completed'
        Get-ListValue ranklist Host | Should -Be ([Environment]::MachineName)
        Get-ListValue ranklist ProcessId | Should -Match '^\d+$'
        Get-ListValue ranklist Finished | Should -Be 'True'
    }
}

Describe 'The host views' {
    It 'shows Test-ParallelHost as a table: ComputerName, Reachable, CPUs, MPI, Reason' {
        $lines = Get-Lines host
        Get-Header host | Should -Be @('ComputerName', 'Reachable', 'CPUs', 'MPI', 'Reason')
        $lines | Should -HaveCount 3
        $lines[2] | Should -Match "^localhost\s+True\s+$([Environment]::ProcessorCount)\s.*(Open MPI|MPICH)"
    }

    It 'shows a host in a list with the MPI libraries as text, not a collection' {
        Get-ListValue hostlist ComputerName | Should -Be 'localhost'
        Get-ListValue hostlist Reachable | Should -Be 'True'
        Get-ListValue hostlist CPUs | Should -Be ([Environment]::ProcessorCount)
        Get-ListValue hostlist MPI | Should -Match '^(Open MPI|MPICH)[^{}]*$'
    }
}

Describe 'The log record views' {
    It 'shows records in a table: Timestamp, Rank, Host, Level, Message' {
        $lines = Get-Lines records
        Get-Header records | Should -Be @('Timestamp', 'Rank', 'Host', 'Level', 'Message')
        $lines | Where-Object { $_ -match '^\d\d:\d\d:\d\d\.\d{3}\s+0\s+\S+\s+Information\s+Pi is 3\.14' } | Should -HaveCount 1
    }

    It 'shows a record''s exception whole in the table, wrapped inside the Message column' {
        $lines = Get-Lines failedrecords
        $lines -match '^\s{40,}\S' | Should -Not -BeNullOrEmpty
        ($lines -join ' ') | Should -Match 'InvalidOperationException: deliberate failure on rank 1'
    }

    It 'shows a record in a list: its rank, level and message' {
        Get-ListValue recordlist Rank | Should -Be '0'
        Get-ListValue recordlist Level | Should -Be 'Information'
        Get-ListValue recordlist Message | Should -Match '^Pi is 3\.14'
    }
}
