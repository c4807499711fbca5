using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace PowerShell.Tests;

/// <summary>A hosted PowerShell runspace with the built module imported by its manifest, as a user's session would have it.</summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;
    private readonly CapturingHost _host = new();

    public PowerShellSession()
    {
        _runspace = RunspaceFactory.CreateRunspace(_host, InitialSessionState.CreateDefault());
        _runspace.Open();
        Run($"Import-Module '{ModuleManifest}' -ErrorAction Stop");
    }

    /// <summary>The module manifest in the folder the build leaves.</summary>
    public static string ModuleManifest => Path.Combine(Repository.Root, "artifacts", "ParallelJob", "ParallelJob.psd1");

    /// <summary>Everything written to the user's screen so far (-WhatIf messages, Out-Default's tables).</summary>
    public string Screen => System.Text.RegularExpressions.Regex.Replace(_host.Text, "\u001b\\[[0-9;]*m", "");

    /// <summary>The last script's error records.</summary>
    public IReadOnlyList<ErrorRecord> Errors { get; private set; } = [];

    /// <summary>The last script's progress records.</summary>
    public IReadOnlyList<ProgressRecord> Progress { get; private set; } = [];

    /// <summary>Runs <paramref name="script"/> with <paramref name="variables"/> set; returns its output.</summary>
    public Collection<PSObject> Run(string script, params (string Name, object? Value)[] variables)
    {
        foreach (var (name, value) in variables)
            _runspace.SessionStateProxy.SetVariable(name, value);
        using var shell = System.Management.Automation.PowerShell.Create(_runspace);
        shell.AddScript(script);
        var output = shell.Invoke();
        Errors = [.. shell.Streams.Error];
        Progress = [.. shell.Streams.Progress];
        return output;
    }

    /// <summary>Runs <paramref name="script"/> and fails the test on any error record.</summary>
    public Collection<PSObject> RunClean(string script, params (string Name, object? Value)[] variables)
    {
        var output = Run(script, variables);
        Assert.That(Errors.Select(error => error.ToString()), Is.Empty, $"errors from: {script}");
        return output;
    }

    public void Dispose() => _runspace.Dispose();
}
