BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    Import-Module (Get-ModuleManifest)
}

# README's first command ends by running scripts/demo.ps1 in pwsh; this runs it as that command does (output
# redirected, as in a log) on a smaller problem.
Describe 'The demo (scripts/demo.ps1)' {
    BeforeAll {
        $script:run = Invoke-Pwsh "& '$(Join-Path (Get-RepoRoot) scripts/demo.ps1)' -Intervals 1000000"
        $script:lines = $run.Output -split "`n" | ForEach-Object TrimEnd
    }

    It 'succeeds without writing to the error stream' {
        $run.Error | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
    }

    It 'writes text a person reads: no control bytes, no line wider than 120 columns' {
        $run.Output | Should -Not -Match '[\x00-\x09\x0b-\x1f\x7f]'
        $lines | Where-Object Length -GT 120 | Should -BeNullOrEmpty
    }

    It 'starts, waits for and reads the Pi job as a PowerShell job under <_>' -ForEach 'OpenMpi', 'Mpich' {
        $job = Get-ParallelJob -Name "pi-demo-$_"
        $job.ParallelState | Should -Be 'Completed'
        $lines | Should -Contain "== ${_}: Start-ParallelJob Pi.dll -ArgumentList 1000000 -Ranks 4 -MpiImplementation $_ | Wait-ParallelJob"
        $lines -match "^\s+\d+ pi-demo-$_\s+Completed\s+4\s" | Should -HaveCount 1
        $lines -match "^$_`: pi = 3\.14159\d+ on 4 ranks, error \d\.\d\dE-\d\d, [\d.]+ s$" | Should -HaveCount 1
    }

    It 'shows every rank''s records in the table view, twice (one table per MPI)' {
        $lines -match '^Timestamp\s+Rank\s+Host\s+Level\s+Message$' | Should -HaveCount 2
        foreach ($rank in 0..3) {
            $lines -match "^\d\d:\d\d:\d\d\.\d{3}\s+$rank\s+\S+\s+Information\s+Summed 250000 intervals to 0\.78" | Should -HaveCount 2
        }
    }

    It 'runs the same program under plain mpiexec of both implementations' {
        $lines | Should -Contain '== Plain mpiexec: mpiexec.openmpi -n 4 dotnet Pi.dll 1000000'
        $lines | Should -Contain '== Plain mpiexec: mpiexec.mpich -n 4 dotnet Pi.dll 1000000'
        $lines -match '^pi = 3\.14159\d+ with 1,000,000 intervals on 4 ranks' | Should -HaveCount 2
    }
}
