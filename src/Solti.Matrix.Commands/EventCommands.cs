using System.Text.Json;
using Solti.Matrix.Encryption;
using Solti.Matrix.Events;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Outbox;
using Solti.Matrix.Sending;

namespace Solti.Matrix.Commands;

/// <summary><c>event build|validate|send</c> (structured SOLTI events), <c>schema list|show</c>, and <c>events tail ROOM</c>
/// (the structured events of a room, decoded, newest last).</summary>
public static class EventCommands
{
    public static IEnumerable<Command> All() => [Event(), Schema(), Tail()];

    private sealed record EventOptions(Option<string> Schema, Option<string> Data, Option<string?> Source, Option<bool> Html, Option<bool> NoValidate, Option<string?> Correlation, Option<string?> Template, Option<string> Format)
    {
        public static EventOptions Create() => new(
            new Option<string>("--schema", "-s") { Description = "Schema name, e.g. deploy.start.v1", Required = true },
            new Option<string>("--data", "-d") { Description = "The event's data as a JSON object, or @FILE", Required = true },
            new Option<string?>("--source") { Description = "Who sends it (default: this host's name)" },
            new Option<bool>("--html") { Description = "Add an HTML formatted body" },
            new Option<bool>("--no-validate") { Description = "Send data that does not match its schema (or an unknown schema)" },
            new Option<string?>("--correlation-id") { Description = "What ties events together (a deploy's start and complete): the first sent to a room is the root of the others' thread" },
            new Option<string?>("--template") { Description = "A body of your own instead of the schema's, with the same {path} placeholders into the data, written in --format" },
            CliSettings.Format());

        public void AddTo(Command command)
        {
            command.Options.Add(Schema);
            command.Options.Add(Data);
            command.Options.Add(Source);
            command.Options.Add(Html);
            command.Options.Add(NoValidate);
            command.Options.Add(Correlation);
            command.Options.Add(Template);
            command.Options.Add(Format);
        }

        /// <summary>The event's content; <c>--format</c> is the option and the formats of <c>send --format</c>, applied
        /// to <c>--template</c> as <c>matrix_event</c>'s <c>format</c> to its <c>template</c>
        /// (<see cref="BodyTemplate.RenderOwn"/>: values HTML-escaped after the Markdown is rendered).</summary>
        public JsonObject Build(ParseResult parse)
        {
            return SoltiEvent.Build(
                CliSettings.Schemas(parse), parse.GetValue(Schema)!, ReadData(parse.GetValue(Data)!), parse.GetValue(Source) ?? Environment.MachineName,
                validate: !parse.GetValue(NoValidate), html: parse.GetValue(Html), correlationId: parse.GetValue(Correlation), template: parse.GetValue(Template), format: parse.GetValue(Format)!, formatOption: "--format");
        }
    }

