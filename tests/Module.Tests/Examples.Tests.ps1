# The scripts of scripts/examples run as a user runs them: each by pwsh in a fresh session (MPICH and few ranks, for
# speed on few cores), its output read as the text it prints at a width of 120, so the documentation cannot rot.

BeforeDiscovery {
    $script:scripts = @(Get-ChildItem "$PSScriptRoot/../../scripts/examples/*.ps1" | Sort-Object Name | ForEach-Object { @{ Script = $_.Name } })
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force

    # Runs an example script with its arguments in a fresh pwsh and returns its printed text (plain, at width 120)
    # with the run's errors and exit code. -Then runs more after it in the same session.
    function Invoke-Example([string] $Script, [string] $Arguments, [string] $Then = '') {
        $path = Join-Path (Get-RepoRoot) "scripts/examples/$Script"
        Invoke-Pwsh @"
`$PSStyle.OutputRendering = 'PlainText'
`$ProgressPreference = 'SilentlyContinue'
`$output = & '$path' $Arguments
`$output | Out-String -Width 120
$Then
"@
    }

    # The non-empty lines of a text, trailing blanks cut.
    function Get-Lines([string] $Text) { @($Text -split '\r?\n' | ForEach-Object TrimEnd | Where-Object { $_ }) }
}

Describe 'Every example script' -ForEach $scripts {
    It 'is run by the tests' {
        $Script | Should -BeIn @('filter-logs.ps1', 'parameter-sweep.ps1', 'start-wait-receive.ps1')
    }
}

Describe 'start-wait-receive.ps1' {
    BeforeAll {
        $script:run = Invoke-Example start-wait-receive.ps1 '-MpiImplementation Mpich -Ranks 2'
        $script:lines = Get-Lines $run.Output
    }

    It 'runs without an error' {
        $run.Error | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
    }

    It 'shows the job in its table: completed on 2 ranks with exit code 0' {
        $lines[0] | Should -Match '^\s*Id\s+Name\s+State\s+Ranks\s+Hosts\s+Elapsed\s+ExitCode$'
        $lines[2] | Should -Match '^\s*\d+ pi-example\s+Completed\s+2 \S+\s+\d\d:\d\d:\d\d\.\d\s+0$'
    }

    It 'shows every rank''s records in the record table, the sum of each rank and rank 0''s result among them' {
        $lines | Should -Contain ($lines | Where-Object { $_ -match '^Timestamp\s+Rank\s+Host\s+Level\s+Message$' })
        $lines | Where-Object { $_ -match '^\d\d:\d\d:\d\d\.\d{3}\s+\d\s+\S+\s+Information\s+Summed 5000000 intervals' } | Should -HaveCount 2
        $lines | Where-Object { $_ -match '^\d\d:\d\d:\d\d\.\d{3}\s+0\s+\S+\s+Information\s+Pi is 3\.14159' } | Should -HaveCount 1
    }

    It 'ends with the result read from rank 0''s structured record' {
        $lines[-5] | Should -Match '^Pi\s+: 3\.14159265'
        $lines[-4] | Should -Match '^Error\s+: \d'
        $lines[-3] | Should -Be 'Intervals : 10000000'
        $lines[-2] | Should -Be 'Ranks     : 2'
        $lines[-1] | Should -Match '^Seconds\s+: \d'
    }

    It 'prints plain text within 120 columns' {
        $run.Output | Should -Not -Match "`e"
        $lines | Where-Object { $_.Length -gt 120 } | Should -BeNullOrEmpty
    }
}

Describe 'filter-logs.ps1' {
    BeforeAll {
        $script:run = Invoke-Example filter-logs.ps1 '-MpiImplementation Mpich -Ranks 2'
        $script:lines = Get-Lines $run.Output
    }

    It 'runs without an error' {
        $run.Error | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
    }

    It 'shows each rank''s share from its structured properties, one row per rank in rank order' {
        $lines[0] | Should -Match '^Rank\s+Intervals\s+Partial$'
        for ($rank = 0; $rank -lt 2; $rank++) {
            $lines[2 + $rank] | Should -Match "^\s+$rank\s+500000\s+1\.5707\d{11}$"
        }
    }

    It 'counts each rank''s records by level' {
        $lines[4] | Should -Match '^Rank, Level\s+Count$'
        for ($rank = 0; $rank -lt 2; $rank++) {
            $lines[6 + $rank] | Should -Match "^$rank, Information\s+\d+$"
        }
    }

    It 'shows rank 0''s last record in a list, and that no rank warned' {
        $lines[8] | Should -Be 'Rank    : 0'
        $lines[9] | Should -Match '^Level\s+: '
        $lines[10] | Should -Match '^Message\s+: \S'
        $lines[-1] | Should -Be '0 warnings or errors'
    }
}

Describe 'parameter-sweep.ps1' {
    BeforeAll {
        $script:run = Invoke-Example parameter-sweep.ps1 '-MpiImplementation Mpich -Ranks 1, 2' -Then @'
'<<<left>>>'
@(Get-ParallelJob -Name sweep-*).Count
'@
        $parts = $run.Output -split '<<<left>>>'
        $script:table = Get-Lines $parts[0]
        $script:left = $parts[1].Trim()
        # The rows as objects, from a sweep of one small job.
        $script:passThru = Invoke-Example parameter-sweep.ps1 '-MpiImplementation Mpich -Intervals 100000 -Ranks 2 -PassThru' -Then @'
'<<<json>>>'
ConvertTo-Json -InputObject @($output) -EnumsAsStrings
'@
        $script:rows = @(($passThru.Output -split '<<<json>>>')[1] | ConvertFrom-Json)
    }

    It 'runs without an error' {
        $run.Error | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $passThru.Error | Should -BeNullOrEmpty
    }

    It 'shows a table with one completed job per (intervals, ranks) pair, in order' {
        $table[0] | Should -Match '^Name\s+State\s+Intervals\s+Ranks\s+Pi\s+Error\s+Seconds$'
        $table | Should -HaveCount 6
        $expected = @(('sweep-1000000-1', 1000000, 1), ('sweep-1000000-2', 1000000, 2), ('sweep-10000000-1', 10000000, 1), ('sweep-10000000-2', 10000000, 2))
        for ($i = 0; $i -lt 4; $i++) {
            $name, $intervals, $ranks = $expected[$i]
            $table[2 + $i] | Should -Match "^$name\s+Completed\s+$intervals\s+$ranks\s+3\.\d{15}\s+\d\.\d\dE-\d{3}\s+\d+\.\d{3}$"
        }
    }

    It 'finds pi in every job, to the digits the table shows' {
        foreach ($line in $table[2..5]) {
            $pi = [double]($line -split '\s+')[4]
            [math]::Abs($pi - [math]::PI) | Should -BeLessThan 1e-9
        }
    }

    It 'returns the rows as objects with -PassThru, with pi and the error it reports' {
        $rows | Should -HaveCount 1
        $rows[0].Name | Should -Be 'sweep-100000-2'
        $rows[0].State | Should -Be 'Completed'
        $rows[0].Ranks | Should -Be 2
        [math]::Abs($rows[0].Pi - [math]::PI) | Should -BeLessThan 1e-9
        [math]::Abs($rows[0].Error - [math]::Abs($rows[0].Pi - [math]::PI)) | Should -BeLessThan 1e-15
    }

    It 'removes its jobs from the store at the end' {
        $left | Should -Be '0'
    }
}
