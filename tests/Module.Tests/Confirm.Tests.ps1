# Stop-ParallelJob and Remove-ParallelJob have ConfirmImpact Medium (as Stop-Job, Remove-Job and Stop-Process): they
# ask when -Confirm is given or $ConfirmPreference is Medium or lower, not by default; -Confirm:$false never asks;
# -WhatIf changes nothing. One fresh interactive pwsh answers every prompt of the script below from its standard
# input, in order; each step prints its name, then what it left (the jobs' states, whether their directories exist).
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $checks = Get-TestProgram SpmdChecks
    $script = @'
$checks = '{0}'
# pwsh run with -EncodedCommand writes progress records to standard error as CLIXML; these tests read prompts.
$ProgressPreference = 'SilentlyContinue'
function Start-Hang($name) {{ Start-ParallelJob $checks logjob, 1, hang -Ranks 2 -MpiImplementation Mpich -Name $name }}
function Step($name) {{ "STEP $name" }}
function Show([object[]] $jobs) {{ 'LEFT ' + (($jobs | ForEach-Object {{ "$($_.ParallelState)/$(Test-Path $_.Directory)" }}) -join ' ') }}
$j = 1..6 | ForEach-Object {{ Start-Hang "confirm-$_" }}
$deadline = [DateTime]::UtcNow.AddMinutes(1)
while (($j.ParallelState -ne 'Running') -and [DateTime]::UtcNow -lt $deadline) {{ Start-Sleep -Milliseconds 100 }}
Step stop-confirm-no;          Stop-ParallelJob $j[0] -Confirm;                      Show $j[0]
Step stop-confirm-yes;         Stop-ParallelJob $j[0] -Confirm;                      Show $j[0]
$ConfirmPreference = 'Medium'
Step stop-preference-no;       Stop-ParallelJob $j[1];                               Show $j[1]
Step stop-preference-false;    Stop-ParallelJob $j[1] -Confirm:$false;               Show $j[1]
$ConfirmPreference = 'High'
Step stop-whatif;              Stop-ParallelJob $j[2] -WhatIf;                       Show $j[2]
Step stop-default;             Stop-ParallelJob $j[2];                               Show $j[2]
Step stop-all;                 $j[3], $j[4] | Stop-ParallelJob -Confirm;             Show $j[3], $j[4]
Step remove-confirm-no;        Remove-ParallelJob $j[0] -Confirm;                    Show $j[0]
Step remove-confirm-yes;       Remove-ParallelJob $j[0] -Confirm;                    Show $j[0]
$ConfirmPreference = 'Medium'
Step remove-preference-no;     Remove-ParallelJob $j[1];                             Show $j[1]
Step remove-preference-false;  Remove-ParallelJob $j[1] -Confirm:$false;             Show $j[1]
$ConfirmPreference = 'High'
Step remove-whatif;            Remove-ParallelJob $j[2] -WhatIf;                     Show $j[2]
Step remove-default;           Remove-ParallelJob $j[2];                             Show $j[2]
Step remove-all;               $j[3], $j[4] | Remove-ParallelJob -Confirm;           Show $j[3], $j[4]
Step remove-force-running;     Remove-ParallelJob $j[5] -Force -Confirm;             Show $j[5]
Step end
'@ -f $checks.Replace("'", "''")
    # The answers, prompt by prompt: each step above that asks takes the next line.
    $answers = 'N', 'Y', 'N', 'A', 'N', 'Y', 'N', 'A', 'Y'
    $run = Invoke-Pwsh $script -ImportModule -InputLine $answers
    $steps = @{}
    foreach ($part in ($run.Output -split '(?m)^STEP ') | Select-Object -Skip 1) {
        $name, $rest = $part -split '\r?\n', 2
        $steps[$name.Trim()] = [pscustomobject]@{
            Prompts = ([regex]::Matches($rest, 'Are you sure you want to perform this action\?')).Count
            WhatIf  = $rest -match 'What if:'
            Left    = (($rest -split '\r?\n') | Where-Object { $_ -like 'LEFT *' } | Select-Object -Last 1) -replace '^LEFT ', ''
        }
    }
}

