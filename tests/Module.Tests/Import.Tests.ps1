BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
}

Describe 'Import-Module' {
    It 'imports the built module in a fresh pwsh without a warning, an error or any output' {
        $run = Invoke-Pwsh "Import-Module '$(Get-ModuleManifest)' -WarningVariable warnings -ErrorAction Stop -Verbose:`$false 3>&1 | Out-String -Width 200; 'warnings: ' + `$warnings.Count"
        $run.ExitCode | Should -Be 0
        $run.Error | Should -BeNullOrEmpty
        $run.Output.Trim() | Should -Be 'warnings: 0'
    }

    It 'runs in the pwsh the scripts install, whose version is the hosting SDK''s' {
        $packages = [xml](Get-Content (Join-Path (Get-RepoRoot) 'Directory.Packages.props') -Raw)
        $sdk = $packages.Project.ItemGroup.PackageVersion | Where-Object Include -EQ 'Microsoft.PowerShell.SDK'
        $run = Invoke-Pwsh '$PSVersionTable.PSVersion.ToString()'
        $run.Output.Trim() | Should -Be $sdk.Version
    }
}

Describe 'What the module exports' {
    BeforeAll {
        $script:exported = (Import-PowerShellDataFile (Get-ModuleManifest)).CmdletsToExport | Sort-Object
        $run = Invoke-Pwsh @"
`$PSStyle.OutputRendering = 'PlainText'
Import-Module '$(Get-ModuleManifest)' -Verbose 4>&1 | ForEach-Object Message
'<<<commands>>>'
Get-Command -Module ParallelJob | ForEach-Object { '{0} {1} {2}' -f `$_.CommandType, `$_.Name, `$_.Version }
"@
        $script:importError = $run.Error
        $parts = $run.Output -split '<<<commands>>>'
        $script:verbose = @($parts[0] -split '\r?\n' | Where-Object { $_ })
        $script:commands = @($parts[1] -split '\r?\n' | Where-Object { $_ })
    }

    It 'lists under Import-Module -Verbose exactly the cmdlets of the manifest, each once' {
        $importError | Should -BeNullOrEmpty
        $imported = $verbose | Where-Object { $_ -match "^Importing cmdlet '([\w-]+)'\.$" } | ForEach-Object { $Matches[1] }
        $imported | Sort-Object | Should -Be $exported
        $verbose | Where-Object { $_ -match '^Importing (function|alias|variable) ' } | Should -BeNullOrEmpty
    }

    It 'gives Get-Command -Module ParallelJob the same cmdlets, at the manifest''s version' {
        $version = (Import-PowerShellDataFile (Get-ModuleManifest)).ModuleVersion
        $commands | Sort-Object | Should -Be ($exported | ForEach-Object { "Cmdlet $_ $version" })
    }

    It 'runs as the process that .tools/pwsh starts, so a signal to it reaches the session (no shim between)' {
        $start = [System.Diagnostics.ProcessStartInfo]::new((Join-Path (Get-RepoRoot) '.tools/pwsh'))
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', '$PID') { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardOutput = $true
        $process = [System.Diagnostics.Process]::Start($start)
        try {
            $said = $process.StandardOutput.ReadToEnd().Trim()
            $process.WaitForExit(60000) | Should -BeTrue
            $said | Should -Be "$($process.Id)"
        }
        finally {
            $process.Dispose()
        }
    }
}
