using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>What media tests share: uploads as the bot, and the server's view of a user's media.</summary>
internal static class MediaFixture
{
    private static readonly HttpClient Http = new();

    public static async Task<string> UploadAsync(TestHomeserver hs, string token, int length)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hs.Client.BaseAddress, "/_matrix/media/v3/upload")) { Content = new ByteArrayContent(new byte[length]) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/octet-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        var uri = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["content_uri"]!.GetValue<string>();
        return uri[(uri.LastIndexOf('/') + 1)..];
    }

    /// <summary>The user's media by id, as the admin API lists them.</summary>
    public static async Task<Dictionary<string, JsonObject>> MediaOfAsync(TestHomeserver hs, string adminToken, string userId) =>
        (await hs.Client.GetAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(userId)}/media", adminToken)).Object["media"]!.AsArray()
            .ToDictionary(m => m!["media_id"]!.GetValue<string>(), m => m!.AsObject(), StringComparer.Ordinal);
}

/// <summary><c>synapse_media</c> from playbooks: quarantine and protection of one medium, a user's and a room's media,
/// deletion of one medium and by age and size, the remote cache's purge; check mode writes nothing, a second run changes
/// nothing, bad input fails before any request.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseMediaPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_media", "media")
{
    /// <summary>Whether the server queries one medium (Synapse 1.140+); on 1.67 the uploader is named instead.</summary>
    protected virtual bool QueriesOne => true;

    private string Uploader => QueriesOne ? "" : $"\nuser_id: \"{Hs.BotId}\"";

    private async Task<string> UploadAsync(int length) => await MediaFixture.UploadAsync(Hs, (await Hs.LoginBotAsync()).AccessToken, length);

    private async Task<JsonObject> ServerMediumAsync(string mediaId) => (await MediaFixture.MediaOfAsync(Hs, Admin.AccessToken, Hs.BotId))[mediaId];

    [Fact]
    public async Task Quarantine_and_protection_of_one_medium_converge_and_check_mode_writes_nothing()
    {
        var mediaId = await UploadAsync(3);
        var mxc = $"mxc://{Hs.ServerName}/{mediaId}";
        var check = (await RunAsync($"media_id: \"{mxc}\"\nquarantined: true{Uploader}", "--check", "--diff")).Task("media");
        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.True(check["diff"]!["after"]!["quarantined"]!.GetValue<bool>());
        Assert.Null((await ServerMediumAsync(mediaId))["quarantined_by"]);

        var quarantined = (await RunAsync($"media_id: \"{mxc}\"\nquarantined: true{Uploader}")).Task("media");
        Assert.True(quarantined["changed"]!.GetValue<bool>(), quarantined.ToJsonString());
        Assert.Equal(["quarantined"], quarantined["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(Hs.AdminId, (await ServerMediumAsync(mediaId))["quarantined_by"]!.GetValue<string>());
        Assert.False((await RunAsync($"media_id: \"{Hs.ServerName}/{mediaId}\"\nquarantined: true{Uploader}")).Task("media")["changed"]!.GetValue<bool>());

        // Quarantined and protected at once: protection after the quarantine, so both hold.
        var both = (await RunAsync($"media_id: \"{mxc}\"\nquarantined: true\nprotected: true{Uploader}")).Task("media");
        Assert.True(both["changed"]!.GetValue<bool>());
        var server = await ServerMediumAsync(mediaId);
        Assert.True(server["safe_from_quarantine"]!.GetValue<bool>());
        Assert.NotNull(server["quarantined_by"]);
        Assert.False((await RunAsync($"media_id: \"{mxc}\"\nquarantined: true\nprotected: true{Uploader}")).Task("media")["changed"]!.GetValue<bool>());

        var released = (await RunAsync($"media_id: \"{mxc}\"\nquarantined: false\nprotected: false{Uploader}")).Task("media");
        Assert.Equal(["quarantined", "protected"], released["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        server = await ServerMediumAsync(mediaId);
        Assert.Null(server["quarantined_by"]);
        Assert.False(server["safe_from_quarantine"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Without_a_way_to_read_one_medium_the_change_is_made_and_said()
    {
        var mediaId = await UploadAsync(1);
        var first = (await RunAsync($"media_id: \"{Hs.ServerName}/{mediaId}\"\nprotected: true")).Task("media");
        var again = (await RunAsync($"media_id: \"{Hs.ServerName}/{mediaId}\"\nprotected: true")).Task("media");
        Assert.True(first["changed"]!.GetValue<bool>());
        Assert.True((await ServerMediumAsync(mediaId))["safe_from_quarantine"]!.GetValue<bool>());
        if (QueriesOne)
        {
            Assert.False(again["changed"]!.GetValue<bool>());
            Assert.Null(again["note"]);
        }
        else
        {
            Assert.True(again["changed"]!.GetValue<bool>()); // Synapse 1.67 cannot tell: changed, and the note says why
            Assert.Contains("needs Synapse 1.140 or later", again["note"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Deleting_one_medium_is_stateful_and_remote_or_unknown_media_fail_with_the_servers_errcode()
    {
        var mediaId = await UploadAsync(2);
        var check = (await RunAsync($"media_id: \"mxc://{Hs.ServerName}/{mediaId}\"\nstate: absent{Uploader}", "--check")).Task("media");
        Assert.True(check["changed"]!.GetValue<bool>());
        Assert.Contains(mediaId, (await MediaFixture.MediaOfAsync(Hs, Admin.AccessToken, Hs.BotId)).Keys);

        var deleted = (await RunAsync($"media_id: \"mxc://{Hs.ServerName}/{mediaId}\"\nstate: absent{Uploader}")).Task("media");
        Assert.True(deleted["changed"]!.GetValue<bool>());
        Assert.Equal([mediaId], deleted["deleted_media"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(1, deleted["total"]!.GetValue<int>());
        Assert.DoesNotContain(mediaId, (await MediaFixture.MediaOfAsync(Hs, Admin.AccessToken, Hs.BotId)).Keys);
        var again = (await RunAsync($"media_id: \"mxc://{Hs.ServerName}/{mediaId}\"\nstate: absent")).Task("media");
        Assert.False(again["changed"]!.GetValue<bool>(), again.ToJsonString());

        var unknown = (await RunAsync($"media_id: \"mxc://{Hs.ServerName}/{mediaId}\"\nquarantined: true{Uploader}")).Task("media");
        Assert.True(unknown["failed"]!.GetValue<bool>());
        Assert.Equal("M_NOT_FOUND", unknown["errcode"]!.GetValue<string>());
        var remote = (await RunAsync("media_id: \"mxc://other.example/AbCdEf\"\nstate: absent")).Task("media");
        Assert.True(remote["failed"]!.GetValue<bool>(), remote.ToJsonString());
        Assert.Contains("Can only delete local media", remote["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_users_media_are_quarantined_except_the_protected_and_a_second_run_changes_nothing()
    {
        var plain = await UploadAsync(1);
        var safe = await UploadAsync(2);
        Assert.True((await RunAsync($"media_id: \"{Hs.ServerName}/{safe}\"\nprotected: true{Uploader}")).Task("media")["changed"]!.GetValue<bool>());
        var check = (await RunAsync($"user_id: \"{Hs.BotId}\"\nquarantined: true", "--check")).Task("media");
        Assert.Equal((true, 1), (check["changed"]!.GetValue<bool>(), check["num_quarantined"]!.GetValue<int>()));
        Assert.Null((await ServerMediumAsync(plain))["quarantined_by"]);

        var run = (await RunAsync($"user_id: \"{Hs.BotId}\"\nquarantined: true")).Task("media");
        Assert.Equal((true, 1), (run["changed"]!.GetValue<bool>(), run["num_quarantined"]!.GetValue<int>()));
        Assert.NotNull((await ServerMediumAsync(plain))["quarantined_by"]);
        Assert.Null((await ServerMediumAsync(safe))["quarantined_by"]);
        Assert.False((await RunAsync($"user_id: \"{Hs.BotId}\"\nquarantined: true")).Task("media")["changed"]!.GetValue<bool>());

        var release = (await RunAsync($"user_id: \"{Hs.BotId}\"\nquarantined: false")).Task("media");
        Assert.True(release["changed"]!.GetValue<bool>());
        Assert.Null((await ServerMediumAsync(plain))["quarantined_by"]);
        Assert.False((await RunAsync($"user_id: \"{Hs.BotId}\"\nquarantined: false")).Task("media")["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_rooms_media_are_quarantined_and_the_result_says_encrypted_media_are_not_listed()
    {
        var bot = await Hs.LoginBotAsync();
        var roomId = await Hs.Client.CreateRoomAsync(bot.AccessToken);
        var mediaId = await MediaFixture.UploadAsync(Hs, bot.AccessToken, 4);
        var content = new JsonObject { ["msgtype"] = "m.image", ["body"] = "cat.png", ["url"] = $"mxc://{Hs.ServerName}/{mediaId}" };
        Assert.Equal(200, (await Hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/t1", content, bot.AccessToken)).Code);

        var run = (await RunAsync($"room_id: \"{roomId}\"\nquarantined: true")).Task("media");
        Assert.True(run["changed"]!.GetValue<bool>(), run.ToJsonString());
        Assert.Equal(1, run["num_quarantined"]!.GetValue<int>());
        Assert.Equal([$"mxc://{Hs.ServerName}/{mediaId}"], run["local"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Contains("encrypted", run["note"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull((await ServerMediumAsync(mediaId))["quarantined_by"]);
        // A second run changes nothing where one medium can be read; Synapse 1.67 cannot tell, and says so.
        var again = (await RunAsync($"room_id: \"{roomId}\"\nquarantined: true")).Task("media");
        Assert.Equal(!QueriesOne, again["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Local_media_are_deleted_by_age_and_size_and_the_remote_cache_purged()
    {
        var small = await UploadAsync(1);
        var big = await UploadAsync(2048);
        var before = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        var check = (await RunAsync($"state: absent\nolder_than: \"{before}\"\nlarger_than: 1K", "--check")).Task("media");
        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Equal([big], check["deleted_media"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Contains(big, (await MediaFixture.MediaOfAsync(Hs, Admin.AccessToken, Hs.BotId)).Keys);

        var run = (await RunAsync($"state: absent\nolder_than: \"{before}\"\nlarger_than: 1K")).Task("media");
        Assert.Equal([big], run["deleted_media"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(before, run["before_ts"]!.GetValue<long>());
        Assert.Equal([small], (await MediaFixture.MediaOfAsync(Hs, Admin.AccessToken, Hs.BotId)).Keys);
        Assert.False((await RunAsync($"state: absent\nolder_than: \"{before}\"\nlarger_than: 1K")).Task("media")["changed"]!.GetValue<bool>());

        var purgeCheck = (await RunAsync("purge_remote_before: 30d", "--check")).Task("media");
        Assert.True(purgeCheck["changed"]!.GetValue<bool>());
        Assert.Contains("cannot tell", purgeCheck["note"]!.GetValue<string>(), StringComparison.Ordinal);
        var purge = (await RunAsync("purge_remote_before: 30d")).Task("media");
        Assert.Equal((false, 0), (purge["changed"]!.GetValue<bool>(), purge["deleted"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Bad_input_fails_clearly_before_any_request()
    {
        var before = Hs.Server.Server.Counters.Snapshot().Values.Sum();
        await FailsAsync("media_id: nope\nquarantined: true", "media_id: expected mxc://server/media-id or server/media-id");
        await FailsAsync($"media_id: \"{Hs.ServerName}/AbCd\"\nroom_id: \"!r:{Hs.ServerName}\"\nquarantined: true", "mutually exclusive: media_id|room_id");
        await FailsAsync("state: absent\nolder_than: soon", "older_than: expected a duration such as 30d");
        await FailsAsync("state: absent\nolder_than: \"1700000000\"", "before 1971");
        await FailsAsync("state: absent\nolder_than: 30d\nlarger_than: lots", "larger_than: expected a number of bytes");
        await FailsAsync($"media_id: \"{Hs.ServerName}/AbCd\"\nstate: absent\nquarantined: true", "quarantined and protected do not apply");
        await FailsAsync($"purge_remote_before: 30d\nuser_id: \"{Hs.BotId}\"", "purge_remote_before purges the whole remote media cache");
        Assert.Equal(before, Hs.Server.Server.Counters.Snapshot().Values.Sum());
    }
}

/// <summary><see cref="SynapseMediaPlaybookTests"/> on Synapse 1.67's profile (no query of one medium, the older
/// delete-by-age path).</summary>
public sealed class SynapseMediaPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseMediaPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;

    protected override bool QueriesOne => false;
}

/// <summary><c>synapse_media_info</c> from playbooks: a user's media paged and ordered, a room's, one medium.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseMediaInfoPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_media_info", "media")
{
    protected virtual bool QueriesOne => true;

    [Fact]
    public async Task Lists_a_users_media_in_order_across_pages_a_rooms_media_and_one_medium()
    {
        var bot = await Hs.LoginBotAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await MediaFixture.UploadAsync(Hs, bot.AccessToken, 10 * (i + 1)));
        }

        var listed = (await RunAsync($"user_id: \"{Hs.BotId}\"\norder_by: media_length\ndir: b\nlimit: 2", "--check")).Task("media");
        Assert.False(listed["changed"]!.GetValue<bool>());
        Assert.Equal(3, listed["total"]!.GetValue<int>());
        Assert.Equal([ids[2], ids[1]], listed["media"]!.AsArray().Select(m => m!["media_id"]!.GetValue<string>()));

        var roomId = await Hs.Client.CreateRoomAsync(bot.AccessToken);
        var content = new JsonObject { ["msgtype"] = "m.file", ["body"] = "f", ["url"] = $"mxc://{Hs.ServerName}/{ids[0]}" };
        Assert.Equal(200, (await Hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/t1", content, bot.AccessToken)).Code);
        var room = (await RunAsync($"room_id: \"{roomId}\"")).Task("media");
        Assert.Equal([$"mxc://{Hs.ServerName}/{ids[0]}"], room["local"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Contains("encrypted", room["note"]!.GetValue<string>(), StringComparison.Ordinal);

        var one = (await RunAsync($"media_id: \"mxc://{Hs.ServerName}/{ids[1]}\"")).Task("media");
        if (QueriesOne)
        {
            Assert.Equal(20, one["media"]![0]!["media_length"]!.GetValue<int>());
        }
        else
        {
            Assert.True(one["failed"]!.GetValue<bool>());
            Assert.Contains("needs Synapse 1.140 or later", one["msg"]!.GetValue<string>(), StringComparison.Ordinal);
            var found = (await RunAsync($"media_id: \"mxc://{Hs.ServerName}/{ids[1]}\"\nuser_id: \"{Hs.BotId}\"")).Task("media");
            Assert.Equal(20, found["media"]![0]!["media_length"]!.GetValue<int>());
            Assert.Contains("media list", found["note"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bad_input_fails_clearly()
    {
        await FailsAsync("limit: 5", "one of the following is required: media_id, room_id, user_id");
        await FailsAsync("media_id: nope", "media_id: expected mxc://");
        await FailsAsync("user_id: \"@x:other.example\"", "Can only look up local users");
    }
}

/// <summary><see cref="SynapseMediaInfoPlaybookTests"/> on Synapse 1.67's profile.</summary>
public sealed class SynapseMediaInfoPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseMediaInfoPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;

    protected override bool QueriesOne => false;
}

/// <summary>The same tests on a homeserver that delegates authentication to MAS: what they manage is Synapse's there too,
/// through the Synapse admin token.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseMediaPlaybookTestsOnMas(InstalledCollection collection) : SynapseMediaPlaybookTests(collection)
{
    protected override bool OnMas => true;
}

/// <summary>The same tests on a homeserver that delegates authentication to MAS: what they manage is Synapse's there too,
/// through the Synapse admin token.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseMediaInfoPlaybookTestsOnMas(InstalledCollection collection) : SynapseMediaInfoPlaybookTests(collection)
{
    protected override bool OnMas => true;
}