AfterAll {
    # What a failed step left behind.
    Import-Module (Get-ModuleManifest) -Force
    Get-ParallelJob -Name confirm-* -ErrorAction SilentlyContinue | Remove-ParallelJob -Force -Confirm:$false
}

Describe 'Stop-ParallelJob and Remove-ParallelJob ask for confirmation at ConfirmImpact Medium' {
    It 'ran every step and answered every prompt' {
        $run.Error | Should -BeNullOrEmpty
        $steps.Keys | Should -Contain 'end'
    }

    # Each step: how many prompts it showed, whether it said "What if:", and what it left.
    It '<Step>: <Says>' -ForEach @(
        @{ Step = 'stop-confirm-no'; Prompts = 1; WhatIf = $false; Left = 'Running/True'; Says = 'leaves the job running when -Confirm is answered No' }
        @{ Step = 'stop-confirm-yes'; Prompts = 1; WhatIf = $false; Left = 'Stopped/True'; Says = 'stops the job when -Confirm is answered Yes' }
        @{ Step = 'stop-preference-no'; Prompts = 1; WhatIf = $false; Left = 'Running/True'; Says = 'asks without -Confirm when $ConfirmPreference is Medium' }
        @{ Step = 'stop-preference-false'; Prompts = 0; WhatIf = $false; Left = 'Stopped/True'; Says = 'does not ask with -Confirm:$false even when $ConfirmPreference is Medium' }
        @{ Step = 'stop-whatif'; Prompts = 0; WhatIf = $true; Left = 'Running/True'; Says = 'says what it would do and stops nothing with -WhatIf' }
        @{ Step = 'stop-default'; Prompts = 0; WhatIf = $false; Left = 'Stopped/True'; Says = 'stops without asking at the default $ConfirmPreference (High)' }
        @{ Step = 'stop-all'; Prompts = 1; WhatIf = $false; Left = 'Stopped/True Stopped/True'; Says = 'stops every piped job after one Yes to All' }
        @{ Step = 'remove-confirm-no'; Prompts = 1; WhatIf = $false; Left = 'Stopped/True'; Says = 'keeps the job and its directory when -Confirm is answered No' }
        @{ Step = 'remove-confirm-yes'; Prompts = 1; WhatIf = $false; Left = 'Stopped/False'; Says = 'removes the job''s directory when -Confirm is answered Yes' }
        @{ Step = 'remove-preference-no'; Prompts = 1; WhatIf = $false; Left = 'Stopped/True'; Says = 'asks without -Confirm when $ConfirmPreference is Medium' }
        @{ Step = 'remove-preference-false'; Prompts = 0; WhatIf = $false; Left = 'Stopped/False'; Says = 'does not ask with -Confirm:$false even when $ConfirmPreference is Medium' }
        @{ Step = 'remove-whatif'; Prompts = 0; WhatIf = $true; Left = 'Stopped/True'; Says = 'says what it would do and removes nothing with -WhatIf' }
        @{ Step = 'remove-default'; Prompts = 0; WhatIf = $false; Left = 'Stopped/False'; Says = 'removes without asking at the default $ConfirmPreference (High)' }
        @{ Step = 'remove-all'; Prompts = 1; WhatIf = $false; Left = 'Stopped/False Stopped/False'; Says = 'removes every piped job after one Yes to All' }
        @{ Step = 'remove-force-running'; Prompts = 1; WhatIf = $false; Left = 'Stopped/False'; Says = 'stops and removes a running job with -Force once -Confirm is answered Yes' }
    ) {
        $steps[$Step].Prompts | Should -Be $Prompts
        $steps[$Step].WhatIf | Should -Be $WhatIf
        $steps[$Step].Left | Should -Be $Left
    }
}
