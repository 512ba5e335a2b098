using Solti.Matrix.Events;

namespace Solti.Matrix.Commands;

/// <summary>How <c>events tail</c> and <c>events follow</c> pick and print a room's SOLTI events: the filters
/// (<c>--schema</c> a name or a prefix ending in '.', <c>--source</c>) and the line (one JSON object with
/// <c>--output json</c>, else a sentence).</summary>
public sealed record SoltiEventLines(string? Schema, string? Source, bool Json)
{
    public static Option<string?> SchemaOption() => new("--schema") { Description = "Only this schema (a name, or a prefix ending in '.', e.g. deploy.)" };

    public static Option<string?> SourceOption() => new("--source") { Description = "Only events from this source" };

    /// <summary>The event's SOLTI envelope when it is a SOLTI event the filters let through; else null.</summary>
    public (string Schema, string? Timestamp, string? Source, JsonObject Data)? Pick(JsonObject e) =>
        SoltiEvent.Read(e["content"] as JsonObject) is { } solti
        && (Schema is null || solti.Schema == Schema || (Schema.EndsWith('.') && solti.Schema.StartsWith(Schema, StringComparison.Ordinal)))
        && (Source is null || solti.Source == Source)
            ? solti
            : null;

    public string Line(JsonObject e, (string Schema, string? Timestamp, string? Source, JsonObject Data) solti) => Json
        ? CliOutput.Compact(new JsonObject
        {
            ["event_id"] = e["event_id"]?.DeepClone(),
            ["sender"] = e["sender"]?.DeepClone(),
            ["origin_server_ts"] = e["origin_server_ts"]?.DeepClone(),
            ["schema"] = solti.Schema,
            ["timestamp"] = solti.Timestamp,
            ["source"] = solti.Source,
            ["data"] = solti.Data.DeepClone(),
            ["body"] = e["content"]?["body"]?.DeepClone(),
        })
        : $"{solti.Timestamp} {solti.Schema} {solti.Source}: {e["content"]?["body"]?.GetValue<string>()}";
}
