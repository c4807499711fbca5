// Writes MAML help (what Get-Help reads for a binary module) for every cmdlet of an assembly, from one source: the
// cmdlets themselves. Names, parameter sets, positions, pipeline input, aliases and types come from the attributes;
// the synopsis, description, parameter texts and examples from the XML documentation comments beside the assembly:
//   <para type="synopsis">, <para type="description"> and <example><code/><para/></example> on the cmdlet class,
//   <summary> on each parameter property. Cmdlets that support ShouldProcess get -WhatIf and -Confirm as PowerShell's
// own cmdlets do; enums and ValidateSet list their values; each cmdlet links to the module's other cmdlets.
//   HelpGenerator <Module.dll> <out/Module.dll-Help.xml>
using System.Management.Automation;
using System.Management.Automation.Internal;
using System.Reflection;
using System.Runtime.Loader;
using System.Xml.Linq;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: HelpGenerator <Module.dll> <Module.dll-Help.xml>");
    return 2;
}
var assemblyPath = Path.GetFullPath(args[0]);
var directory = Path.GetDirectoryName(assemblyPath)!;
AssemblyLoadContext.Default.Resolving += (context, name) =>
    File.Exists(Path.Combine(directory, name.Name + ".dll")) ? context.LoadFromAssemblyPath(Path.Combine(directory, name.Name + ".dll")) : null;
var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(assemblyPath);
var documentation = XDocument.Load(Path.ChangeExtension(assemblyPath, ".xml"));

XNamespace msh = "http://msh", maml = "http://schemas.microsoft.com/maml/2004/10",
    command = "http://schemas.microsoft.com/maml/dev/command/2004/10", dev = "http://schemas.microsoft.com/maml/dev/2004/10";

var cmdlets = assembly.GetExportedTypes()
    .Select(type => (Type: type, Attribute: type.GetCustomAttribute<CmdletAttribute>()))
    .Where(cmdlet => cmdlet.Attribute is not null && !cmdlet.Type.IsAbstract)
    .OrderBy(cmdlet => cmdlet.Attribute!.NounName).ThenBy(cmdlet => cmdlet.Attribute!.VerbName)
    .ToList();
var problems = new List<string>();
var help = new XElement(msh + "helpItems", new XAttribute("schema", "maml"));
var names = cmdlets.Select(cmdlet => $"{cmdlet.Attribute!.VerbName}-{cmdlet.Attribute.NounName}").ToList();
foreach (var (type, attribute) in cmdlets)
    help.Add(Command(type, attribute!));
if (problems.Count > 0)
{
    // Help that says nothing is a build error, not a surprise for a user.
    foreach (var problem in problems)
        Console.Error.WriteLine($"HelpGenerator: error: {problem}");
    return 1;
}
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[1]))!);
new XDocument(new XDeclaration("1.0", "utf-8", null), help).Save(args[1]);
Console.WriteLine($"HelpGenerator: help for {cmdlets.Count} cmdlets -> {args[1]}");
return 0;

