// PowerShellHost <module.psd1> <script.ps1> [name=value...]
// Imports the module, runs the script with the given variables, and prints each output object on a line of its own
// (ToString), then each error as "ERROR <category>: <message>". Exits with 1 when there were errors.
using System.Management.Automation.Runspaces;

var state = InitialSessionState.CreateDefault();
using var runspace = RunspaceFactory.CreateRunspace(state);
runspace.Open();
foreach (var pair in args.Skip(2).Select(argument => argument.Split('=', 2)))
    runspace.SessionStateProxy.SetVariable(pair[0], pair[1]);
using var shell = System.Management.Automation.PowerShell.Create(runspace);
shell.AddScript($"Import-Module '{args[0].Replace("'", "''", StringComparison.Ordinal)}' -ErrorAction Stop").AddStatement()
    .AddScript(File.ReadAllText(args[1]));
try
{
    foreach (var item in shell.Invoke())
        Console.WriteLine(item);
}
catch (System.Management.Automation.RuntimeException e)
{
    Console.WriteLine($"ERROR {e.ErrorRecord.CategoryInfo.Category}: {e.Message}");
    return 1;
}
foreach (var error in shell.Streams.Error)
    Console.WriteLine($"ERROR {error.CategoryInfo.Category}: {error}");
return shell.Streams.Error.Count > 0 ? 1 : 0;
