# Runs the module's behaviour tests (Pester 6, every *.Tests.ps1 beside this script) in this pwsh and writes their
# results as an NUnit 3 file; exits with the number of failed tests. scripts/test.sh runs it after the NUnit suites.
#   pwsh -File Invoke-ModuleTests.ps1 -PesterManifest <.../pester/6.2.0/tools/Pester.psd1> -ResultFile <file.xml>
#        [-FullNameFilter '*Confirm*']
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ResultFile,
    [string[]] $FullNameFilter
)
$ErrorActionPreference = 'Stop'
# The log of a CI run is read as text: no colour codes in it.
$PSStyle.OutputRendering = 'PlainText'
Import-Module $PesterManifest

$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.Exit = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.Output.RenderMode = 'Plaintext'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnit3'
$configuration.TestResult.OutputPath = $ResultFile
if ($FullNameFilter) {
    $configuration.Filter.FullName = $FullNameFilter
}
# Every test works in one job store of its own (child pwsh processes inherit it), deleted at the end.
$env:SPMD_JOB_STORE = Join-Path ([IO.Path]::GetTempPath()) "spmd-pester-store-$([guid]::NewGuid().ToString('N'))"
$null = New-Item -ItemType Directory $env:SPMD_JOB_STORE
try {
    Invoke-Pester -Configuration $configuration
}
finally {
    Remove-Item -Recurse -Force $env:SPMD_JOB_STORE -ErrorAction SilentlyContinue
}