XElement Command(Type type, CmdletAttribute attribute)
{
    var name = $"{attribute.VerbName}-{attribute.NounName}";
    var doc = Member($"T:{type.FullName}");
    var synopsis = Paras(doc, "synopsis");
    var description = Paras(doc, "description");
    if (synopsis.Count == 0 || description.Count == 0)
        problems.Add($"{name} ({type.FullName}) needs <para type=\"synopsis\"> and <para type=\"description\">.");
    // Positional parameters first, by position; then the others, those of base classes before the cmdlet's own.
    var parameters = Parameters(type)
        .OrderBy(p => p.Attributes.Min(a => a.Position < 0 ? int.MaxValue : a.Position))
        .ThenBy(p => Depth(p.Property.DeclaringType!))
        .ThenBy(p => p.Property.MetadataToken)
        .Concat(attribute.SupportsShouldProcess ? WhatIfAndConfirm() : [])
        .ToList();
    var examples = doc?.Elements("example").ToList() ?? [];
    if (examples.Count == 0)
        problems.Add($"{name} ({type.FullName}) needs at least one <example>.");
    var sets = parameters.SelectMany(parameter => parameter.Attributes.Select(a => a.ParameterSetName))
        .Where(set => set != ParameterAttribute.AllParameterSets).Distinct().ToList();
    if (sets.Count == 0)
        sets.Add(ParameterAttribute.AllParameterSets);
    var defaultSet = attribute.DefaultParameterSetName;
    // A cmdlet as PowerShell creates it, to read what its parameters hold when not given.
    var fresh = Activator.CreateInstance(type);
    sets = [.. sets.OrderBy(set => set == defaultSet ? 0 : 1)];

    return new XElement(command + "command",
        new XAttribute(XNamespace.Xmlns + "maml", maml), new XAttribute(XNamespace.Xmlns + "command", command), new XAttribute(XNamespace.Xmlns + "dev", dev),
        new XElement(command + "details",
            new XElement(command + "name", name),
            new XElement(maml + "description", synopsis.Select(Para)),
            new XElement(command + "verb", attribute.VerbName),
            new XElement(command + "noun", attribute.NounName)),
        new XElement(maml + "description", description.Select(Para)),
        new XElement(command + "syntax", sets.Select(set => new XElement(command + "syntaxItem",
            new XElement(maml + "name", name),
            parameters.Where(p => p.Attributes.Any(a => a.ParameterSetName == set || a.ParameterSetName == ParameterAttribute.AllParameterSets))
                .Select(p => Parameter(p, p.Attributes.FirstOrDefault(a => a.ParameterSetName == set) ?? p.Attributes[0], fresh))))),
        new XElement(command + "parameters", parameters.Select(p => Parameter(p, p.Attributes[0], fresh))),
        new XElement(command + "inputTypes", parameters.Where(p => p.Attributes.Any(a => a.ValueFromPipeline || a.ValueFromPipelineByPropertyName))
            .Select(p => p.Property.PropertyType.IsArray ? p.Property.PropertyType.GetElementType()! : p.Property.PropertyType).Distinct().Select(input => new XElement(command + "inputType",
                new XElement(dev + "type", new XElement(maml + "name", input.FullName))))),
        new XElement(command + "returnValues", type.GetCustomAttributes<OutputTypeAttribute>().SelectMany(output => output.Type)
            .Select(output => new XElement(command + "returnValue", new XElement(dev + "type", new XElement(maml + "name", output.Name))))),
        new XElement(command + "examples", examples.Select((example, i) => new XElement(command + "example",
            new XElement(maml + "title", $"-------------------------- EXAMPLE {i + 1} --------------------------"),
            new XElement(dev + "code", example.Element("code")?.Value.Trim()),
            new XElement(dev + "remarks", example.Elements("para").Select(para => Para(Text(para))))))),
        new XElement(maml + "relatedLinks", names.Where(other => other != name).Select(other =>
            new XElement(maml + "navigationLink", new XElement(maml + "linkText", other), new XElement(maml + "uri")))));

    IEnumerable<(PropertyInfo Property, List<ParameterAttribute> Attributes, string Text)> Parameters(Type cmdlet)
    {
        foreach (var property in cmdlet.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attributes = property.GetCustomAttributes<ParameterAttribute>().ToList();
            if (attributes.Count == 0)
                continue;
            var member = Member($"P:{property.DeclaringType!.FullName}.{property.Name}");
            var text = member?.Element("summary") is { } summary ? Text(summary) : "";
            if (text.Length == 0)
                problems.Add($"{name}: parameter -{property.Name} needs a <summary>.");
            yield return (property, attributes, text);
        }
    }

    // -WhatIf and -Confirm, which PowerShell adds to every cmdlet that supports ShouldProcess, described as it does.
    IEnumerable<(PropertyInfo Property, List<ParameterAttribute> Attributes, string Text)> WhatIfAndConfirm()
    {
        var common = typeof(ShouldProcessParameters);
        yield return (common.GetProperty(nameof(ShouldProcessParameters.WhatIf))!, [new ParameterAttribute()],
            "Shows what would happen if the cmdlet runs. The cmdlet is not run.");
        yield return (common.GetProperty(nameof(ShouldProcessParameters.Confirm))!, [new ParameterAttribute()],
            "Prompts you for confirmation before running the cmdlet.");
    }
}

