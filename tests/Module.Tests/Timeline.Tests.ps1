# Export-ParallelJobTimeline on real jobs: a finished 3-rank job whose rank 2 failed inside a span, and a job still
# running. Jobs by pipeline, id and name; the format from -Format or the extension; the error records; -WhatIf.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    Import-Module (Get-ModuleManifest) -Force
    $Checks = Get-TestProgram SpmdChecks
    $script:Out = Join-Path ([IO.Path]::GetTempPath()) "spmd-timeline-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $Out
    # Both start at once, so the failed job's run overlaps the wait for the running one to start.
    $script:Running = Start-ParallelJob $Checks -ArgumentList logjob, 1, hang -Ranks 2 -MpiImplementation Mpich -Name timeline-running
    $script:Failed = Start-ParallelJob $Checks -ArgumentList timeline, 2 -Ranks 3 -MpiImplementation Mpich -Name timeline-failed |
        Wait-ParallelJob -Timeout 120
    $Failed.ParallelState | Should -Be Failed

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

AfterAll {
    $Running | Stop-ParallelJob -Force -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force $Out -ErrorAction SilentlyContinue
}

Describe 'Export-ParallelJobTimeline' {
    It 'takes the job and the path by position' {
        $file = Export-ParallelJobTimeline $Failed (Join-Path $Out 'positional.html')
        $file.Name | Should -Be 'positional.html'
    }

    It 'draws a piped job as an HTML page: a lane per rank, the failed rank marked, the reason in the header' {
        $file = $Failed | Export-ParallelJobTimeline -Path (Join-Path $Out 'piped.html')
        $file | Should -BeOfType System.IO.FileInfo
        $file.FullName | Should -Be (Join-Path $Out 'piped.html')
        $html = Get-Content -Raw $file.FullName
        [regex]::Matches($html, '<g class="lane[^"]*" data-rank="(\d+)"').ForEach({ $_.Groups[1].Value }) | Should -Be '0', '1', '2'
        $html | Should -Match '<g class="lane failed" data-rank="2"'
        $html | Should -Match 'class="reason">[^<]*Rank 2'
        $html | Should -Match 'data-span="exchange"'
        $html | Should -Not -Match '<script|https?://(?!www\.w3\.org/2000/svg)'
    }

    It 'writes Chrome trace JSON for a .json path, the job given by <By>' -ForEach @(
        @{ By = 'JobId'; Script = { Export-ParallelJobTimeline -JobId $Failed.JobId -Path (Join-Path $Out 'byid.json') } }
        @{ By = 'Name'; Script = { Export-ParallelJobTimeline -Name timeline-fail* -Path (Join-Path $Out 'byname.json') } }
        @{ By = 'an Import-Csv row'; Script = { [pscustomobject]@{ JobId = $Failed.JobId; Name = 'x'; Id = 0 } | Export-ParallelJobTimeline -Path (Join-Path $Out 'byrow.json') } }
    ) {
        $file = & $Script
        $trace = Get-Content -Raw $file.FullName | ConvertFrom-Json
        $trace.otherData.jobId | Should -Be $Failed.JobId
        @($trace.traceEvents | Where-Object { $_.ph -eq 'M' -and $_.name -eq 'thread_name' }).Count | Should -Be 3
        @($trace.traceEvents | Where-Object { $_.ph -eq 'X' -and $_.cat -eq 'span' -and $_.name -eq 'compute' }).Count | Should -Be 3
        @($trace.traceEvents | Where-Object { $_.ph -eq 'i' -and $_.cat -eq 'Fatal' }).Count | Should -Be 1
    }

    It '-Format decides over the extension' {
        $file = $Failed | Export-ParallelJobTimeline -Path (Join-Path $Out 'trace.txt') -Format ChromeTrace
        (Get-Content -Raw $file.FullName | ConvertFrom-Json).traceEvents | Should -Not -BeNullOrEmpty
        $file = $Failed | Export-ParallelJobTimeline -Path (Join-Path $Out 'page.json') -Format Html
        Get-Content -Raw $file.FullName | Should -BeLike '<!DOCTYPE html>*'
    }

    It 'writes one file per job, named by job id, into a directory' {
        $folder = New-Item -ItemType Directory (Join-Path $Out 'several')
        $files = $Failed, $Running | Export-ParallelJobTimeline -Path $folder.FullName -Format ChromeTrace -WarningAction SilentlyContinue
        $files.Name | Sort-Object | Should -Be (@("$($Failed.JobId).json", "$($Running.JobId).json") | Sort-Object)
    }

    It 'draws a running job as far as it got, with a warning' {
        $Running | Wait-ParallelJob -Timeout 0 | Should -BeNullOrEmpty
        $file = $Running | Export-ParallelJobTimeline -Path (Join-Path $Out 'running.html') -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -BeLike "*$($Running.JobId)*still*up to now*"
        $html = Get-Content -Raw $file.FullName
        $html | Should -Match 'still running'
        [regex]::Matches($html, '<g class="lane[^"]*" data-rank=').Count | Should -Be 2
    }

    It 'overwrites an existing file, as Out-File does, and refuses with -NoClobber' {
        $path = Join-Path $Out 'existing.html'
        Set-Content $path 'old'
        $Failed | Export-ParallelJobTimeline -Path $path | Out-Null
        Get-Content -Raw $path | Should -BeLike '<!DOCTYPE html>*'
        Set-Content $path 'old'
        $record = Get-ErrorRecord { $Failed | Export-ParallelJobTimeline -Path $path -NoClobber }
        $record.FullyQualifiedErrorId | Should -BeLike 'TimelineFileExists,MPI.PowerShell.*'
        $record.CategoryInfo.Category | Should -Be ResourceExists
        $record.TargetObject | Should -Be $path
        (Get-Content -Raw $path).Trim() | Should -Be 'old'
    }

    It 'writes nothing with -WhatIf' {
        $path = Join-Path $Out 'whatif.html'
        $Failed | Export-ParallelJobTimeline -Path $path -WhatIf | Should -BeNullOrEmpty
        Test-Path $path | Should -BeFalse
    }

    It 'reports <Case> as <Id> (<Category>) about <Target>' -ForEach @(
        @{ Case = 'an unknown extension'; Id = 'TimelineFormatUnknown'; Category = 'InvalidArgument'; Target = '*timeline.svg'; Action = '*-Format*'
            Script = { $Failed | Export-ParallelJobTimeline -Path (Join-Path $Out 'timeline.svg') } }
        @{ Case = 'a missing job'; Id = 'ParallelJobNotFound'; Category = 'ObjectNotFound'; Target = '20200101-000000-nojob'; Action = '*Get-ParallelJob*'
            Script = { Export-ParallelJobTimeline -JobId 20200101-000000-nojob -Path (Join-Path $Out 'none.html') } }
        @{ Case = 'an unwritable path'; Id = 'TimelineNotWritten'; Category = 'WriteError'; Target = '/no/such/dir/t.html'; Action = '*directory*exists*'
            Script = { $Failed | Export-ParallelJobTimeline -Path /no/such/dir/t.html } }
        @{ Case = 'two jobs for one file'; Id = 'TimelinePathTaken'; Category = 'InvalidArgument'; Target = '*'; Action = '*directory*'
            Script = { $Failed, $Running | Export-ParallelJobTimeline -Path (Join-Path $Out 'one.json') -WarningAction SilentlyContinue } }
    ) {
        $record = Get-ErrorRecord $Script
        $record | Should -Not -BeNullOrEmpty -Because 'the input is wrong'
        $record.FullyQualifiedErrorId | Should -BeLike "$Id,MPI.PowerShell.*"
        $record.CategoryInfo.Category | Should -Be $Category
        "$($record.TargetObject)" | Should -BeLike $Target
        $record.ErrorDetails.RecommendedAction | Should -BeLike $Action
    }

    It 'leaves no file behind for an unknown extension' {
        Test-Path (Join-Path $Out 'timeline.svg') | Should -BeFalse
    }
}
