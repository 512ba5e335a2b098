using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Solti.Matrix.Alerts;
using Solti.Matrix.Events;
using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Hooks;

/// <summary>The relay's configuration file (<c>solti-matrix relay --config FILE</c>, YAML read as JSON by the relay):
/// per hook its room, and the generic hooks (<see cref="GenericHook"/>). Read once at start; a bad file stops the start
/// with the file, the key's path and what was expected.</summary>
/// <example><code>
/// hooks:
///   alertmanager: {room: "#ops:example.com"}
///   grafana: {room: "#ops:example.com"}
///   generic:
///     github-deploy:
///       schema: deploy.complete.v1
///       room: "#deploys:example.com"
///       id: "{deployment_status.id}"
///       correlation_id: "github-{deployment.id}"
///       data: {service: "{repository.name}", host: "{deployment.environment}", ...}
/// </code></example>
public sealed partial class HookConfig
{
    /// <summary>No file: every hook needs <c>?room=</c>, no generic hooks.</summary>
    public static HookConfig Empty { get; } = new();

    private readonly Dictionary<AlertSource, string> _alertRooms = [];
    private readonly SortedDictionary<string, GenericHook> _generic = new(StringComparer.Ordinal);

    /// <summary>The configured generic hooks by name.</summary>
    public IReadOnlyDictionary<string, GenericHook> Generic => _generic;

    /// <summary>The room configured for <paramref name="source"/>'s hook, or null.</summary>
    public string? AlertRoom(AlertSource source) => _alertRooms.GetValueOrDefault(source);

    /// <summary>The key under <c>hooks</c> of <paramref name="source"/>'s hook (<c>alertmanager</c>, <c>grafana</c>).</summary>
    public static string KeyOf(AlertSource source) => source == AlertSource.Alertmanager ? "alertmanager" : "grafana";

    /// <summary>The file <paramref name="file"/>'s content, read as JSON (YAML's core schema), every schema a generic hook
    /// names known to <paramref name="schemas"/>. A bad file is a <see cref="FormatException"/>:
    /// <c>FILE: hooks.generic.x.schema: expected …, got …</c>.</summary>
    public static HookConfig Parse(JsonObject root, SchemaRegistry schemas, string file)
    {
        var config = new HookConfig();
        var reader = new Reader(file);
        reader.OnlyKeys(root, "", ["hooks"]);
        if (reader.Mapping(root, "hooks", "hooks") is not { } hooks)
        {
            return config;
        }

        reader.OnlyKeys(hooks, "hooks", ["alertmanager", "grafana", "generic"]);
        foreach (var source in new[] { AlertSource.Alertmanager, AlertSource.Grafana })
        {
            var at = "hooks." + KeyOf(source);
            if (reader.Mapping(hooks, KeyOf(source), at) is { } hook)
            {
                reader.OnlyKeys(hook, at, ["room"]);
                if (reader.Room(hook, at) is { } room)
                {
                    config._alertRooms[source] = room;
                }
            }
        }

        if (reader.Mapping(hooks, "generic", "hooks.generic") is { } generic)
        {
            foreach (var (name, value) in generic)
            {
                var at = "hooks.generic." + name;
                if (!HookName().IsMatch(name))
                {
                    throw reader.Error(at, "a hook name of lower-case letters, digits, '.', '_' and '-' (it is the URL's last segment)", JsonValue.Create(name));
                }

                var hook = value as JsonObject ?? throw reader.Error(at, "a mapping (schema, data, and optionally room, source, id, correlation_id)", value);
                reader.OnlyKeys(hook, at, ["schema", "data", "room", "source", "id", "correlation_id"]);
                var schema = reader.String(hook, "schema", at) ?? throw reader.Error(at + ".schema", "a schema name (e.g. deploy.complete.v1)", null);
                if (schemas.Get(schema) is null)
                {
                    throw reader.Error(at + ".schema", $"a known schema ({string.Join(", ", schemas.All.Select(s => s.Name))}; add yours with --schema-dir)", JsonValue.Create(schema));
                }

                var data = reader.Mapping(hook, "data", at + ".data") ?? throw reader.Error(at + ".data", "a mapping of the event's data fields to templates ({dotted.path} into the payload)", null);
                config._generic[name] = new GenericHook(name, schema, (JsonObject)data.DeepClone())
                {
                    Room = reader.Room(hook, at),
                    Source = reader.String(hook, "source", at),
                    Id = reader.String(hook, "id", at),
                    CorrelationId = reader.String(hook, "correlation_id", at),
                };
            }
        }

        return config;
    }

    /// <summary>Fails when a configured room is not in a non-empty <c>--allow-room</c> list: its hook could never post.</summary>
    public void RequireAllowed(IReadOnlyCollection<string> allowRooms, string file)
    {
        if (allowRooms.Count == 0)
        {
            return;
        }

        var rooms = _alertRooms.Select(r => ("hooks." + KeyOf(r.Key) + ".room", r.Value))
            .Concat(_generic.Values.Where(h => h.Room is not null).Select(h => ($"hooks.generic.{h.Name}.room", h.Room!)));
        foreach (var (at, room) in rooms)
        {
            if (!allowRooms.Contains(room))
            {
                throw new FormatException($"{file}: {at}: {room} is not in the relay's --allow-room list ({string.Join(", ", allowRooms)}); add it, or name the room as the list does");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex HookName();

    /// <summary>Reads values at key paths; every error names the file, the path and what was expected.</summary>
    private sealed class Reader(string file)
    {
        public FormatException Error(string at, string expected, JsonNode? got) =>
            new($"{file}: {at}: expected {expected}, got {Describe(got)}");

        public void OnlyKeys(JsonObject node, string at, string[] allowed)
        {
            foreach (var (key, _) in node)
            {
                if (!allowed.Contains(key))
                {
                    throw new FormatException($"{file}: {(at.Length == 0 ? key : at + "." + key)}: unknown key (expected one of: {string.Join(", ", allowed)})");
                }
            }
        }

        public JsonObject? Mapping(JsonObject parent, string key, string at) => parent[key] switch
        {
            null => null,
            JsonObject map => map,
            var other => throw Error(at, "a mapping", other),
        };

        public string? String(JsonObject parent, string key, string at) => parent[key] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var other => throw Error(at + "." + key, "a string", other),
        };

        public string? Room(JsonObject parent, string at)
        {
            if (String(parent, "room", at) is not { } room)
            {
                return null;
            }

            try
            {
                return MatrixId.Require(MatrixIdKind.RoomOrAlias, room, at + ".room");
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"{file}: {e.Message} (quote an alias: \"#ops:example.com\", a bare # starts a YAML comment)");
            }
        }

        private static string Describe(JsonNode? node) => node switch
        {
            null => "nothing",
            JsonObject => "a mapping",
            JsonArray => "a list",
            _ => node.ToJsonString(),
        };
    }
}
