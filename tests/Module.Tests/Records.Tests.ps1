# The log records Receive-ParallelJob returns work with the cmdlets PowerShell users reach for: Group-Object,
# Measure-Object, Sort-Object, Where-Object, Select-Object -ExpandProperty, Export-Csv/Import-Csv, ConvertTo-Json and
# Format-List, with the structured properties readable in each.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    Import-Module (Get-ModuleManifest) -Force
    # Two ranks, each logging the events Number 0, 1, 2 ("Event {Number} from rank {From}") and printing a line.
    $job = Start-ParallelJob (Get-TestProgram SpmdChecks) logjob, 3, complete -Ranks 2 -MpiImplementation Mpich -Name records
    $null = $job | Wait-ParallelJob -Timeout 60
    $records = Receive-ParallelJob $job -Keep
    $events = $records | Where-Object Template -EQ 'Event {Number} from rank {From}'
}

AfterAll {
    $job | Remove-ParallelJob -Force -Confirm:$false
}

Describe 'Log records in the pipeline' {
    It 'ran the job whose records the tests read' {
        $job.ParallelState | Should -Be 'Completed'
        $events | Should -HaveCount 6
    }

    It 'groups by rank with Group-Object Rank' {
        $groups = $events | Group-Object Rank | Sort-Object Name
        $groups.Name | Should -Be '0', '1'
        $groups | ForEach-Object Count | Should -Be 3, 3
    }

    It 'sums a structured property with Measure-Object' {
        ($events | Measure-Object -Property { $_.Properties.Number } -Sum).Sum | Should -Be 6
        ($records | Measure-Object -Property Rank -Maximum).Maximum | Should -Be 1
    }

    It 'sorts newest first with Sort-Object Timestamp -Descending' {
        $sorted = $records | Sort-Object Timestamp -Descending
        $sorted[0].Timestamp | Should -Be ($records.Timestamp | Sort-Object | Select-Object -Last 1)
        $sorted[-1].Timestamp | Should -Be ($records.Timestamp | Sort-Object | Select-Object -First 1)
    }

    It 'filters on a structured property with Where-Object' {
        $twos = $records | Where-Object { $_.Properties.Number -eq 2 }
        $twos | Should -HaveCount 2
        # (ForEach-Object, not .Rank: an array's own Rank property is its number of dimensions.)
        $twos | ForEach-Object Rank | Sort-Object | Should -Be 0, 1
    }

    It 'expands the properties into a dictionary with Select-Object -ExpandProperty' {
        $properties = $events | Select-Object -First 1 -ExpandProperty Properties
        $properties | Should -BeOfType System.Collections.IDictionary
        $properties['Number'] | Should -Be 0
        $properties.From | Should -Be $events[0].Rank
        $properties.ContainsKey('JobId') | Should -BeTrue
    }

    It 'exports readable columns with Export-Csv, which Import-Csv reads back' {
        $file = Join-Path $TestDrive records.csv
        $events | Export-Csv $file
        $rows = Import-Csv $file
        $rows[0].PSObject.Properties.Name | Should -Be 'Timestamp', 'Rank', 'Host', 'Level', 'Message', 'Exception', 'Template', 'Properties'
        $rows | Should -HaveCount 6
        $rows[0].Message | Should -Be $events[0].Message
        $rows[0].Rank | Should -Be "$($events[0].Rank)"
        $rows[0].Properties | Should -BeLike "Number=0, From=$($events[0].Rank), JobId=$($job.JobId), *"
        Get-Content $file -Raw | Should -Not -Match 'System\.Collections'
        ([DateTimeOffset]$rows[0].Timestamp - $events[0].Timestamp).Duration() | Should -BeLessThan ([TimeSpan]::FromSeconds(1))
    }

    It 'writes the properties as a JSON object and the timestamp in ISO 8601 with ConvertTo-Json, without a depth warning' {
        $json = $events | ConvertTo-Json -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -BeNullOrEmpty
        $json | Should -Not -Match '"Key"'
        $json | Should -Match '"Timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"'
        $first = ($json | ConvertFrom-Json -DateKind String)[0]
        $first.Properties | Should -BeOfType System.Management.Automation.PSCustomObject
        $first.Properties.Number | Should -Be 0
        $first.Properties.JobId | Should -Be $job.JobId
    }

    It 'shows the properties one per line in Format-List, not as {[Number, 0]...}' {
        $text = $events | Where-Object { $_.Properties.Number -eq 1 } | Select-Object -First 1 | Format-List | Out-String -Width 200
        $text | Should -Not -Match '\{\['
        $text | Should -Match '(?m)^Properties\s*:\s*Number = 1$'
        $text | Should -Match "(?m)^\s+JobId = $($job.JobId)$"
        $text | Should -Match '(?m)^Template\s*:\s*Event \{Number\} from rank \{From\}$'
    }

    It 'reads as Name=Value pairs in a string' {
        "$($events[0].Properties)" | Should -BeLike 'Number=0, From=*'
    }
}
