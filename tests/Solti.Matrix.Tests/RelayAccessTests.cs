using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>A relay only its owners can use: the bearer token on every request (over TCP and over the socket), the
/// token file made private on first start and kept across restarts, the socket 0660 with its group, and the room and
/// sender allow-lists; the relay as a separate process, producers speaking HTTP to it, the room read back over HTTP.</summary>
[Trait("tier", "integration")]
public sealed class RelayAccessTests
{
    [Fact]
    public async Task Over_tcp_a_request_without_the_token_or_with_a_wrong_one_is_401_and_the_token_file_is_made_private_and_kept()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        using var state = new TempDirectory("solti-relay-");
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state)) { DefaultTokenFile = true };
        await relay.StartAsync();

        // Generated on first start beside the outbox, 0600, and named (not shown) in the start line.
        Assert.Equal(Path.Combine(state, "solti-matrix", "outbox", "relay.token"), relay.TokenFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(relay.TokenFile));
        Assert.True(relay.Token.Length >= 40, relay.Token);
        Assert.Contains("token file " + relay.TokenFile, relay.Log.ToString(), StringComparison.Ordinal);

        using var anonymous = new HttpClient { BaseAddress = relay.Url };
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/v1/events"), (HttpMethod.Get, "/v1/status"), (HttpMethod.Get, "/metrics"), (HttpMethod.Get, "/nothing") })
        {
            var (status, body, challenge) = await SendAsync(anonymous, method, path, Message(roomId, "anonymous"));
            Assert.Equal((HttpStatusCode.Unauthorized, "M_MISSING_TOKEN"), (status, body["errcode"]!.GetValue<string>()));
            Assert.Contains(relay.TokenFile, body["error"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
        }

        using var wrong = new HttpClient { BaseAddress = relay.Url };
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", relay.Token[..^1] + (relay.Token[^1] == 'x' ? 'y' : 'x'));
        var refused = await SendAsync(wrong, HttpMethod.Post, "/v1/events", Message(roomId, "wrong"));
        Assert.Equal((HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN"), (refused.Status, refused.Body["errcode"]!.GetValue<string>()));

        using var owner = relay.Client();
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(owner, HttpMethod.Post, "/v1/events", Message(roomId, "owner"))).Status);
        Assert.True(await RelayProcess.DrainsAsync(owner, 100, TimeSpan.FromMilliseconds(100)), relay.Log.ToString());
        Assert.Equal(["owner"], (await h.MessagesAsync(roomId, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));

        // A restart keeps the token; it is never written to the log.
        var token = relay.Token;
        Assert.Equal(0, await relay.StopAsync());
        await relay.StartAsync();
        Assert.Equal(token, relay.Token);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(owner, HttpMethod.Get, "/v1/status", null)).Status);
        Assert.Equal(0, await relay.StopAsync());
        Assert.DoesNotContain(token, relay.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_file_others_can_read_is_refused_at_start()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        using var state = new TempDirectory("solti-relay-");
        var file = Path.Combine(state, "given.token");
        await File.WriteAllTextAsync(file, "a-token-everyone-can-read\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state), "--token-file", file);
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(relay.StartAsync);
        Assert.Contains($"relay token file {file} has mode 604: others may read it", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("a-token-everyone-can-read", failed.Message, StringComparison.Ordinal);

        // Shared with a group (0640), it is used as it is.
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        await relay.StartAsync();
        Assert.Equal("a-token-everyone-can-read", relay.Token);
        using var owner = relay.Client();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(owner, HttpMethod.Get, "/v1/status", null)).Status);
    }

    [Fact]
    public async Task Rooms_and_senders_outside_the_allow_lists_are_403_and_an_allowed_sender_is_delivered_as_itself()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (allowed, _) = await h.BotRoomAsync(bot.AccessToken, "allowed");
        var (other, _) = await h.BotRoomAsync(bot.AccessToken, "other");
        Assert.Equal(200, (await h.Raw.PostAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(allowed)}/invite", new JsonObject { ["user_id"] = h.Hs.AdminId }, bot.AccessToken)).Code);
        Assert.Equal(200, (await h.Raw.PostAsync($"/_matrix/client/v3/join/{MatrixTestClient.Enc(allowed)}", null, h.Admin.AccessToken)).Code);
        using var state = new TempDirectory("solti-relay-");
        var env = h.CliEnvironment(bot.AccessToken, state);

        // Without --allow-sender the relay posts only as its own user.
        await using (var strict = new RelayProcess(env, "--allow-room", allowed))
        {
            await strict.StartAsync();
            using var http = strict.Client();
            var wrongRoom = await SendAsync(http, HttpMethod.Post, "/v1/events", Message(other, "elsewhere"));
            Assert.Equal((HttpStatusCode.Forbidden, "M_FORBIDDEN"), (wrongRoom.Status, wrongRoom.Body["errcode"]!.GetValue<string>()));
            Assert.StartsWith($"room {other} is not in this relay's --allow-room list", wrongRoom.Body["error"]!.GetValue<string>(), StringComparison.Ordinal);
            var asAdmin = await SendAsync(http, HttpMethod.Post, "/v1/events", Message(allowed, "as admin", h.Hs.AdminId));
            Assert.Equal(HttpStatusCode.Forbidden, asAdmin.Status);
            Assert.Contains($"--allow-sender {h.Hs.AdminId}", asAdmin.Body["error"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(http, HttpMethod.Post, "/v1/events", Message(allowed, "as the relay"))).Status);
            Assert.True(await RelayProcess.DrainsAsync(http, 100, TimeSpan.FromMilliseconds(100)), strict.Log.ToString());
            Assert.Equal(0, await strict.StopAsync());
        }

        // With it, an event for the admin is queued as the admin's and delivered with the admin's cached session.
        var login = await CliRunner.RunAsync(["login", "--user", h.Hs.AdminId], new Dictionary<string, string?>(env) { ["MATRIX_ACCESS_TOKEN"] = null, ["MATRIX_PASSWORD"] = TestHomeserver.AdminPassword });
        Assert.True(login.ExitCode == 0, login.ToString());
        await using (var open = new RelayProcess(env, "--allow-room", allowed, "--allow-sender", h.Hs.AdminId))
        {
            await open.StartAsync();
            using var http = open.Client();
            Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(http, HttpMethod.Post, "/v1/events", Message(allowed, "as admin", h.Hs.AdminId))).Status);
            var stranger = await SendAsync(http, HttpMethod.Post, "/v1/events", Message(allowed, "as carol", "@carol:" + h.Hs.ServerName));
            Assert.Equal(HttpStatusCode.Forbidden, stranger.Status);
            Assert.StartsWith("sender @carol:", stranger.Body["error"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.True(await RelayProcess.DrainsAsync(http, 100, TimeSpan.FromMilliseconds(100)), open.Log.ToString());
            Assert.Equal(0, await open.StopAsync());
        }

        Assert.Equal(
            [(h.Hs.BotId, "as the relay"), (h.Hs.AdminId, "as admin")],
            (await h.MessagesAsync(allowed, bot.AccessToken)).Select(m => (m["sender"]!.GetValue<string>(), m["content"]!["body"]!.GetValue<string>())));
        Assert.Empty(await h.MessagesAsync(other, bot.AccessToken));
    }

    [Fact]
    public async Task Over_the_unix_socket_it_is_0660_in_its_group_and_refuses_no_token_and_wrong_rooms()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken, "allowed");
        var (other, _) = await h.BotRoomAsync(bot.AccessToken, "other");
        using var state = new TempDirectory("solti-relay-");
        var socket = Path.Combine(state, "relay.sock");
        var group = (await ProcessRunner.RunAsync("id", ["-gn"])).Stdout.Trim();
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state), "--allow-room", roomId, "--socket-group", group) { Listen = "unix:" + socket };
        await relay.StartAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(socket));
        Assert.Equal(group, (await ProcessRunner.RunAsync("stat", ["-c", "%G", socket])).Stdout.Trim());

        using var anonymous = relay.SocketClient(socket, authorized: false);
        var unauthenticated = await SendAsync(anonymous, HttpMethod.Post, "/v1/events", Message(roomId, "anonymous"));
        Assert.Equal((HttpStatusCode.Unauthorized, "M_MISSING_TOKEN"), (unauthenticated.Status, unauthenticated.Body["errcode"]!.GetValue<string>()));
        using var owner = relay.SocketClient(socket);
        var wrongRoom = await SendAsync(owner, HttpMethod.Post, "/v1/events", Message(other, "elsewhere"));
        Assert.Equal((HttpStatusCode.Forbidden, "M_FORBIDDEN"), (wrongRoom.Status, wrongRoom.Body["errcode"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(owner, HttpMethod.Post, "/v1/events", Message(roomId, "over the socket"))).Status);
        Assert.True(await RelayProcess.DrainsAsync(owner, 100, TimeSpan.FromMilliseconds(100)), relay.Log.ToString());
        Assert.Equal(["over the socket"], (await h.MessagesAsync(roomId, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));
        Assert.Empty(await h.MessagesAsync(other, bot.AccessToken));
        Assert.Equal(0, await relay.StopAsync());

        // A group that does not exist is named at start.
        await using var nogroup = new RelayProcess(h.CliEnvironment(bot.AccessToken, state), "--socket-group", "no-such-group-solti") { Listen = "unix:" + socket };
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(nogroup.StartAsync);
        Assert.Contains("--socket-group: there is no group named 'no-such-group-solti'", failed.Message, StringComparison.Ordinal);
    }

    private static JsonObject Message(string roomId, string body, string? sender = null)
    {
        var message = new JsonObject { ["room"] = roomId, ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = body } };
        if (sender is not null)
        {
            message["sender"] = sender;
        }

        return message;
    }

    private static async Task<(HttpStatusCode Status, JsonObject Body, string Challenge)> SendAsync(HttpClient http, HttpMethod method, string path, JsonObject? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null && method == HttpMethod.Post)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.StartsWith('{') ? JsonNode.Parse(text)!.AsObject() : new JsonObject { ["text"] = text }, response.Headers.WwwAuthenticate.ToString());
    }
}
