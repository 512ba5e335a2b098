using System.Text.Json.Nodes;
using Solti.Matrix.Testing;
using Solti.Matrix.Sessions;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The <c>solti-matrix</c> CLI as separate processes against the homeserver.</summary>
[Trait("tier", "integration")]
public sealed class CliTests
{
    private static Dictionary<string, string?> Env(LibraryHarness h, string? token, bool password = true) => new()
    {
        ["MATRIX_HOMESERVER_URL"] = h.Hs.Server.BaseAddress.ToString(),
        ["MATRIX_USER_ID"] = h.Hs.BotId,
        ["MATRIX_ACCESS_TOKEN"] = token,
        ["MATRIX_PASSWORD"] = password ? TestHomeserver.BotPassword : null,
    };

    private static string[] Send(LibraryHarness h, string room, string body, params string[] extra) =>
        ["send", room, "--json", new JsonObject { ["msgtype"] = "m.text", ["body"] = body }.ToJsonString(), "--cache-dir", h.CacheDir, "--output", "json", .. extra];

    [Fact]
    public async Task Send_with_a_stale_token_heals_and_prints_the_event_and_the_transaction_id()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("CLIDEV");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken);
        await h.ExpireAsync(bot.AccessToken);

        var run = await CliRunner.RunAsync([.. Send(h, alias, "from the cli", "--device-id", "CLIDEV", "--txn-id", "cli-txn-1")], Env(h, bot.AccessToken));

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.Equal(roomId, result["room_id"]!.GetValue<string>());
        Assert.Equal("cli-txn-1", result["transaction_id"]!.GetValue<string>());
        Assert.True(result["reauthenticated"]!.GetValue<bool>());
        var reader = await h.Hs.LoginBotAsync("READER");
        var events = await h.MessagesAsync(roomId, reader.AccessToken);
        Assert.Equal(result["event_id"]!.GetValue<string>(), Assert.Single(events)["event_id"]!.GetValue<string>());
        Assert.Equal("CLIDEV", h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId)!.DeviceId);
    }

    [Fact]
    public async Task Twenty_processes_starting_from_one_expired_token_make_exactly_one_login()
    {
        await using var h = await LibraryHarness.StartAsync();
        var reader = await h.Hs.LoginBotAsync("READER");
        var (roomId, _) = await h.BotRoomAsync(reader.AccessToken);
        using (var first = h.Bot(deviceId: "SHARED"))
        {
            await first.WhoAmIAsync();
        }

        var expired = h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId)!.AccessToken;
        await h.ExpireAsync(expired);
        await h.ResetCountersAsync();
        var devices = await h.BotDeviceCountAsync();

        var runs = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => CliRunner.RunAsync(Send(h, roomId, $"process {i}"), Env(h, expired))));

        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.ToString()));
        Assert.Equal(1, await h.CounterAsync("login"));
        Assert.Equal(devices, await h.BotDeviceCountAsync());
        var bodies = (await h.MessagesAsync(roomId, reader.AccessToken)).Select(e => e["content"]!["body"]!.GetValue<string>()).ToList();
        Assert.Equal(20, bodies.Count);
        Assert.Equal(20, bodies.Distinct().Count());
    }

    [Fact]
    public async Task Login_stores_the_session_and_whoami_and_logout_use_it()
    {
        await using var h = await LibraryHarness.StartAsync();
        var env = Env(h, token: null);

        var login = await CliRunner.RunAsync(["login", "--cache-dir", h.CacheDir, "--device-id", "CLILOGIN", "--output", "json"], env);
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Equal("CLILOGIN", JsonNode.Parse(login.Stdout)!["device_id"]!.GetValue<string>());
        Assert.NotNull(h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId));

        env["MATRIX_PASSWORD"] = null;
        var whoami = await CliRunner.RunAsync(["whoami", "--cache-dir", h.CacheDir], env);
        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        Assert.Contains("device_id: CLILOGIN", whoami.Stdout, StringComparison.Ordinal);

        var logout = await CliRunner.RunAsync(["logout", "--cache-dir", h.CacheDir], env);
        Assert.True(logout.ExitCode == 0, logout.ToString());
        Assert.Null(h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId));
        Assert.Equal(0, await h.BotDeviceCountAsync());
    }

    [Fact]
    public async Task The_password_can_come_from_a_file_and_join_lets_the_bot_enter_a_public_room()
    {
        await using var h = await LibraryHarness.StartAsync();
        var roomId = await h.Raw.CreateRoomAsync(h.Admin.AccessToken, new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = "lobby" });
        var passwordFile = Path.Combine(Path.GetDirectoryName(h.CacheDir)!, "password");
        Directory.CreateDirectory(Path.GetDirectoryName(passwordFile)!);
        await File.WriteAllTextAsync(passwordFile, TestHomeserver.BotPassword + "\n");
        var env = Env(h, token: null, password: false);

        var withoutJoin = await CliRunner.RunAsync(["send", "#lobby:localhost", "--text", "hi", "--password-file", passwordFile, "--cache-dir", h.CacheDir], env);
        Assert.Equal(1, withoutJoin.ExitCode);
        Assert.Contains("M_FORBIDDEN", withoutJoin.Stderr, StringComparison.Ordinal);

        var withJoin = await CliRunner.RunAsync(["send", "#lobby:localhost", "--text", "hi", "--join", "--password-file", passwordFile, "--cache-dir", h.CacheDir], env);
        Assert.True(withJoin.ExitCode == 0, withJoin.ToString());
        var messages = await h.MessagesAsync(roomId, h.Admin.AccessToken);
        Assert.Equal(h.Hs.BotId, Assert.Single(messages)["sender"]!.GetValue<string>());
        Assert.Equal(1, await h.BotDeviceCountAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the oldest Synapse we support
    public async Task Media_commands_list_quarantine_protect_delete_and_purge(bool synapse167)
    {
        await using var h = await LibraryHarness.StartAsync(o => synapse167 ? o with { Compatibility = Homeserver.Configuration.Compatibility.Synapse167 } : o);
        var bot = await h.Hs.LoginBotAsync();
        using var http = new HttpClient { BaseAddress = h.Hs.Server.BaseAddress };
        async Task<string> UploadAsync(int length)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/_matrix/media/v3/upload") { Content = new ByteArrayContent(new byte[length]) };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bot.AccessToken);
            using var response = await http.SendAsync(request);
            var uri = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["content_uri"]!.GetValue<string>();
            return uri[(uri.LastIndexOf('/') + 1)..];
        }

        var small = await UploadAsync(1);
        var big = await UploadAsync(4096);
        var env = h.CliEnvironment(h.Admin.AccessToken);
        async Task<JsonNode> Run(params string[] args)
        {
            var run = await CliRunner.RunAsync(["media", .. args, "--output", "json", "--no-cache"], env);
            Assert.True(run.ExitCode == 0, run.ToString());
            return JsonNode.Parse(run.Stdout)!;
        }

        Assert.Equal(2, (await Run("list", "--user", h.Hs.BotId))["total"]!.GetValue<int>());
        await Run("protect", $"mxc://{h.Hs.ServerName}/{big}");
        await Run("quarantine", $"{h.Hs.ServerName}/{small}");
        var listed = (await Run("list", "--user", h.Hs.BotId))["media"]!.AsArray().ToDictionary(m => m!["media_id"]!.GetValue<string>(), m => m!);
        Assert.Equal(h.Hs.AdminId, listed[small]!["quarantined_by"]!.GetValue<string>());
        Assert.True(listed[big]!["safe_from_quarantine"]!.GetValue<bool>());
        await Run("unquarantine", $"mxc://{h.Hs.ServerName}/{small}");
        await Run("unprotect", $"mxc://{h.Hs.ServerName}/{big}");

        var get = await CliRunner.RunAsync(["media", "get", $"mxc://{h.Hs.ServerName}/{small}", "--output", "json", "--no-cache"], env);
        Assert.True(get.ExitCode == (synapse167 ? 7 : 0), get.ToString()); // 1.67 cannot query one medium: "not offered"

        var byAge = await Run("delete", "--before", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), "--larger-than", "1K");
        Assert.Equal([big], byAge["deleted_media"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal([small], (await Run("delete", $"mxc://{h.Hs.ServerName}/{small}"))["deleted_media"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(0, (await Run("purge-remote", "--before", "30d"))["deleted"]!.GetValue<int>());

        var gone = await CliRunner.RunAsync(["media", "delete", $"mxc://{h.Hs.ServerName}/{small}", "--no-cache"], env);
        Assert.Equal(4, gone.ExitCode); // absent
        var bad = await CliRunner.RunAsync(["media", "quarantine", "nope", "--no-cache"], env);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("expected mxc://server/media-id or server/media-id, got 'nope'", bad.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the oldest Synapse we support
    public async Task Admin_commands_read_and_change_the_server_through_the_library(bool synapse167)
    {
        await using var h = await LibraryHarness.StartAsync(o => synapse167 ? o with { Compatibility = Homeserver.Configuration.Compatibility.Synapse167 } : o);
        await h.Raw.CreateRoomAsync(h.Admin.AccessToken, new JsonObject { ["name"] = "cli room" });
        await h.Hs.LoginBotAsync("GONE1");
        await h.Hs.LoginBotAsync("KEPT1");
        var env = h.CliEnvironment(h.Admin.AccessToken);
        async Task<JsonNode> Run(params string[] args)
        {
            var run = await CliRunner.RunAsync([.. args, "--output", "json", "--no-cache"], env);
            Assert.True(run.ExitCode == 0, run.ToString());
            return JsonNode.Parse(run.Stdout)!;
        }

        var info = await Run("info");
        Assert.False(string.IsNullOrEmpty(info["version"]!.GetValue<string>()));
        Assert.Equal("synapse", info["auth"]!.GetValue<string>());
        Assert.Equal(h.Hs.BotId, (await Run("user", "get", h.Hs.BotId))["user"]!["name"]!.GetValue<string>());
        Assert.Equal(2, (await Run("user", "list"))["total"]!.GetValue<int>());
        Assert.Equal("cli room", (await Run("room", "list", "--search", "cli"))["rooms"]![0]!["name"]!.GetValue<string>());
        if (!synapse167)
        {
            // A room version 12 id has no server part: the CLI takes it as any room id.
            var hydra = await h.Raw.CreateRoomAsync(h.Admin.AccessToken, new JsonObject { ["room_version"] = "12" });
            var room = (await Run("room", "get", hydra))["room"]!;
            Assert.Equal((hydra, "12", h.Hs.AdminId), (room["room_id"]!.GetValue<string>(), room["version"]!.GetValue<string>(), room["creator"]!.GetValue<string>()));
        }

        Assert.Equal(2, (await Run("device", "list", h.Hs.BotId))["devices"]!.AsArray().Count);
        await Run("device", "revoke", h.Hs.BotId, "GONE1");
        Assert.Equal(["KEPT1"], (await Run("device", "list", h.Hs.BotId))["devices"]!.AsArray().Select(d => d!["device_id"]!.GetValue<string>()));
        var minted = (await Run("token", "mint", h.Hs.BotId, "--valid-for", "60"))["token"]!.GetValue<string>();
        Assert.Equal(200, (await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", minted)).Code);

        var bot = await h.Hs.LoginBotAsync("NOTADMIN");
        var denied = await CliRunner.RunAsync(["user", "list", "--no-cache"], new Dictionary<string, string?>(env) { ["MATRIX_ACCESS_TOKEN"] = bot.AccessToken });
        Assert.Equal(1, denied.ExitCode);
        Assert.Contains("You are not a server admin", denied.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the oldest Synapse we support
    public async Task Register_notice_and_api_commands(bool synapse167)
    {
        const string Secret = "cli-registration-secret";
        await using var h = await LibraryHarness.StartAsync(o => (synapse167 ? o with { Compatibility = Homeserver.Configuration.Compatibility.Synapse167 } : o)
            with { RegistrationSharedSecret = Secret, ServerNotices = new Homeserver.Configuration.ServerNoticesSettings("notices") });
        var dir = Directory.CreateTempSubdirectory("solti-cli-register-");
        try
        {
            var secretFile = Path.Combine(dir.FullName, "secret");
            await File.WriteAllTextAsync(secretFile, Secret + "\n");
            File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var env = new Dictionary<string, string?>(h.CliEnvironment(h.Admin.AccessToken)) { ["MATRIX_PASSWORD"] = "gina-pass-1" };

            var created = await CliRunner.RunAsync(["register", "gina", "--admin", "--displayname", "Gina", "--shared-secret-file", secretFile, "--output", "json", "--no-cache"], env);
            Assert.True(created.ExitCode == 0, created.ToString());
            var result = JsonNode.Parse(created.Stdout)!;
            Assert.Equal(("@gina:localhost", true), (result["user_id"]!.GetValue<string>(), result["created"]!.GetValue<bool>()));
            Assert.Equal(200, (await h.Raw.PostAsync("/_matrix/client/v3/login", Solti.Matrix.Testing.MatrixTestClient.LoginBody("gina", "gina-pass-1"))).Code);
            var again = await CliRunner.RunAsync(["register", "@gina:localhost", "--output", "json", "--no-cache"], new Dictionary<string, string?>(env) { ["SOLTI_MATRIX_REGISTRATION_SHARED_SECRET"] = Secret });
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.False(JsonNode.Parse(again.Stdout)!["created"]!.GetValue<bool>());
            var wrong = await CliRunner.RunAsync(["register", "hal", "--no-cache"], new Dictionary<string, string?>(env) { ["SOLTI_MATRIX_REGISTRATION_SHARED_SECRET"] = "wrong-secret-value" });
            Assert.NotEqual(0, wrong.ExitCode);
            Assert.Contains("registration shared secret is wrong", wrong.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-secret-value", wrong.Stdout + wrong.Stderr, StringComparison.Ordinal);
            File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            var open = await CliRunner.RunAsync(["register", "hal", "--shared-secret-file", secretFile, "--no-cache"], env);
            Assert.Contains("refusing it (chmod 600", open.Stderr, StringComparison.Ordinal);

            var notice = await CliRunner.RunAsync(["notice", "send", "--user", h.Hs.BotId, "--message", "maintenance", "--output", "json", "--no-cache"], env);
            Assert.True(notice.ExitCode == 0, notice.ToString());
            Assert.Single(JsonNode.Parse(notice.Stdout)!["event_ids"]!.AsArray());
            var pattern = await CliRunner.RunAsync(["notice", "send", "--pattern", "@*:localhost", "--message", "all", "--output", "json", "--no-cache"], env);
            Assert.True(pattern.ExitCode == 0, pattern.ToString());
            Assert.Equal(["@admin:localhost", "@bot:localhost", "@gina:localhost"], JsonNode.Parse(pattern.Stdout)!["users"]!.AsArray().Select(u => u!.GetValue<string>()));

            var api = await CliRunner.RunAsync(["api", "GET", "/_synapse/admin/v2/users/@gina:localhost", "--output", "json", "--no-cache"], env);
            Assert.True(api.ExitCode == 0, api.ToString());
            Assert.Equal((200, "Gina"), (JsonNode.Parse(api.Stdout)!["status"]!.GetValue<int>(), JsonNode.Parse(api.Stdout)!["json"]!["displayname"]!.GetValue<string>()));
            var missing = await CliRunner.RunAsync(["api", "GET", "/_synapse/admin/v2/users/@nobody:localhost", "--status-code", "200", "--status-code", "404", "--output", "json", "--no-cache"], env);
            Assert.Equal(404, JsonNode.Parse(missing.Stdout)!["status"]!.GetValue<int>());
            var outside = await CliRunner.RunAsync(["api", "GET", "/etc/passwd", "--no-cache"], env);
            Assert.Contains("must start with /_synapse/admin/ or /_matrix/client/", outside.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the oldest Synapse we support
    public async Task History_report_and_background_update_commands(bool synapse167)
    {
        await using var h = await LibraryHarness.StartAsync(o => synapse167 ? o with { Compatibility = Homeserver.Configuration.Compatibility.Synapse167 } : o);
        var roomId = await h.Raw.CreateRoomAsync(h.Admin.AccessToken, new JsonObject { ["name"] = "cli history" });
        var ids = new List<string>();
        foreach (var body in new[] { "one", "two", "three" })
        {
            ids.Add((await h.Raw.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/{body}", new JsonObject { ["msgtype"] = "m.text", ["body"] = body }, h.Admin.AccessToken)).Str("event_id"));
        }

        var env = h.CliEnvironment(h.Admin.AccessToken);
        async Task<ProcessResult> Cli(params string[] args) => await CliRunner.RunAsync([.. args, "--output", "json", "--no-cache"], env);
        async Task<JsonNode> Run(params string[] args)
        {
            var run = await Cli(args);
            Assert.True(run.ExitCode == 0, run.ToString());
            return JsonNode.Parse(run.Stdout)!;
        }

        var purged = await Run("room", "purge-history", roomId, "--before", ids[2], "--delete-local-events");
        Assert.Equal("complete", purged["purge_status"]!.GetValue<string>());
        Assert.Equal(["three"], (await h.MessagesAsync(roomId, h.Admin.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));
        var badPoint = await Cli("room", "purge-history", roomId, "--before", "last tuesday");
        Assert.Equal(2, badPoint.ExitCode);
        Assert.Contains("--before must be a timestamp in milliseconds", badPoint.Stderr, StringComparison.Ordinal);

        Assert.Equal(200, (await h.Raw.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/report/{Uri.EscapeDataString(ids[2])}", new JsonObject { ["reason"] = "spam" }, h.Admin.AccessToken)).Code);
        var reports = await Run("report", "list", "--room", roomId);
        Assert.Equal(1, reports["total"]!.GetValue<int>());
        var id = reports["reports"]![0]!["id"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("three", (await Run("report", "get", id))["event_json"]!["content"]!["body"]!.GetValue<string>());
        var delete = await Cli("report", "delete", id);
        if (synapse167)
        {
            Assert.Equal(7, delete.ExitCode); // not offered there
            Assert.Contains("needs Synapse 1.79 or later", delete.Stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(delete.ExitCode == 0, delete.ToString());
            Assert.Equal(4, (await Cli("report", "get", id)).ExitCode);
            Assert.False((await Run("report", "delete", id))["deleted"]!.GetValue<bool>());
        }

        Assert.True((await Run("background-updates"))["enabled"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the oldest Synapse we support
    public async Task User_moderation_commands_and_the_list_filters_answer_the_same_on_every_release(bool synapse167)
    {
        await using var h = await LibraryHarness.StartAsync(o => (synapse167 ? o with { Compatibility = Homeserver.Configuration.Compatibility.Synapse167 } : o)
            with { AccountValidity = new Homeserver.Configuration.AccountValiditySettings { Enabled = true, Period = TimeSpan.FromDays(30) } });
        Assert.Equal(200, (await h.Raw.PutAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc(h.Hs.BotId), new JsonObject { ["user_type"] = "bot" }, h.Admin.AccessToken)).Code);
        var env = h.CliEnvironment(h.Admin.AccessToken);
        async Task<JsonNode> Run(params string[] args)
        {
            var run = await CliRunner.RunAsync([.. args, "--output", "json", "--no-cache"], env);
            Assert.True(run.ExitCode == 0, run.ToString());
            return JsonNode.Parse(run.Stdout)!;
        }

        static IEnumerable<string> Names(JsonNode list) => list["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>());
        var nonAdmins = await Run("user", "list", "--admins", "false");
        Assert.Equal([h.Hs.BotId], Names(nonAdmins));
        Assert.Equal(1, nonAdmins["total"]!.GetValue<int>());
        Assert.Equal([h.Hs.BotId], Names(await Run("user", "list", "--user-type", "bot")));
        Assert.Equal([h.Hs.AdminId], Names(await Run("user", "list", "--user-type", "none")));

        Assert.True((await Run("user", "shadow-ban", h.Hs.BotId))["changed"]!.GetValue<bool>());
        Assert.False((await Run("user", "shadow-ban", h.Hs.BotId))["changed"]!.GetValue<bool>());
        Assert.True(MatrixTestClient.Flag((await h.Raw.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc(h.Hs.BotId), h.Admin.AccessToken)).Object["shadow_banned"]));
        Assert.False((await Run("user", "shadow-ban", h.Hs.BotId, "--off"))["shadow_banned"]!.GetValue<bool>());

        var expiry = await Run("user", "validity", h.Hs.BotId, "--expires-at", "2030-01-01T00:00:00Z");
        Assert.Equal(1893456000000, expiry["expiration_ts"]!.GetValue<long>());
        var badExpiry = await CliRunner.RunAsync(["user", "validity", h.Hs.BotId, "--expires-at", "soon", "--no-cache"], env);
        Assert.NotEqual(0, badExpiry.ExitCode);
        Assert.Contains("--expires-at must be a timestamp in milliseconds", badExpiry.Stderr, StringComparison.Ordinal);

        var redact = await CliRunner.RunAsync(["user", "redact", h.Hs.BotId, "--reason", "spam", "--output", "json", "--no-cache"], env);
        if (synapse167)
        {
            Assert.Equal(7, redact.ExitCode); // unsupported by the server
            Assert.Contains("needs Synapse 1.116 or later", redact.Stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(redact.ExitCode == 0, redact.ToString());
            var done = JsonNode.Parse(redact.Stdout)!;
            Assert.Equal("complete", done["status"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(done["redact_id"]!.GetValue<string>()));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the oldest Synapse we support
    public async Task Config_plan_shows_the_writes_and_apply_converges_once(bool synapse167)
    {
        await using var h = await LibraryHarness.StartAsync(o => synapse167 ? o with { Compatibility = Homeserver.Configuration.Compatibility.Synapse167 } : o);
        var file = Path.Combine(Path.GetTempPath(), $"solti-config-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            domain: localhost
            users:
              - user_id: "@ops-bot"
                displayname: Ops Bot
                user_type: bot
            rooms:
              - alias: ops
                name: Operations
                topic: "deploys: and alerts"
                members: ["@ops-bot", {user_id: "@bot", power_level: 50}]
            """);
        var env = h.CliEnvironment(h.Admin.AccessToken);
        try
        {
            var plan = await CliRunner.RunAsync(["config", "plan", file, "--diff", "--no-cache"], env);
            Assert.True(plan.ExitCode == 0, plan.ToString());
            Assert.Contains("plan: 4 action(s)", plan.Stdout, StringComparison.Ordinal);
            Assert.Contains("create_room #ops:localhost", plan.Stdout, StringComparison.Ordinal);
            Assert.Contains("topic: \"deploys: and alerts\"", plan.Stdout, StringComparison.Ordinal);
            Assert.Equal(404, (await h.Raw.GetAsync("/_matrix/client/v3/directory/room/%23ops%3Alocalhost")).Code);

            var apply = await CliRunner.RunAsync(["config", "apply", file, "--output", "json", "--no-cache"], env);
            Assert.True(apply.ExitCode == 0, apply.ToString());
            var report = JsonNode.Parse(apply.Stdout)!;
            Assert.Equal(1, report["summary"]!["rooms_created"]!.GetValue<int>());
            Assert.DoesNotContain("[4/4]", apply.Stderr, StringComparison.Ordinal); // progress is for a terminal (CliTerminalTests)
            var roomId = (await h.Raw.GetAsync("/_matrix/client/v3/directory/room/%23ops%3Alocalhost")).Object["room_id"]!.GetValue<string>();
            var members = await h.Raw.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/joined_members", h.Admin.AccessToken);
            Assert.Equal(3, members.Object["joined"]!.AsObject().Count);

            var again = await CliRunner.RunAsync(["config", "apply", file, "--no-cache"], env);
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Contains("no changes", again.Stdout, StringComparison.Ordinal);

            await File.WriteAllTextAsync(file, "domain: localhost\nrooms:\n  - alias: ops\n    members: [{user_id: \"\"}]\n");
            var bad = await CliRunner.RunAsync(["config", "apply", file, "--no-cache"], env);
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("rooms[0].members[0].user_id", bad.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Exit_codes_say_what_went_wrong()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("CODES");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        var env = Env(h, bot.AccessToken);

        var usage = await CliRunner.RunAsync(["send", roomId, "--text", "x"]);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("MATRIX_HOMESERVER_URL", usage.Stderr, StringComparison.Ordinal);

        var badRoom = await CliRunner.RunAsync(Send(h, "!abc:local host", "x"), env);
        Assert.Equal(2, badRoom.ExitCode);
        Assert.Contains("room must be a room id (!id:server) or an alias (#alias:server): the server name 'local host'", badRoom.Stderr, StringComparison.Ordinal);
        var badUser = await CliRunner.RunAsync([.. Send(h, roomId, "x"), "--user", "@bo b:localhost"], env);
        Assert.Equal(2, badUser.ExitCode);
        Assert.Contains("--user must be a full Matrix user id such as @bot:example.com: the local part has a space", badUser.Stderr, StringComparison.Ordinal);

        var notFound = await CliRunner.RunAsync(Send(h, "#missing:localhost", "x"), env);
        Assert.Equal(4, notFound.ExitCode);
        Assert.Equal("M_NOT_FOUND", JsonNode.Parse(notFound.Stdout)!["errcode"]!.GetValue<string>());

        var auth = await CliRunner.RunAsync(Send(h, roomId, "x"), new Dictionary<string, string?>(env) { ["MATRIX_ACCESS_TOKEN"] = "syt_bad", ["MATRIX_PASSWORD"] = "wrong" });
        Assert.Equal(3, auth.ExitCode);
        Assert.Contains("bad credentials", auth.Stderr, StringComparison.Ordinal);

        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 429, ["retry_after_ms"] = 600_000, ["count"] = 1 });
        var limited = await CliRunner.RunAsync(Send(h, roomId, "x"), env);
        Assert.Equal(5, limited.ExitCode);
        Assert.Contains("asked to wait 600 s", limited.Stderr, StringComparison.Ordinal);

        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 502, ["count"] = null });
        var server = await CliRunner.RunAsync(Send(h, roomId, "x", "--budget", "1"), env);
        Assert.Equal(6, server.ExitCode);

        Assert.Empty(await h.MessagesAsync(roomId, bot.AccessToken));
    }

    [Fact]
    public async Task Verbose_output_and_errors_never_show_a_token_or_a_password()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("VERBOSE");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.ExpireAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = 1 });

        var run = await CliRunner.RunAsync([.. Send(h, roomId, "verbose"), "--verbose"], Env(h, bot.AccessToken));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("recovered by password login", run.Stderr, StringComparison.Ordinal);

        var fresh = h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId)!;
        foreach (var output in CliRunner.AllRuns.Append(run))
        {
            foreach (var secret in new[] { bot.AccessToken, fresh.AccessToken, TestHomeserver.BotPassword, TestHomeserver.AdminPassword, h.Admin.AccessToken })
            {
                Assert.DoesNotContain(secret, output.Stdout, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, output.Stderr, StringComparison.Ordinal);
            }
        }
    }
}
