using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using MPI.Logging;

namespace MPI.PowerShell;

/// <summary>
/// A script block made ready to run on the ranks of a farm, as ForEach-Object -Parallel makes one ready for its
/// runspaces: each <c>$using:name</c> rewritten to <c>$__using_name</c> (the variable the worker defines), with the
/// values of those variables read in the caller's scope and serialized (CliXml), as remoting serializes them.
/// </summary>
internal sealed record FarmScript(string Script, string? UsingValues)
{
    /// <summary>The prefix of the variables that stand for <c>$using:</c> variables on the ranks.</summary>
    public const string UsingPrefix = "__using_";

    /// <summary>
    /// Rewrites <paramref name="block"/>'s <c>$using:</c> variables and reads their values in <paramref name="caller"/>.
    /// </summary>
    /// <exception cref="ItemNotFoundException">A <c>$using:</c> variable is not defined in the caller's scope.</exception>
    /// <exception cref="ParseException">The rewritten script does not parse (a <c>$using:</c> form the farm cannot carry).</exception>
    public static FarmScript Prepare(ScriptBlock block, SessionState caller)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(caller);
        var text = block.Ast.Extent.Text;
        var start = block.Ast.Extent.StartOffset;
        // The ScriptBlockAst of a literal { ... } includes the braces; the text sent is the body between them.
        if (block.Ast.Parent is ScriptBlockExpressionAst && text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1];
            start++;
        }
        var usings = block.Ast.FindAll(ast => ast is UsingExpressionAst, searchNestedScriptBlocks: true)
            .Cast<UsingExpressionAst>()
            .Select(UsingExpressionAst.ExtractUsingVariable)
            .OrderByDescending(variable => variable.Extent.StartOffset)
            .ToList();
        var values = new Hashtable(StringComparer.OrdinalIgnoreCase);
        var rewritten = new StringBuilder(text);
        foreach (var variable in usings)
        {
            var name = UsingName(variable.VariablePath.UserPath);
            if (!values.ContainsKey(name))
            {
                var found = caller.PSVariable.Get(name)
                    ?? throw new ItemNotFoundException($"The variable $using:{name} is not defined in this session's scope: define ${name} before starting the farm.");
                values[name] = found.Value;
            }
            rewritten.Remove(variable.Extent.StartOffset - start, variable.Extent.EndOffset - variable.Extent.StartOffset);
            rewritten.Insert(variable.Extent.StartOffset - start, "${" + UsingPrefix + name.Replace("}", "`}", StringComparison.Ordinal) + "}");
        }
        var script = rewritten.ToString();
        Parser.ParseInput(script, out _, out var errors);
        if (errors.Length > 0)
            throw new ParseException(errors);
        return new FarmScript(script, values.Count == 0 ? null : Serialize(values));
    }

    // The variable's name without its using: qualifier.
    private static string UsingName(string path)
    {
        var colon = path.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && path[..colon].Equals("using", StringComparison.OrdinalIgnoreCase) ? path[(colon + 1)..] : path;
    }

    /// <summary>Parses <paramref name="text"/> as a script block.</summary>
    /// <exception cref="ParseException">The text does not parse: the exception lists every error with its line and column.</exception>
    public static ScriptBlock Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ast = Parser.ParseInput(text, out _, out var errors);
        if (errors.Length > 0)
            throw new ParseException(errors);
        return ast.GetScriptBlock();
    }

    /// <summary>The CliXml of <paramref name="value"/> at the farm's depth (<see cref="TaskFarmContract.SerializationDepth"/>).</summary>
    public static string Serialize(object? value) => PSSerializer.Serialize(value, TaskFarmContract.SerializationDepth);
}
