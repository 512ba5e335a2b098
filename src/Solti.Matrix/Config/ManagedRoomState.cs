namespace Solti.Matrix.Config;

/// <summary>One room setting that lives in a state event (state key <c>""</c>): the config key (also the diff label and
/// the name in <c>changes</c>), the event type, and how its value is read from the input and from the room's content,
/// compared, and turned into the content to write. The room planner uses it to create, describe and converge a room;
/// the parser uses it to name the key that manages an event type.</summary>
public sealed class ManagedStateEntry
{
    /// <summary>The key in a room's input (<c>encrypted</c>).</summary>
    public required string Key { get; init; }

    /// <summary>The state event that holds it (<c>m.room.encryption</c>).</summary>
    public required string EventType { get; init; }

    /// <summary>The wanted value as the diff shows it, or null when the input does not manage it.</summary>
    public required Func<DesiredRoom, JsonNode?> Desired { get; init; }

    /// <summary>The room's current value in the same form as <see cref="Desired"/> (the content is null when the room has
    /// no such event).</summary>
    public required Func<JsonObject?, JsonNode?> Read { get; init; }

    /// <summary>The content to write for the wanted value over the current content (null: none), or null when that
    /// value cannot be written (see <see cref="Refusal"/>).</summary>
    public required Func<JsonObject?, JsonNode, JsonObject?> Content { get; init; }

    /// <summary>Whether the current content already has the wanted value; by default the two values are equal as the
    /// server means it (<see cref="JsonSemantics.Equal"/>).</summary>
    public Func<JsonObject?, JsonNode, bool>? Same { get; init; }

    /// <summary>A <c>createRoom</c> key that carries the value (<c>name</c>, <c>topic</c>); otherwise it goes into
    /// <c>initial_state</c>.</summary>
    public string? CreateRequestKey { get; init; }

    /// <summary>The values the key takes, when it takes one of a few (the parser and the modules' choices ask here).</summary>
    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>Why <see cref="Content"/> refused on an existing room, after <c>room.path.key: </c>.</summary>
    public Func<DesiredRoom, string>? Refusal { get; init; }

    /// <summary>True when the current state content already holds <paramref name="wanted"/> for this entry.</summary>
    public bool Matches(JsonObject? current, JsonNode wanted) => Same?.Invoke(current, wanted) ?? JsonSemantics.Equal(Read(current), wanted);
}

/// <summary>The table of managed room state: every config key ↔ state event type ↔ content key, in the order the plan
/// writes them. Nothing else in the configuration spells these mappings out.</summary>
public static class ManagedRoomState
{
    /// <summary>The encryption algorithm a room is encrypted with.</summary>
    public const string Megolm = "m.megolm.v1.aes-sha2";

    /// <summary>Every managed setting, in the order the plan writes them.</summary>
    public static readonly IReadOnlyList<ManagedStateEntry> Entries =
    [
        Field("name", "m.room.name", "name", r => r.Name, createRequestKey: "name"),
        Field("topic", "m.room.topic", "topic", r => r.Topic, createRequestKey: "topic"),
        new ManagedStateEntry
        {
            Key = "encrypted",
            EventType = "m.room.encryption",
            Desired = r => r.Encrypted is { } e ? JsonValue.Create(e) : null,
            Read = c => c?["algorithm"] is not null,
            Content = (_, wanted) => wanted.GetValue<bool>() ? new JsonObject { ["algorithm"] = Megolm } : null,
            Refusal = r => $"{r.Alias} is encrypted, and encryption cannot be turned off once enabled (Matrix forbids it); remove encrypted or set it to true",
        },
        new ManagedStateEntry
        {
            Key = "retention",
            EventType = "m.room.retention",
            Desired = r => r.Retention?.DeepClone(),
            Read = c => c?.DeepClone(),
            Content = (_, wanted) => (JsonObject)wanted.DeepClone(),
            Same = (c, wanted) => JsonSemantics.Equal(c ?? [], wanted), // the whole content; no event is no retention
        },
        Field("join_rule", "m.room.join_rules", "join_rule", r => r.JoinRule, choices: ["public", "invite", "knock", "private"]),
        Field("history_visibility", "m.room.history_visibility", "history_visibility", r => r.HistoryVisibility, choices: ["invited", "joined", "shared", "world_readable"]),
        Field("guest_access", "m.room.guest_access", "guest_access", r => r.GuestAccess, choices: ["can_join", "forbidden"]),
    ];

    /// <summary>The <c>createRoom</c> presets a new room may start from.</summary>
    public static readonly IReadOnlyList<string> Presets = ["private_chat", "public_chat", "trusted_private_chat"];

    /// <summary>The directory visibilities a room may have.</summary>
    public static readonly IReadOnlyList<string> Visibilities = ["public", "private"];

    /// <summary>The values of the managed setting <paramref name="key"/>.</summary>
    public static IReadOnlyList<string> ChoicesOf(string key) =>
        Entries.Single(e => e.Key == key).Choices ?? throw new ArgumentException($"{key} takes no fixed values", nameof(key));

    /// <summary>State that other keys manage, or nothing may set: for the parser's refusal of such <c>extra_state</c>.</summary>
    private static readonly (string EventType, string ManagedBy)[] Reserved =
    [
        ("m.room.power_levels", "power_levels and members[].power_level"),
        ("m.room.member", "members"),
        ("m.room.create", "it cannot change"),
    ];

    /// <summary>What manages an event type (<c>encrypted</c> for <c>m.room.encryption</c>), or null when
    /// <c>extra_state</c> may set it.</summary>
    public static string? ManagedBy(string eventType) =>
        Entries.FirstOrDefault(e => e.EventType == eventType)?.Key ?? Reserved.FirstOrDefault(r => r.EventType == eventType).ManagedBy;

    /// <summary>A setting held in one content key: the value is a string, and a write keeps the content's other keys.</summary>
    private static ManagedStateEntry Field(string key, string eventType, string contentKey, Func<DesiredRoom, string?> desired, string? createRequestKey = null, IReadOnlyList<string>? choices = null) => new()
    {
        Key = key,
        Choices = choices,
        EventType = eventType,
        Desired = r => desired(r) is { } value ? JsonValue.Create(value) : null,
        Read = c => c?[contentKey]?.DeepClone(),
        Content = (current, wanted) =>
        {
            var next = (JsonObject?)current?.DeepClone() ?? [];
            next[contentKey] = wanted.DeepClone();
            return next;
        },
        CreateRequestKey = createRequestKey,
    };
}
