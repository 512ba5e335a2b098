namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_admin_api</c>: the raw escape hatch, one call under <c>/_synapse/admin/</c> or
/// <c>/_matrix/client/</c> through the self-healing admin session (<see cref="SynapseAdminClient.RawAsync"/>). Tokens and
/// secrets in the answer are masked. <c>changed</c> is false for a GET, true otherwise; check mode sends only GETs.</summary>
public sealed class SynapseAdminApiModule : IModule
{
    /// <summary>Keys whose values are secrets wherever they are in an answer (login as a user answers an
    /// <c>access_token</c>); <c>next_token</c> and the like are paging positions, not secrets.</summary>
    private static readonly string[] SecretKeys = ["access_token", "refresh_token", "token", "password", "id_token", "secret", "client_secret", "registration_shared_secret"];

    public string Name => "synapse_admin_api";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["method"] = new() { Default = "GET", Choices = ["GET", "POST", "PUT", "DELETE"] },
        ["path"] = new() { Required = true },
        ["body"] = new(OptionType.Raw),
        ["query"] = new(OptionType.Dict),
        ["status_code"] = new(OptionType.List) { Elements = OptionType.Int, Default = new JsonArray(200) },
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var method = module.Str("method")!;
        var path = module.Str("path")!;
        if (SynapseAdminClient.RawPathProblem(path) is { } problem)
        {
            throw new ModuleFailedException($"path {problem}, got '{path}'");
        }

        path += Query(module.Dict("query"), path.Contains('?', StringComparison.Ordinal));
        var body = Body(module.Params["body"]);
        var accepted = (module.Params["status_code"] as JsonArray ?? []).Select(s => int.TryParse(s?.ToJsonString(), out var code) ? code : 0).ToArray();
        if (accepted.Length == 0 || accepted.Any(s => s is < 100 or > 599))
        {
            throw new ModuleFailedException($"status_code must list HTTP statuses (100 to 599), got [{string.Join(", ", accepted)}]");
        }

        var result = new JsonObject { ["changed"] = method != "GET", ["method"] = method, ["path"] = path };
        if (module.CheckMode && method != "GET")
        {
            result["skipped"] = true;
            result["msg"] = $"check mode: {method} {path} not sent (check mode sends only GETs)";
            return result;
        }

        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var answer = await admin.RawAsync(new HttpMethod(method), path, body, accepted, cancellationToken);
        result["status"] = answer.Status;
        result["json"] = Masked(answer.Json);
        return result;
    }

    /// <summary>The body as JSON: a dict or a list as given, a string parsed as JSON text.</summary>
    private static JsonNode? Body(JsonNode? body)
    {
        if (body is not JsonValue text || text.GetValueKind() != JsonValueKind.String)
        {
            return body?.DeepClone();
        }

        try
        {
            return JsonNode.Parse(text.GetValue<string>());
        }
        catch (JsonException e)
        {
            throw new ModuleFailedException($"body must be a dict, a list or JSON text: {e.Message}");
        }
    }

    /// <summary><c>?key=value&amp;…</c>, each value percent-encoded; a list repeats its key; null values are left out.</summary>
    private static string Query(JsonObject? query, bool more)
    {
        var parts = new List<string>();
        foreach (var (key, value) in query ?? [])
        {
            foreach (var item in value is JsonArray list ? [.. list] : new[] { value })
            {
                if (item is JsonValue v)
                {
                    var text = v.GetValueKind() switch
                    {
                        JsonValueKind.String => v.GetValue<string>(),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => v.ToJsonString(),
                    };
                    parts.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(text));
                }
                else if (item is not null)
                {
                    throw new ModuleFailedException($"query.{key} must be a string, a number, a bool or a list of them");
                }
            }
        }

        return parts.Count == 0 ? "" : (more ? "&" : "?") + string.Join('&', parts);
    }

    /// <summary>A copy of the answer with every secret key's value (at any depth) replaced by the mask.</summary>
    private static JsonNode? Masked(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key,
            SecretKeys.Contains(p.Key, StringComparer.OrdinalIgnoreCase) && p.Value is JsonValue ? (JsonNode?)Host.NoLogMasker.Mask : Masked(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Masked)]),
        _ => node?.DeepClone(),
    };
}
