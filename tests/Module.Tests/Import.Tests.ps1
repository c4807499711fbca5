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
