using System.Reflection;
using System.Text.RegularExpressions;

namespace Solti.Matrix.Events;

/// <summary>The schemas shipped with the product (embedded) plus the user's own from a directory (<c>NAME.json</c>, the
/// name also in <c>title</c>). A user schema may add a name, never replace a shipped one; a new required field means a
/// new version.</summary>
public sealed partial class SchemaRegistry
{
    private readonly Dictionary<string, EventSchema> _schemas = new(StringComparer.Ordinal);

    private SchemaRegistry()
    {
    }

    /// <summary>Every schema known, by name.</summary>
    public IReadOnlyCollection<EventSchema> All => _schemas.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

    /// <summary>The schema of that name, or null when none is known.</summary>
    public EventSchema? Get(string name) => _schemas.GetValueOrDefault(name);

    /// <summary>True when <paramref name="name"/> is a valid schema name: dotted parts of lowercase letters, digits,
    /// <c>_</c> and <c>-</c>, ending in a version (<c>verify.pass.v1</c>).</summary>
    public static bool IsValidName(string name) => SchemaName().IsMatch(name);

    /// <summary>The shipped schemas, and those of <paramref name="userDirectory"/> when given.</summary>
    public static SchemaRegistry Load(string? userDirectory = null)
    {
        var registry = new SchemaRegistry();
        var assembly = typeof(SchemaRegistry).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("schemas/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            registry.Add((JsonObject)JsonNode.Parse(stream)!, "builtin", resource["schemas/".Length..^".json".Length]);
        }

        if (!string.IsNullOrEmpty(userDirectory))
        {
            if (!Directory.Exists(userDirectory))
            {
                throw new SchemaException($"schema directory {userDirectory} does not exist");
            }

            foreach (var file in Directory.GetFiles(userDirectory, "*.json").Order(StringComparer.Ordinal))
            {
                JsonObject document;
                try
                {
                    document = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new SchemaException($"{file}: not a JSON object");
                }
                catch (JsonException e)
                {
                    throw new SchemaException($"{file}: not valid JSON: {e.Message}");
                }

                var name = Path.GetFileNameWithoutExtension(file);
                if (registry._schemas.ContainsKey(name))
                {
                    throw new SchemaException($"{file}: {name} is a shipped schema; a changed schema needs a new version (e.g. {NextVersion(name)})");
                }

                registry.Add(document, file, name);
            }
        }

        return registry;
    }

    private void Add(JsonObject document, string source, string name)
    {
        if (!IsValidName(name))
        {
            throw new SchemaException($"{source}: '{name}' is not a schema name ({{category}}.{{name}}.v{{N}}, e.g. backup.done.v1)");
        }

        if (document["title"]?.GetValue<string>() is { } title && title != name)
        {
            throw new SchemaException($"{source}: the title '{title}' differs from the file's name '{name}'");
        }

        if (JsonSchemaValidator.Unsupported(document) is { Count: > 0 } unsupported)
        {
            throw new SchemaException($"{source}: uses keywords this validator does not check: {string.Join(", ", unsupported)}");
        }

        _schemas[name] = new EventSchema(name, document, source);
    }

    private static string NextVersion(string name)
    {
        var at = name.LastIndexOf(".v", StringComparison.Ordinal);
        return int.TryParse(name[(at + 2)..], out var version) ? $"{name[..at]}.v{version + 1}" : name + "2";
    }

    [GeneratedRegex("^[a-z0-9_-]+(\\.[a-z0-9_-]+)*\\.v[1-9][0-9]*$")]
    private static partial Regex SchemaName();
}

/// <summary>A schema file or name that cannot be used; the message names the file.</summary>
public sealed class SchemaException(string message) : Exception(message);
