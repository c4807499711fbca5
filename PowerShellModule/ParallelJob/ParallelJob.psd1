@{
    RootModule           = 'ParallelJob.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '4bbabe32-6098-4ed5-9016-86d9adc99757'
    Author               = 'The Mpi project'
    Description          = 'Launches MPI programs (SPMD jobs) over hosts with mpiexec, as PowerShell jobs that persist across sessions, with every rank''s logs gathered; task farms run a script block or a program once per input over the ranks.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    CmdletsToExport      = @(
        'Start-ParallelJob'
        'Get-ParallelJob'
        'Wait-ParallelJob'
        'Receive-ParallelJob'
        'Stop-ParallelJob'
        'Remove-ParallelJob'
        'Test-ParallelHost'
        'Submit-ParallelBatchJob'
        'Export-ParallelJobScript'
        'Start-ParallelTaskJob'
        'Resume-ParallelJob'
        'Export-ParallelJobTimeline'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    FormatsToProcess     = @('ParallelJob.Format.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags = @('MPI', 'HPC', 'SPMD', 'Cluster', 'Slurm', 'Jobs', 'Linux')
        }
    }
}
