namespace Solti.Matrix.Ansible.Host;

/// <summary>What a module sees of its invocation: validated parameters, check and diff mode, and the
/// warnings and deprecations it collects. Modules return a result object; the host adds the rest.</summary>
public sealed class AnsibleModule
{
    private readonly List<string> _warnings = [];
    private readonly JsonArray _deprecations = [];
    private readonly Dictionary<string, string> _revealed = new(StringComparer.Ordinal);

    public AnsibleModule(string name, JsonObject parameters, bool checkMode, bool diffMode, int verbosity)
    {
        Name = name;
        Params = parameters;
        CheckMode = checkMode;
        DiffMode = diffMode;
        Verbosity = verbosity;
    }

    public string Name { get; }

    public JsonObject Params { get; }

    public bool CheckMode { get; }

    public bool DiffMode { get; }

    public int Verbosity { get; }

    public IReadOnlyList<string> Warnings => _warnings;

    public JsonArray Deprecations => _deprecations;

    public string? Str(string name) => Params[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public bool Bool(string name) => Params[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>Parsed from the JSON text: defaults built in code hold ints, which <c>GetValue&lt;double&gt;</c> refuses.</summary>
    public double? Number(string name) => Params[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
        ? double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
        : null;

    public JsonObject? Dict(string name) => Params[name] as JsonObject;

    public void Warn(string message) => _warnings.Add(message);

    /// <summary>Secrets that a parameter explicitly asked for, by the top-level result key that carries each: the host keeps
    /// them in that key and masks them everywhere else in the result, as it masks no_log values.</summary>
    public IReadOnlyDictionary<string, string> Revealed => _revealed;

    /// <summary>Puts <paramref name="secret"/> in <paramref name="result"/>[<paramref name="key"/>], the one place it may appear.</summary>
    public void Reveal(JsonObject result, string key, string secret)
    {
        _revealed[key] = secret;
        result[key] = secret;
    }

    public void Deprecate(string message, string version) =>
        _deprecations.Add((JsonNode)new JsonObject { ["msg"] = message, ["version"] = version, ["collection_name"] = ModuleHost.CollectionName });
}

/// <summary>A failure to report as <c>failed: true</c> with <c>msg</c> and any extra keys (errcode, status).</summary>
public sealed class ModuleFailedException(string message, JsonObject? extra = null) : Exception(message)
{
    public JsonObject? Extra { get; } = extra;
}
