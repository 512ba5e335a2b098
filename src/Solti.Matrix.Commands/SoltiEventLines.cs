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
        SoltiEvent.Read(e["content"] as JsonObject) is { } solti
        && (Schema is null || solti.Schema == Schema || (Schema.EndsWith('.') && solti.Schema.StartsWith(Schema, StringComparison.Ordinal)))
        && (Source is null || solti.Source == Source)
            ? solti
            : null;

    /// <summary>The line of a (decrypted or plaintext) SOLTI event.</summary>
    public string Line(ReadEvent read, (string Schema, string? Timestamp, string? Source, JsonObject Data) solti, bool decryptedLater = false)
    {
        var e = read.Event;
        if (!Json)
        {
            return $"{(read.Encrypted ? "[e2e] " : "")}{solti.Timestamp} {solti.Schema} {solti.Source}: {e["content"]?["body"]?.GetValue<string>()}";
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
            ["body"] = e["content"]?["body"]?.DeepClone(),
            ["encrypted"] = read.Encrypted,
        };
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
