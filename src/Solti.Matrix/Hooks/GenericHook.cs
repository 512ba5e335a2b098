using System.Security.Cryptography;
using System.Text;
using Solti.Matrix.Events;

namespace Solti.Matrix.Hooks;

/// <summary>A generic webhook the relay's operator configured (<c>POST /v1/hooks/generic/{name}</c>): any JSON object
/// in, one SOLTI event of <see cref="Schema"/> out, its data filled from the payload by <see cref="Data"/>'s templates in
/// the body templates' placeholder language (<see cref="BodyTemplate"/>: <c>{dotted.path}</c>). Sans I/O: the relay
/// reads the configuration and enqueues what <see cref="Map"/> returns.</summary>
/// <param name="Name">The name in the URL.</param>
/// <param name="Schema">The schema of the event (<c>category.name.vN</c>); the data must match it.</param>
/// <param name="Data">The data's templates: a string is a template (a string that is one placeholder and nothing
/// else, <c>"{a.b}"</c>, takes the payload's value with its JSON type); numbers, booleans and null are taken as they are;
/// objects and arrays are mapped member by member.</param>
public sealed record GenericHook(string Name, string Schema, JsonObject Data)
{
    /// <summary>The envelope's <c>source</c> (a template); null: the hook's name.</summary>
    public string? Source { get; init; }

    /// <summary>The correlation id (a template, e.g. <c>{deployment_status.id}</c>): two calls whose filled ids are equal
    /// are one event. Null: two calls with the same body are one event.</summary>
    public string? Id { get; init; }

    /// <summary>The room its events go to when the URL names none.</summary>
    public string? Room { get; init; }

    /// <summary>The conversation's key (a template, e.g. <c>github-{deployment.id}</c>): events with one correlation id
    /// form one thread in the room, the first its root (docs/conversations.md). Null: none.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The event <paramref name="payload"/> maps to, checked against the schema, and its transaction id for
    /// <paramref name="room"/>. A payload that lacks a value the mapping names, or a result that does not match the
    /// schema, is a <see cref="GenericHookException"/> naming the field.</summary>
    /// <param name="payload">The body read as JSON.</param>
    /// <param name="room">The room the event goes to (part of its identity).</param>
    /// <param name="schemas">The schemas the event is checked against.</param>
    /// <param name="body">The body as it came (its hash is the event's identity when no <see cref="Id"/> is configured).</param>
    public GenericHookEvent Map(JsonNode? payload, ReadOnlySpan<byte> body, string room, SchemaRegistry schemas)
    {
        if (payload is not JsonObject input)
        {
            throw new GenericHookException("body", $"expected a JSON object, got {Describe(payload)}");
        }

        var data = (JsonObject)Fill(Data, input, "data")!;
        var source = Source is null ? Name : Text(Source, input, "source");
        var correlation = CorrelationId is null ? null : Text(CorrelationId, input, "correlation_id");
        JsonObject content;
        try
        {
            content = SoltiEvent.Build(schemas, Schema, data, source, correlationId: correlation);
        }
        catch (SchemaValidationException e)
        {
            var first = e.Errors[0];
            var field = first.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0 ? first[..colon] : "data";
            throw new GenericHookException(field, $"hook {Name}: the event does not match {Schema}: {string.Join("; ", e.Errors)}", e.Errors);
        }

        var identity = Id is null ? "body\n" + Convert.ToHexStringLower(SHA256.HashData(body)) : "id\n" + Text(Id, input, "id");
        return new(content, TransactionId(room, identity), correlation);
    }

    /// <summary>The same for the same hook, room and identity (the body's hash, or the filled correlation id): a sender's
    /// retry is the outbox's same entry, not a second event.</summary>
    private string TransactionId(string room, string identity) =>
        "hook-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}\n{room}\n{identity}")))[..32];

    private JsonNode? Fill(JsonNode? template, JsonObject payload, string at) => template switch
    {
        JsonObject members => new JsonObject(members.Select(m => KeyValuePair.Create(m.Key, Fill(m.Value, payload, $"{at}.{m.Key}")))),
        JsonArray items => new JsonArray([.. items.Select((item, i) => Fill(item, payload, $"{at}[{i}]"))]),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => Template(value.GetValue<string>(), payload, at),
        _ => template?.DeepClone(),
    };

    private JsonNode? Template(string template, JsonObject payload, string at)
    {
        Require(template, payload, at);
        return BodyTemplate.Typed(template, payload);
    }

    private string Text(string template, JsonObject payload, string at)
    {
        Require(template, payload, at);
        return BodyTemplate.Fill(template, payload);
    }

    /// <summary>Every value <paramref name="template"/> names is in the payload (and text, where the template is more than
    /// one placeholder).</summary>
    private void Require(string template, JsonObject payload, string at)
    {
        var whole = BodyTemplate.WholePath(template) is not null;
        foreach (var path in BodyTemplate.Paths(template))
        {
            switch (BodyTemplate.Lookup(payload, path))
            {
                case null:
                    throw new GenericHookException(path, $"{path}: the payload has no value there; hook {Name} needs it for {at} ({template})");
                case JsonObject or JsonArray when !whole:
                    throw new GenericHookException(path, $"{path}: expected a string, number or boolean to put in the text of {at} ({template}), got {Describe(BodyTemplate.Lookup(payload, path))}");
            }
        }
    }

    private static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        _ => node.GetValueKind() == JsonValueKind.String ? "a string" : node.ToJsonString(),
    };
}

/// <summary>What a generic hook's call maps to.</summary>
/// <param name="Content">The event's content (the SOLTI envelope, its body and formatted body).</param>
/// <param name="TransactionId">The same for the same hook, room and body (or correlation of <see cref="GenericHook.Id"/>).</param>
/// <param name="CorrelationId">The filled <see cref="GenericHook.CorrelationId"/>, or null.</param>
public sealed record GenericHookEvent(JsonObject Content, string TransactionId, string? CorrelationId);

/// <summary>A payload a generic hook cannot map, or whose event does not match its schema: <see cref="Field"/> is the
/// payload's path (or <c>data.…</c>, the event's), the message what was expected; meant for a 400, never a stack trace.</summary>
public sealed class GenericHookException(string field, string message, IReadOnlyList<string>? errors = null) : Exception(message)
{
    /// <summary>The path of the payload's value (or of the event's data) that is wrong.</summary>
    public string Field { get; } = field;

    /// <summary>The schema's errors, each naming its <c>data.…</c> path (empty when the payload lacked a value).</summary>
    public IReadOnlyList<string> Errors { get; } = errors ?? [];
}
