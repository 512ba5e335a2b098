using System.Text.Json;
using Solti.Matrix.Formatting;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Media;

namespace Solti.Matrix.Commands;

/// <summary><c>solti-matrix send ROOM (--json CONTENT | --text TEXT | --notice TEXT) [--format text|markdown|html]
/// [--file PATH [--file-name NAME] [--mimetype TYPE]]...</c>: the message, then each file as an <c>m.file</c>/<c>m.image</c>
/// in the message's thread (<see cref="MatrixClient.SendAttachmentAsync"/>).</summary>
public static class SendCommand
{
    public static Command Create()
    {
        var room = new Argument<string>("room") { Description = "Room id (!id:server) or alias (#alias:server)" };
        var json = new Option<string?>("--json") { Description = "Event content as a JSON object" };
        var text = new Option<string?>("--text") { Description = "Send an m.text message" };
        var notice = new Option<string?>("--notice") { Description = "Send an m.notice message" };
        var format = CliSettings.Format();
        var eventType = new Option<string>("--event-type") { Description = "Event type", DefaultValueFactory = _ => "m.room.message" };
        var txnId = new Option<string?>("--txn-id") { Description = "Transaction id (default: one minted for this send, reused across retries)" };
        var join = new Option<bool>("--join") { Description = "Join the room first if the bot is not a member" };
        var encryption = CliSettings.Encryption();
        var files = new Option<string[]>("--file") { Description = "Attach a file, sent after the message in its thread (repeatable; encrypted when the room is)", Arity = ArgumentArity.ZeroOrMore };
        var fileNames = new Option<string[]>("--file-name") { Description = "The name readers see for each --file, in order (default: the file's name)", Arity = ArgumentArity.ZeroOrMore };
        var mimetypes = new Option<string[]>("--mimetype") { Description = "The media type of each --file, in order (default: from the name's extension)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("send", "Send one event to a room (end-to-end encrypted when the room is), and files in its thread") { room, json, text, notice, format, eventType, txnId, join, encryption, files, fileNames, mimetypes };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async () =>
        {
            var roomId = MatrixId.Require(MatrixIdKind.RoomOrAlias, parse.GetValue(room), "room");
            var type = MatrixId.Require(MatrixIdKind.EventType, parse.GetValue(eventType), "--event-type");
            var content = Content(parse.GetValue(json), parse.GetValue(text), parse.GetValue(notice));
            FormattedBody.Apply(content, parse.GetValue(format)!, "--format");
            var attachments = Attachments(parse.GetValue(files) ?? [], parse.GetValue(fileNames) ?? [], parse.GetValue(mimetypes) ?? []);
            using var client = ClientFactory.Create(parse);
            await client.Media.CheckAllAsync(attachments, "--file", cancellationToken); // before anything is sent

            var mode = CliSettings.EncryptionOf(parse, encryption);
            var result = await client.SendEventAsync(roomId, type, content, parse.GetValue(txnId), parse.GetValue(join), mode, cancellationToken);
            var sent = new JsonArray();
            foreach (var attachment in attachments)
            {
                AttachmentSent file;
                try
                {
                    file = await client.SendAttachmentAsync(result.RoomId, attachment, AttachmentContent.InThreadOf(result.EventId), null, mode, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Console.Error.WriteLine($"solti-matrix: the message {result.EventId} and {sent.Count} of {attachments.Count} files were sent; {attachment.Name} was not:");
                    throw;
                }

                sent.Add(parse.GetValue(CliSettings.Output) == "json"
                    ? new JsonObject { ["name"] = attachment.Name, ["event_id"] = file.Event.EventId, ["content_uri"] = file.ContentUri, ["msgtype"] = file.MsgType, ["mimetype"] = attachment.Mimetype, ["size"] = file.Size, ["encrypted"] = file.FileEncrypted }
                    : (JsonNode)$"{attachment.Name}: {file.Event.EventId} {file.ContentUri}");
            }

            var output = new JsonObject
            {
                ["event_id"] = result.EventId,
                ["room_id"] = result.RoomId,
                ["transaction_id"] = result.TransactionId,
                ["event_type"] = result.EventType,
                ["reauthenticated"] = result.Reauthenticated,
                ["encrypted"] = result.Encrypted,
                ["withheld_devices"] = new JsonArray([.. result.WithheldDevices.Select(d => (JsonNode)d)]),
            };
            if (attachments.Count > 0)
            {
                output["files"] = sent;
            }

            CliOutput.Write(parse, output);
        }));
        return command;
    }

    /// <summary>Each <c>--file</c> as an attachment, every file read-checked now (an error names the option and the path,
    /// before anything is sent); <c>--file-name</c> and <c>--mimetype</c>, when given, once per <c>--file</c> in order.</summary>
    private static List<Attachment> Attachments(string[] paths, string[] names, string[] types)
    {
        if (names.Length > 0 && names.Length != paths.Length)
        {
            throw new ArgumentException($"--file-name is given once per --file, in order: {names.Length} names for {paths.Length} files");
        }

        if (types.Length > 0 && types.Length != paths.Length)
        {
            throw new ArgumentException($"--mimetype is given once per --file, in order: {types.Length} types for {paths.Length} files");
        }

        var attachments = new List<Attachment>();
        for (var i = 0; i < paths.Length; i++)
        {
            var attachment = Attachment.FromFile(paths[i], names.Length > 0 ? names[i] : null, types.Length > 0 ? types[i] : null);
            attachment.Check("--file");
            attachments.Add(attachment);
        }

        return attachments;
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
