using System.Text.Json;
using Solti.Matrix.Formatting;
using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Commands;

/// <summary><c>solti-matrix send ROOM (--json CONTENT | --text TEXT | --notice TEXT) [--format text|markdown|html]</c></summary>
public static class SendCommand
{
    public static Command Create()
    {
        var room = new Argument<string>("room") { Description = "Room id (!id:server) or alias (#alias:server)" };
        var json = new Option<string?>("--json") { Description = "Event content as a JSON object" };
        var text = new Option<string?>("--text") { Description = "Send an m.text message" };
        var notice = new Option<string?>("--notice") { Description = "Send an m.notice message" };
        var format = new Option<string>("--format") { Description = "What the body is written in: text (sent as it is), markdown or html (sent with a sanitized formatted_body and its plain text as body)", DefaultValueFactory = _ => "text" };
        var eventType = new Option<string>("--event-type") { Description = "Event type", DefaultValueFactory = _ => "m.room.message" };
        var txnId = new Option<string?>("--txn-id") { Description = "Transaction id (default: one minted for this send, reused across retries)" };
        var join = new Option<bool>("--join") { Description = "Join the room first if the bot is not a member" };
        var encryption = CliSettings.Encryption();
        var command = new Command("send", "Send one event to a room (end-to-end encrypted when the room is)") { room, json, text, notice, format, eventType, txnId, join, encryption };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async () =>
        {
            var roomId = MatrixId.Require(MatrixIdKind.RoomOrAlias, parse.GetValue(room), "room");
            var type = MatrixId.Require(MatrixIdKind.EventType, parse.GetValue(eventType), "--event-type");
            var content = Content(parse.GetValue(json), parse.GetValue(text), parse.GetValue(notice));
            FormattedBody.Apply(content, parse.GetValue(format)!, "--format");
            using var client = ClientFactory.Create(parse);
            var result = await client.SendEventAsync(roomId, type, content, parse.GetValue(txnId), parse.GetValue(join), CliSettings.EncryptionOf(parse, encryption), cancellationToken);
            CliOutput.Write(parse, new JsonObject
            {
                ["event_id"] = result.EventId,
                ["room_id"] = result.RoomId,
                ["transaction_id"] = result.TransactionId,
                ["event_type"] = result.EventType,
                ["reauthenticated"] = result.Reauthenticated,
                ["encrypted"] = result.Encrypted,
                ["withheld_devices"] = new JsonArray([.. result.WithheldDevices.Select(d => (JsonNode)d)]),
            });
        }));
        return command;
    }

    private static JsonObject Content(string? json, string? text, string? notice)
    {
        var given = new[] { json, text, notice }.Count(v => v is not null);
        if (given != 1)
        {
            throw new ArgumentException("send needs exactly one of --json, --text or --notice");
        }

        if (text is not null || notice is not null)
        {
            return new JsonObject { ["msgtype"] = text is not null ? "m.text" : "m.notice", ["body"] = text ?? notice };
        }

        try
        {
            return JsonNode.Parse(json!) as JsonObject ?? throw new ArgumentException("--json must be a JSON object, e.g. '{\"msgtype\":\"m.text\",\"body\":\"hi\"}'");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"--json is not valid JSON: {e.Message}");
        }
    }
}
