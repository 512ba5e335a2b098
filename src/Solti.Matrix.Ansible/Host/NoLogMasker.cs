using Solti.Matrix.Sessions;

namespace Solti.Matrix.Ansible.Host;

/// <summary>Ansible cannot mask a binary module's secrets, so the module does: every no_log value is replaced by
/// <c>********</c> wherever it occurs inside any string of the result, keys included. A valid token reference
/// (<see cref="TokenReference"/>, <c>solti-cache:v1:@user:server</c>) given to a no_log option is not masked: it holds no
/// secret, and a module returns it for the next task to use.</summary>
public sealed class NoLogMasker(IEnumerable<string> secrets)
{
    public const string Mask = "********";
    public const string InvocationPlaceholder = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER";

    // Longest first, so a secret that contains another is masked whole.
    private readonly string[] _secrets = [.. secrets.Where(s => s.Length > 0 && TokenReference.UserOf(s) is null).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];

    public string Apply(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    public JsonNode? Apply(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(Apply(p.Key), Apply(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Apply)]),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Apply(v.GetValue<string>()),
        JsonValue v => v.DeepClone(),
        _ => null,
    };

    /// <summary><c>invocation.module_args</c>: no_log options (at any depth) show the placeholder.</summary>
    public static JsonObject Invocation(ArgumentSpec spec, JsonObject parameters)
    {
        var args = new JsonObject();
        foreach (var (name, value) in parameters)
        {
            var option = spec.Options.GetValueOrDefault(name);
            args[name] = option switch
            {
                { NoLog: true } when value is not null => InvocationPlaceholder,
                { Options: { } nested } when value is JsonObject dict => Invocation(nested, dict),
                { Options: { } nested } when value is JsonArray list => new JsonArray([.. list.Select(i => i is JsonObject d ? (JsonNode)Invocation(nested, d) : i?.DeepClone())]),
                { NoLogKeys.Count: > 0 } => HideKeys(value, option.NoLogKeys),
                _ => value?.DeepClone(),
            };
        }

        return args;
    }

    private static JsonNode? HideKeys(JsonNode? value, IReadOnlyList<string> keys)
    {
        var copy = value?.DeepClone();
        foreach (var item in ArgumentValidator.Items(copy))
        {
            foreach (var key in keys.Where(k => item[k] is not null))
            {
                item[key] = InvocationPlaceholder;
            }
        }

        return copy;
    }
}
