# What the module's behaviour tests share: where the built module and programs are, and a fresh pwsh process to run a
# script in as a user's session would (the module is imported there by the script itself, or by -ImportModule).

$script:RepoRoot = (Resolve-Path "$PSScriptRoot/../..").Path
$script:Configuration = if ($env:CONFIGURATION) { $env:CONFIGURATION } else { 'Release' }

function Get-RepoRoot { $script:RepoRoot }

# The module manifest in the folder the build leaves (artifacts/ParallelJob), as README tells users to import it.
function Get-ModuleManifest { Join-Path $script:RepoRoot 'artifacts/ParallelJob/ParallelJob.psd1' }

# The built program of jobs/<Name> (Pi, Hello...) or tests/<Name> (SpmdChecks).
function Get-TestProgram {
    param([Parameter(Mandatory)] [string] $Name)
    foreach ($folder in 'jobs', 'tests') {
        $path = Join-Path $script:RepoRoot "$folder/$Name/bin/$script:Configuration/net10.0/$Name.dll"
        if (Test-Path $path) { return $path }
    }
    throw "The program $Name is not built (looked under jobs/ and tests/ for bin/$script:Configuration/net10.0/$Name.dll)."
}

# Runs -Command in a new pwsh (the same version, -NoProfile) and returns Output, Error (both text) and ExitCode.
# -ImportModule imports the built module first. -InputLine answers prompts through standard input (then the session
# is interactive); without it the session is -NonInteractive, so a prompt fails instead of waiting.
# -TimeoutSeconds bounds the run: the process tree is killed and the test fails rather than hangs.
function Invoke-Pwsh {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Command,
        [switch] $ImportModule,
        [string[]] $InputLine,
        [int] $TimeoutSeconds = 180
    )
    # pwsh started with -EncodedCommand writes progress records to standard error (as CLIXML): tests read progress
    # in-process instead, and keep stderr for errors.
    $Command = "`$ProgressPreference = 'SilentlyContinue'`n$Command"
    if ($ImportModule) {
        $Command = "Import-Module '$((Get-ModuleManifest).Replace("'", "''"))' -ErrorAction Stop`n$Command"
    }
    # $PSHOME holds the pwsh executable of this session (a .NET tool runs as dotnet, so not the process path).
    $start = [System.Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME pwsh))
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Command))
    foreach ($argument in @('-NoProfile') + $(if ($null -eq $InputLine) { @('-NonInteractive') } else { @() }) + @('-EncodedCommand', $encoded)) {
        $start.ArgumentList.Add($argument)
    }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        # Standard input carries only the answers to the script's prompts, line by line.
        foreach ($line in $InputLine) { $process.StandardInput.WriteLine($line) }
        $process.StandardInput.Close()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "pwsh did not end within $TimeoutSeconds s running: $Command"
        }
        $process.WaitForExit()
        [pscustomobject]@{
            Output   = $stdout.GetAwaiter().GetResult()
            Error    = $stderr.GetAwaiter().GetResult()
            ExitCode = $process.ExitCode
        }
    }
    finally {
        $process.Dispose()
    }
}

Export-ModuleMember -Function Get-RepoRoot, Get-ModuleManifest, Get-TestProgram, Invoke-Pwsh