    private static Command Event()
    {
        var buildOptions = EventOptions.Create();
        var build = new Command("build", "Print the event content (envelope and body) for a schema and its data");
        buildOptions.AddTo(build);
        build.SetAction((parse, _) => CommandRunner.RunAsync(parse, () =>
        {
            Console.Out.WriteLine(CliOutput.Compact(buildOptions.Build(parse)));
            return Task.CompletedTask;
        }));

        var validateOptions = EventOptions.Create();
        var validate = new Command("validate", "Check data against its schema; every error names its path (exit 2 when invalid)");
        validateOptions.AddTo(validate);
        validate.SetAction((parse, _) => CommandRunner.RunAsync(parse, () =>
        {
            validateOptions.Build(parse);
            CliOutput.Write(parse, new JsonObject { ["valid"] = true, ["schema"] = parse.GetValue(validateOptions.Schema) });
            return Task.CompletedTask;
        }));

        var sendOptions = EventOptions.Create();
        var room = new Argument<string>("room") { Description = "Room id (!id:server) or alias (#alias:server)" };
        var txnId = new Option<string?>("--txn-id") { Description = "Transaction id (default: one minted for this send, reused across retries)" };
        var spool = new Option<string>("--spool") { Description = "never: fail when undeliverable; on_failure: queue it in the outbox instead; always: queue it", DefaultValueFactory = _ => "never" };
        spool.AcceptOnlyFromAmong("never", "on_failure", "always");
        var encryption = CliSettings.Encryption();
        var relations = new Dictionary<string, Option<string?>>
        {
            ["thread_root"] = new("--thread-root") { Description = "Post in the thread of this event (an event id, or a correlation id: its first event)" },
            ["reply_to"] = new("--reply-to") { Description = "Post as a reply to this event (an event id or a correlation id)" },
            ["replaces"] = new("--replaces") { Description = "Edit this event of the same sender (an event id or a correlation id)" },
        };
        var send = new Command("send", "Send a structured event (end-to-end encrypted when the room is)") { room, txnId, spool, encryption };
        foreach (var option in relations.Values)
        {
            send.Options.Add(option);
        }

        sendOptions.AddTo(send);
        send.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
        {
            var roomId = MatrixId.Require(MatrixIdKind.RoomOrAlias, parse.GetValue(room), "room");
            var content = sendOptions.Build(parse);
            using var client = ClientFactory.Create(parse);
            var links = new ConversationLinks(
                parse.GetValue(sendOptions.Correlation) is { Length: > 0 } correlation ? Conversation.Correlation(correlation) : null,
                Conversation.Relation(name => parse.GetValue(relations[name]), name => relations[name].Name));
            var result = await SpooledSend.SendAsync(client, () => CliSettings.OpenOutbox(parse), roomId, "m.room.message", content, parse.GetValue(txnId), parse.GetValue(spool)!, ct, CliSettings.EncryptionOf(parse, encryption), links);
            CliOutput.Write(parse, result);
        }));
        return new Command("event", "Structured SOLTI events: build, validate, send") { build, validate, send };
    }

    private static Command Schema()
    {
        var list = new Command("list", "The shipped schemas and those of --schema-dir");
        list.SetAction((parse, _) => CommandRunner.RunAsync(parse, () =>
        {
            var schemas = CliSettings.Schemas(parse).All;
            if (parse.GetValue(CliSettings.Output) == "json")
            {
                Console.Out.WriteLine(new JsonObject { ["schemas"] = new JsonArray([.. schemas.Select(s => (JsonNode)new JsonObject { ["name"] = s.Name, ["source"] = s.Source, ["description"] = s.Description })]) }.ToJsonString());
            }
            else
            {
                foreach (var s in schemas)
                {
                    Console.Out.WriteLine($"{s.Name,-22} {s.Description} ({s.Source})");
                }
            }

            return Task.CompletedTask;
        }));
        var name = new Argument<string>("name") { Description = "Schema name" };
        var show = new Command("show", "Print one schema (JSON Schema with its body templates)") { name };
        show.SetAction((parse, _) => CommandRunner.RunAsync(parse, () =>
        {
            var schema = CliSettings.Schemas(parse).Get(parse.GetValue(name)!) ?? throw new ArgumentException($"unknown schema '{parse.GetValue(name)}' (see: solti-matrix schema list)");
            Console.Out.WriteLine(CliOutput.Indented(schema.Document));
            return Task.CompletedTask;
        }));
        return new Command("schema", "Event schemas") { list, show };
    }

    private static Command Tail()
    {
        var room = new Argument<string>("room") { Description = "Room id (!id:server) or alias (#alias:server)" };
        var schema = SoltiEventLines.SchemaOption();
        var source = SoltiEventLines.SourceOption();
        var limit = new Option<int>("--limit", "-n") { Description = "How many structured events to print (the newest)", DefaultValueFactory = _ => 20 };
        var tail = new Command("tail", "Print the structured events of a room, oldest first (JSON lines with --output json)." + SoltiEventLines.EncryptedHelp) { room, schema, source, limit };
        tail.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
        {
            var given = MatrixId.Require(MatrixIdKind.RoomOrAlias, parse.GetValue(room), "room");
            var lines = new SoltiEventLines(parse.GetValue(schema), parse.GetValue(source), parse.GetValue(CliSettings.Output) == "json");
            using var client = ClientFactory.Create(parse);
            var roomId = await client.ResolveRoomAsync(given, ct);
            var decryptor = await DecryptorAsync(parse, client, roomId, ct);
            if (decryptor is not null)
            {
                await decryptor.Inbox().StepAsync(DeviceInbox.NoWait, ct); // the room keys that arrived
            }

            var found = new List<(ReadEvent Read, (string Schema, string? Timestamp, string? Source, JsonObject Data)? Solti)>();
            string? from = null;
            var wanted = Math.Max(1, parse.GetValue(limit));
            for (var pages = 0; found.Count < wanted && pages < 100; pages++)
            {
                var page = await client.MessagesAsync(roomId, "b", 100, from, ct);
                foreach (var e in (page["chunk"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var read = decryptor is null ? new ReadEvent(e, Encrypted: false) : await decryptor.ReadAsync(roomId, e, ct);
                    if (read.Undecryptable is not null || lines.Pick(read.Event) is not null)
                    {
                        found.Add((read, lines.Pick(read.Event)));
                    }
                }

                from = page["end"]?.GetValue<string>();
                if (from is null || (page["chunk"] as JsonArray)?.Count == 0)
                {
                    break;
                }
            }

            foreach (var (read, solti) in found.Take(wanted).Reverse())
            {
                Console.Out.WriteLine(solti is { } picked && read.Undecryptable is null ? lines.Line(read, picked) : lines.UndecryptableLine(read));
            }
        }));
        return new Command("events", "Read structured events back") { tail, Follow() };
    }

    /// <summary><c>events follow ROOM</c>: the room's SOLTI events as they arrive, resuming from the saved position.</summary>
    private static Command Follow()
    {
        var room = new Argument<string>("room") { Description = "Room id (!id:server) or alias (#alias:server)" };
        var schema = SoltiEventLines.SchemaOption();
        var source = SoltiEventLines.SourceOption();
        var since = new Option<string?>("--since") { Description = "On a first start, begin with the events newer than this (a duration such as 10m, 2h, 7d, or an RFC 3339 time); default: from now" };
        var positionFile = new Option<string?>("--position-file") { Description = "Where the position is kept across restarts (default: $XDG_STATE_HOME/solti-matrix/follow/<hash>.json)" };
        var poll = new Option<double>("--poll") { Description = "Seconds between looks at the room when nothing new has arrived", DefaultValueFactory = _ => 1 };
        var count = new Option<int?>("--count") { Description = "Exit after printing this many events (default: follow until SIGTERM or SIGINT)" };
        var follow = new Command("follow", "Print the room's structured events as they arrive (JSON lines with --output json), resuming where the last run stopped: nothing skipped, nothing repeated." + SoltiEventLines.EncryptedHelp) { room, schema, source, since, positionFile, poll, count };
        follow.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
        {
            var given = MatrixId.Require(MatrixIdKind.RoomOrAlias, parse.GetValue(room), "room");
            var lines = new SoltiEventLines(parse.GetValue(schema), parse.GetValue(source), parse.GetValue(CliSettings.Output) == "json");
            var after = parse.GetValue(since) is { } s ? Since(s) : (DateTimeOffset?)null;
            if (parse.GetValue(poll) is <= 0 or > 3600)
            {
                throw new ArgumentException($"--poll must be a number of seconds between 0 and 3600, got {parse.GetValue(poll)}");
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            using var client = ClientFactory.Create(parse);
            var roomId = await client.ResolveRoomAsync(given, stop.Token);
            var file = parse.GetValue(positionFile) ?? FollowPosition.DefaultFile(client.Homeserver, client.Session.UserId, roomId);
            var follower = new RoomFollower(client, TimeSpan.FromSeconds(parse.GetValue(poll)));
            if (FollowPosition.Load(file, roomId) is not { } start)
            {
                start = await follower.StartAsync(roomId, fromStart: after is not null, stop.Token);
                start.Save(file); // "from now" is the moment of the first start, also after a restart
            }

            var decryptor = await DecryptorAsync(parse, client, roomId, stop.Token);
            var run = new FollowRun(client, roomId, file, lines, after, decryptor, parse.GetValue(count));
            try
            {
                await run.RunAsync(start, TimeSpan.FromSeconds(parse.GetValue(poll)), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }));
        return follow;
    }

    /// <summary>The reader of an encrypted room (null for a plaintext one); <see cref="EncryptionException"/> when the run
    /// has no credential cache to keep the device's keys in (<c>--no-cache</c>): never ciphertext printed as if it were
    /// nothing.</summary>
    private static async Task<RoomDecryptor?> DecryptorAsync(ParseResult parse, MatrixClient client, string roomId, CancellationToken cancellationToken)
    {
        if (!await client.IsRoomEncryptedAsync(roomId, cancellationToken))
        {
            return null;
        }

        if (parse.GetValue(CliSettings.NoCache))
        {
            throw new EncryptionException($"{roomId} is encrypted, and reading it needs this device's keys kept in the credential cache, which --no-cache turns off: run without --no-cache");
        }

        var decryptor = client.Decryptor();
        decryptor.Inbox(); // refuses a run without a credential cache, before anything is printed
        return decryptor;
    }

    /// <summary><c>--since</c>: a duration back from now, or a time.</summary>
    private static DateTimeOffset Since(string value) =>
        DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : DateTimeOffset.UtcNow - OutboxCommands.Duration(value);

    private static JsonObject ReadData(string value)
    {
        var text = value.StartsWith('@') ? File.ReadAllText(value[1..]) : value;
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new ArgumentException("--data must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"--data is not valid JSON: {e.Message}");
        }
    }
}
