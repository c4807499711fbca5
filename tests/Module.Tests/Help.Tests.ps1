# Get-Help as a user reads it, for every cmdlet the module exports: -Full and -Examples in a fresh pwsh, as objects
# (what each part holds) and as the text printed at a width of 120.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:cmdlets = @((Import-PowerShellDataFile (Get-ModuleManifest)).CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force

    # One fresh session describes the help of every exported cmdlet as JSON: the help's own parts, the parameters the
    # cmdlet really has (from Get-Command), and the -Full and -Examples text.
    $run = Invoke-Pwsh -ImportModule @'
$PSStyle.OutputRendering = 'PlainText'
$ProgressPreference = 'SilentlyContinue'
# -WhatIf and -Confirm are the cmdlet's to document (when it supports them); the others every cmdlet has.
$common = [System.Management.Automation.PSCmdlet]::CommonParameters
$help = foreach ($command in Get-Command -Module ParallelJob) {
    $full = Get-Help $command.Name -Full
    [pscustomobject]@{
        Name        = $command.Name
        Synopsis    = $full.Synopsis
        Description = @($full.description | ForEach-Object Text) -join "`n"
        Parameters  = @($full.parameters.parameter | ForEach-Object {
                [pscustomobject]@{
                    Name        = $_.name
                    Type        = $_.type.name
                    Value       = $_.parameterValue
                    Description = @($_.description | ForEach-Object Text) -join "`n"
                    Values      = @($_.parameterValueGroup.parameterValue)
                    Default     = $_.defaultValue
                }
            })
        Actual      = @($command.Parameters.Values | Where-Object Name -NotIn $common | ForEach-Object {
                $set = $_.Attributes | Where-Object { $_ -is [ValidateSet] }
                $element = if ($_.ParameterType.IsArray) { $_.ParameterType.GetElementType() } else { $_.ParameterType }
                [pscustomobject]@{
                    Name   = $_.Name
                    Type   = $_.ParameterType.FullName
                    Values = @(if ($set) { $set.ValidValues } elseif ($element.IsEnum) { [Enum]::GetNames($element) })
                }
            })
        Related     = @($full.relatedLinks.navigationLink.linkText)
        Examples    = @($full.examples.example | ForEach-Object {
                [pscustomobject]@{ Code = $_.code; Remarks = @($_.remarks | ForEach-Object Text) -join "`n" }
            })
        FullText    = Get-Help $command.Name -Full | Out-String -Width 120
        ExampleText = Get-Help $command.Name -Examples | Out-String -Width 120
    }
}
ConvertTo-Json -InputObject @($help) -Depth 5
'@
    $script:runError = $run.Error
    $script:help = @{}
    foreach ($entry in ($run.Output | ConvertFrom-Json)) { $script:help[$entry.Name] = $entry }
}

Describe 'Get-Help' {
    It 'describes every exported cmdlet in a fresh session without an error' {
        $runError | Should -BeNullOrEmpty
        $help.Keys | Sort-Object | Should -Be ((Import-PowerShellDataFile (Get-ModuleManifest)).CmdletsToExport | Sort-Object)
    }
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll {
        $entry = $help[$Name]
    }

    It 'has a synopsis of its own (not the syntax PowerShell makes up when help is missing)' {
        $entry.Synopsis | Should -Not -BeNullOrEmpty
        $entry.Synopsis | Should -Not -Match ([regex]::Escape($Name) + ' \[')
        $entry.Synopsis | Should -Match '\.$'
    }

    It 'has a description longer than its synopsis' {
        $entry.Description.Length | Should -BeGreaterThan $entry.Synopsis.Length
    }

    It 'documents every parameter the cmdlet has, with its type and a description' {
        $documented = @{}
        foreach ($parameter in $entry.Parameters) { $documented[$parameter.Name] = $parameter }
        foreach ($actual in $entry.Actual) {
            $documented.Keys | Should -Contain $actual.Name -Because "-$($actual.Name) is a parameter of $Name"
            $documented[$actual.Name].Type | Should -Be $actual.Type -Because "-$($actual.Name) is a $($actual.Type)"
            $documented[$actual.Name].Description | Should -Not -BeNullOrEmpty -Because "-$($actual.Name) needs a description"
        }
        $entry.Parameters | Should -HaveCount $entry.Actual.Count
    }

    It 'lists the values a parameter takes (an enum, a ValidateSet) for the syntax to show' {
        foreach ($actual in $entry.Actual) {
            $documented = $entry.Parameters | Where-Object Name -EQ $actual.Name
            @($documented.Values) | Should -Be @($actual.Values) -Because "-$($actual.Name) takes $($actual.Values -join ', ')"
        }
    }

    It 'gives every parameter a default value: False for a switch, the value for an enum, else None' {
        foreach ($parameter in $entry.Parameters) {
            $parameter.Default | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a default value"
            if (-not $parameter.Value) { $parameter.Default | Should -Be 'False' }
        }
    }

    It 'offers -WhatIf and -Confirm exactly when the cmdlet supports ShouldProcess' {
        $supports = [bool]($entry.Actual | Where-Object Name -EQ 'WhatIf')
        [bool]($entry.Parameters | Where-Object Name -EQ 'WhatIf') | Should -Be $supports
        [bool]($entry.Parameters | Where-Object Name -EQ 'Confirm') | Should -Be $supports
    }

    It 'links to the module''s other cmdlets' {
        $others = (Import-PowerShellDataFile (Get-ModuleManifest)).CmdletsToExport | Where-Object { $_ -ne $Name }
        $entry.Related | Sort-Object | Should -Be ($others | Sort-Object)
    }

    It 'has at least one example, each with code and remarks' {
        $entry.Examples.Count | Should -BeGreaterThan 0
        foreach ($example in $entry.Examples) {
            $example.Code | Should -Match ([regex]::Escape($Name))
            $example.Remarks | Should -Not -BeNullOrEmpty
        }
    }

    It 'prints -Full with its sections, every parameter with its type, and the common parameters' {
        $text = $entry.FullText
        foreach ($section in 'NAME', 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'PARAMETERS', 'EXAMPLE 1') {
            $text | Should -Match "(?m)^\s*-*\s*$section\b"
        }
        foreach ($parameter in $entry.Parameters) {
            $value = if ($parameter.Value) { " <$($parameter.Value)>" } else { '' }
            $text | Should -Match ("(?m)^    -$($parameter.Name)$([regex]::Escape($value))\s*$")
        }
        $text | Should -Match '<CommonParameters>'
    }

    It 'prints every example''s code within the width of 120, unwrapped' {
        foreach ($example in $entry.Examples) {
            foreach ($line in $example.Code -split '\r?\n') {
                $entry.ExampleText | Should -Match ('(?m)^\s*' + [regex]::Escape($line) + '\s*$')
            }
        }
    }

    It 'prints no placeholder text' {
        foreach ($text in $entry.FullText, $entry.ExampleText) {
            $text | Should -Not -Match '\{\{|Fill in|TODO|XXX|<summary>|<para|type="'
        }
    }

    It 'prints -Examples with the name, the synopsis and every example''s code and remarks' {
        $text = $entry.ExampleText
        $text | Should -Match "(?m)^NAME\s*\r?\n\s+$([regex]::Escape($Name))"
        $text | Should -Match ([regex]::Escape($entry.Synopsis))
        foreach ($example in $entry.Examples) {
            $text | Should -Match ([regex]::Escape($example.Remarks))
        }
        $text | Should -Not -Match '(?m)^PARAMETERS'
    }
}
