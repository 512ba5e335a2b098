using Solti.Matrix.Encryption;
using Solti.Matrix.Events;

namespace Solti.Matrix.Commands;

/// <summary>How <c>events tail</c> and <c>events follow</c> pick and print a room's SOLTI events: the filters
/// (<c>--schema</c> a name or a prefix ending in '.', <c>--source</c>) and the line (one JSON object with
/// <c>--output json</c>, else a sentence). Every line says whether the event was encrypted; a decrypted one names the
/// sender's device and its trust; an event that cannot be decrypted (yet) is a line of its own, whatever the filters
/// (its content is unknown), and once its key arrives the event is printed again, <c>decrypted_later</c>.</summary>
public sealed record SoltiEventLines(string? Schema, string? Source, bool Json)
{
    /// <summary>What the help says of the lines of an encrypted room.</summary>
    public const string EncryptedHelp = " In an encrypted room events are decrypted with this device's keys (the credential cache; --no-cache is refused); an event that cannot be decrypted yet is printed as an 'undecryptable' line with its reason whatever --schema and --source say, and again, with decrypted_later, when its key arrives.";

    public static Option<string?> SchemaOption() => new("--schema") { Description = "Only this schema (a name, or a prefix ending in '.', e.g. deploy.); undecryptable events are printed regardless" };

    public static Option<string?> SourceOption() => new("--source") { Description = "Only events from this source; undecryptable events are printed regardless" };

    /// <summary>The event's SOLTI envelope when it is a SOLTI event the filters let through; else null.</summary>
    public (string Schema, string? Timestamp, string? Source, JsonObject Data)? Pick(JsonObject e) =>
        SoltiEvent.Read(Content(e)) is { } solti
        && (Schema is null || solti.Schema == Schema || (Schema.EndsWith('.') && solti.Schema.StartsWith(Schema, StringComparison.Ordinal)))
        && (Source is null || solti.Source == Source)
            ? solti
            : null;

    /// <summary>An event's content as it now reads: an edit's <c>m.new_content</c>, else its content.</summary>
    private static JsonObject? Content(JsonObject e) =>
        e["content"]?["m.relates_to"]?["rel_type"]?.GetValue<string>() == "m.replace" && e["content"]?["m.new_content"] is JsonObject edited ? edited : e["content"] as JsonObject;

    /// <summary>The line of a (decrypted or plaintext) SOLTI event; with <c>--output json</c> it names its
    /// <c>correlation_id</c> and what it relates to (<c>thread_root</c>, <c>reply_to</c>, <c>replaces</c>: an
    /// edit's line carries the new content).</summary>
    public string Line(ReadEvent read, (string Schema, string? Timestamp, string? Source, JsonObject Data) solti, bool decryptedLater = false)
    {
        var e = read.Event;
        if (!Json)
        {
            return $"{(read.Encrypted ? "[e2e] " : "")}{solti.Timestamp} {solti.Schema} {solti.Source}: {Content(e)?["body"]?.GetValue<string>()}";
        }

        var line = new JsonObject
        {
            ["event_id"] = e["event_id"]?.DeepClone(),
            ["sender"] = e["sender"]?.DeepClone(),
            ["origin_server_ts"] = e["origin_server_ts"]?.DeepClone(),
            ["schema"] = solti.Schema,
            ["timestamp"] = solti.Timestamp,
            ["source"] = solti.Source,
            ["data"] = solti.Data.DeepClone(),
            ["body"] = Content(e)?["body"]?.DeepClone(),
            ["encrypted"] = read.Encrypted,
        };
        if (Content(e)?["solti"]?["correlation_id"] is JsonValue correlation)
        {
            line["correlation_id"] = correlation.DeepClone();
        }

        if (e["content"]?["m.relates_to"] is JsonObject relation
            && (relation["rel_type"]?.GetValue<string>() switch { "m.thread" => "thread_root", "m.replace" => "replaces", _ => relation["m.in_reply_to"] is null ? null : "reply_to" }) is { } rel)
        {
            line[rel] = (rel == "reply_to" ? relation["m.in_reply_to"]!["event_id"] : relation["event_id"])?.DeepClone();
        }

        if (read.Encrypted)
        {
            line["sender_device"] = read.SenderDevice;
            line["trust"] = read.Trust;
        }

        if (decryptedLater)
        {
            line["decrypted_later"] = true;
        }

        return CliOutput.Compact(line);
    }

    /// <summary>The line of an event that cannot be decrypted (yet): who sent it when, and why.</summary>
    public string UndecryptableLine(ReadEvent read)
    {
        var e = read.Event;
        if (!Json)
        {
            return $"[e2e] {e["origin_server_ts"]} undecryptable event {e["event_id"]} from {e["sender"]}: {read.Undecryptable}{(read.WithheldCode is { } c ? " (" + c + ")" : "")}";
        }

        var line = new JsonObject
        {
            ["event_id"] = e["event_id"]?.DeepClone(),
            ["sender"] = e["sender"]?.DeepClone(),
            ["origin_server_ts"] = e["origin_server_ts"]?.DeepClone(),
            ["encrypted"] = true,
            ["undecryptable"] = true,
            ["reason"] = read.Undecryptable,
            ["sender_device"] = e["content"]?["device_id"]?.DeepClone(),
        };
        if (read.WithheldCode is { } code)
        {
            line["withheld_code"] = code;
        }

        return CliOutput.Compact(line);
    }
}