// How far a type is from object, so base classes' parameters can come first.
static int Depth(Type type) => type.BaseType is null ? 0 : 1 + Depth(type.BaseType);

XElement Parameter((PropertyInfo Property, List<ParameterAttribute> Attributes, string Text) parameter, ParameterAttribute attribute, object? cmdlet)
{
    var property = parameter.Property;
    var pipeline = (attribute.ValueFromPipeline, attribute.ValueFromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByValue, ByPropertyName)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };
    var aliases = property.GetCustomAttribute<AliasAttribute>()?.AliasNames ?? [];
    bool isSwitch = property.PropertyType == typeof(SwitchParameter);
    var valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
    var typeName = valueType.Name;
    // The values an enum or a ValidateSet allows, which Get-Help shows in the syntax as {A | B | C}.
    var elementType = valueType.IsArray ? valueType.GetElementType()! : valueType;
    var values = property.GetCustomAttribute<ValidateSetAttribute>()?.ValidValues
        ?? (elementType.IsEnum ? Enum.GetNames(elementType) : null);
    // Only an enum's default says something by itself (an empty array or a -1 meaning "no limit" would not).
    var given = property.DeclaringType!.IsInstanceOfType(cmdlet) ? property.GetValue(cmdlet) : null;
    var defaultValue = isSwitch ? "False" : given is Enum value ? value.ToString() : "None";
    return new XElement(command + "parameter",
        new XAttribute("required", attribute.Mandatory ? "true" : "false"),
        new XAttribute("variableLength", property.PropertyType.IsArray ? "true" : "false"),
        new XAttribute("globbing", property.GetCustomAttribute<SupportsWildcardsAttribute>() is null ? "false" : "true"),
        new XAttribute("pipelineInput", pipeline),
        new XAttribute("position", attribute.Position >= 0 ? attribute.Position.ToString(System.Globalization.CultureInfo.InvariantCulture) : "named"),
        new XAttribute("aliases", aliases.Count > 0 ? string.Join(", ", aliases) : "none"),
        new XElement(maml + "name", property.Name),
        new XElement(maml + "description", Para(parameter.Text)),
        isSwitch ? null : new XElement(command + "parameterValue", new XAttribute("required", "true"), typeName),
        values is null ? null : new XElement(command + "parameterValueGroup", values.Select(value =>
            new XElement(command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), value))),
        new XElement(dev + "type", new XElement(maml + "name", property.PropertyType.FullName)),
        new XElement(dev + "defaultValue", defaultValue));
}

XElement? Member(string id) => documentation.Root!.Element("members")!.Elements("member").FirstOrDefault(member => (string?)member.Attribute("name") == id);

List<string> Paras(XElement? member, string kind) =>
    [.. member?.Element("summary")?.Elements("para").Where(para => (string?)para.Attribute("type") == kind).Select(Text) ?? []];

XElement Para(string text) => new(maml + "para", text);

// The text of a documentation element, with <see cref> and <paramref> reduced to their names and whitespace folded.
static string Text(XElement element) => string.Join(' ', string.Concat(element.Nodes().Select(node => node switch
{
    XText text => text.Value,
    XElement { Name.LocalName: "see" or "paramref" or "typeparamref" } reference =>
        ((string?)reference.Attribute("cref") ?? (string?)reference.Attribute("name") ?? "").Split('.', ':').Last(),
    XElement inner => Text(inner),
    _ => "",
})).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
