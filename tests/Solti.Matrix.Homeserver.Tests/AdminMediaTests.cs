using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The media admin API as Synapse's <c>synapse/rest/admin/media.py</c>: quarantine and its 404 on download,
/// protection, one medium's info (1.140+), deletion of one medium and by age and size, a room's and a user's media, the
/// remote cache's purge; <see cref="AdminMediaTestsOnSynapse167"/> runs them on 1.67's profile.</summary>
[Trait("tier", "integration")]
public class AdminMediaTests : ProfiledTests
{
    private const string V1 = "/_synapse/admin/v1";

    private static readonly HttpClient Http = new();

    protected virtual bool Current => true;

    [Fact]
    public async Task Quarantine_hides_a_download_as_unknown_media_and_protected_media_are_skipped()
    {
        await using var hs = await StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var plain = await UploadAsync(hs, bot, [1, 2, 3]);
        var safe = await UploadAsync(hs, bot, [4, 5]);

        Assert.Equal(200, (await hs.Client.PostAsync($"{V1}/media/protect/{safe}", null, admin)).Code);
        var quarantined = await hs.Client.PostAsync($"{V1}/media/quarantine/{hs.ServerName}/{plain}", null, admin);
        Assert.Equal((200, "{}"), (quarantined.Code, quarantined.Text));
        Assert.Equal(200, (await hs.Client.PostAsync($"{V1}/media/quarantine/{hs.ServerName}/{safe}", null, admin)).Code);
        Assert.Equal(200, (await hs.Client.PostAsync($"{V1}/media/quarantine/{hs.ServerName}/nosuchmedia", null, admin)).Code); // Synapse answers {} for unknown media

        using var hidden = await DownloadAsync(hs, plain, bot);
        Assert.Equal(404, (int)hidden.StatusCode);
        Assert.Equal("M_NOT_FOUND", JsonNode.Parse(await hidden.Content.ReadAsStringAsync())!["errcode"]!.GetValue<string>());
        using var served = await DownloadAsync(hs, safe, bot);
        Assert.Equal(200, (int)served.StatusCode);

        var list = (await hs.Client.GetAsync($"{V1}/users/{Enc(hs.BotId)}/media?order_by=media_length&dir=b", admin)).Object;
        Assert.Equal(2, list["total"]!.GetValue<int>());
        var entries = list["media"]!.AsArray();
        Assert.Equal([plain, safe], entries.Select(m => m!["media_id"]!.GetValue<string>()));
        Assert.Equal(hs.AdminId, entries[0]!["quarantined_by"]!.GetValue<string>());
        Assert.Null(entries[1]!["quarantined_by"]);
        Assert.True(entries[1]!["safe_from_quarantine"]!.GetValue<bool>());
        Assert.Equal(Current, entries[0]!.AsObject().ContainsKey("sha256"));

        Assert.Equal(200, (await hs.Client.PostAsync($"{V1}/media/unquarantine/{hs.ServerName}/{plain}", null, admin)).Code);
        using var back = await DownloadAsync(hs, plain, bot);
        Assert.Equal(200, (int)back.StatusCode);
        Assert.Equal(403, (await hs.Client.PostAsync($"{V1}/media/quarantine/{hs.ServerName}/{plain}", null, bot)).Code);
    }

    [Fact]
    public async Task One_medium_is_queried_only_where_the_release_serves_it()
    {
        await using var hs = await StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var mediaId = await UploadAsync(hs, (await hs.LoginBotAsync()).AccessToken, [7]);
        var info = await hs.Client.GetAsync($"{V1}/media/{hs.ServerName}/{mediaId}", admin);
        if (!Current)
        {
            Assert.Equal((400, "M_UNRECOGNIZED"), (info.Code, info.Errcode)); // 1.67: the path answers DELETE only
            return;
        }

        var medium = info.Object["media_info"]!;
        Assert.Equal((mediaId, hs.BotId, 1L), (medium["media_id"]!.GetValue<string>(), medium["user_id"]!.GetValue<string>(), medium["media_length"]!.GetValue<long>()));
        Assert.Null(medium["quarantined_by"]);
        Assert.False(medium["safe_from_quarantine"]!.GetValue<bool>());
        var unknown = await hs.Client.GetAsync($"{V1}/media/{hs.ServerName}/nosuchmedia", admin);
        Assert.Equal((404, "M_NOT_FOUND", "Unknown media"), (unknown.Code, unknown.Errcode, unknown.Object["error"]!.GetValue<string>()));
        Assert.Equal(404, (await hs.Client.GetAsync($"{V1}/media/other.example/{mediaId}", admin)).Code); // no remote media cached
    }

    [Fact]
    public async Task Deleting_one_medium_removes_its_file_and_refuses_unknown_and_remote_media()
    {
        await using var hs = await StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var mediaId = await UploadAsync(hs, bot, [1]);
        var deleted = await hs.Client.DeleteAsync($"{V1}/media/{hs.ServerName}/{mediaId}", admin);
        Assert.Equal(200, deleted.Code);
        Assert.Equal([mediaId], deleted.Object["deleted_media"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(1, deleted.Object["total"]!.GetValue<int>());
        using var gone = await DownloadAsync(hs, mediaId, bot);
        Assert.Equal(404, (int)gone.StatusCode);

        var again = await hs.Client.DeleteAsync($"{V1}/media/{hs.ServerName}/{mediaId}", admin);
        Assert.Equal((404, "M_NOT_FOUND"), (again.Code, again.Errcode));
        var remote = await hs.Client.DeleteAsync($"{V1}/media/other.example/{mediaId}", admin);
        Assert.Equal((400, "M_UNKNOWN", "Can only delete local media"), (remote.Code, remote.Errcode, remote.Object["error"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Delete_by_age_and_size_keeps_quarantined_protected_and_avatar_media()
    {
        await using var hs = await StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var small = await UploadAsync(hs, bot, [1]);
        var big = await UploadAsync(hs, bot, new byte[100]);
        var quarantined = await UploadAsync(hs, bot, new byte[100]);
        var safe = await UploadAsync(hs, bot, new byte[100]);
        var avatar = await UploadAsync(hs, bot, new byte[100]);
        await hs.Client.PostAsync($"{V1}/media/quarantine/{hs.ServerName}/{quarantined}", null, admin);
        await hs.Client.PostAsync($"{V1}/media/protect/{safe}", null, admin);
        Assert.Equal(200, (await hs.Client.PutAsync($"/_synapse/admin/v2/users/{Enc(hs.BotId)}", new JsonObject { ["avatar_url"] = $"mxc://{hs.ServerName}/{avatar}" }, admin)).Code);
        var before = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();

        var seconds = await hs.Client.PostAsync($"{V1}/media/{hs.ServerName}/delete?before_ts=1700000000", null, admin);
        Assert.Equal((400, "M_INVALID_PARAM"), (seconds.Code, seconds.Errcode));
        var missing = await hs.Client.PostAsync($"{V1}/media/{hs.ServerName}/delete", null, admin);
        Assert.Equal((400, "M_MISSING_PARAM"), (missing.Code, missing.Errcode));
        var other = await hs.Client.PostAsync($"{V1}/media/other.example/delete?before_ts={before}", null, admin);
        Assert.Equal((400, "Can only delete local media"), (other.Code, other.Object["error"]!.GetValue<string>()));

        var modern = await hs.Client.PostAsync($"{V1}/media/delete?before_ts={before}&size_gt=10", null, admin);
        ClientResponse bySize;
        if (Current)
        {
            bySize = modern;
        }
        else
        {
            Assert.Equal((400, "M_UNRECOGNIZED"), (modern.Code, modern.Errcode)); // 1.78 added /v1/media/delete
            bySize = await hs.Client.PostAsync($"{V1}/media/{hs.ServerName}/delete?before_ts={before}&size_gt=10", null, admin);
        }

        Assert.Equal(200, bySize.Code);
        Assert.Equal([big], bySize.Object["deleted_media"]!.AsArray().Select(m => m!.GetValue<string>()));
        var withProfiles = await hs.Client.PostAsync($"{V1}/media/{hs.ServerName}/delete?before_ts={before}&keep_profiles=false", null, admin);
        Assert.Equal(new[] { avatar, small }.Order(StringComparer.Ordinal), withProfiles.Object["deleted_media"]!.AsArray().Select(m => m!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(2, withProfiles.Object["total"]!.GetValue<int>());
        var left = (await hs.Client.GetAsync($"{V1}/users/{Enc(hs.BotId)}/media", admin)).Object;
        Assert.Equal(new[] { quarantined, safe }.Order(StringComparer.Ordinal), left["media"]!.AsArray().Select(m => m!["media_id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var purge = await hs.Client.PostAsync($"{V1}/purge_media_cache?before_ts={before}", null, admin);
        Assert.Equal((200, """{"deleted":0}"""), (purge.Code, purge.Text));
    }

    [Fact]
    public async Task A_rooms_media_come_from_its_unencrypted_events_and_its_quarantine_counts_what_it_set()
    {
        await using var hs = await StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(admin);
        var image = await UploadAsync(hs, admin, [1]);
        var thumb = await UploadAsync(hs, admin, [2]);
        var safe = await UploadAsync(hs, admin, [3]);
        var secret = await UploadAsync(hs, admin, [4]);
        await SendAsync(hs, admin, roomId, "m.room.message", new JsonObject
        {
            ["msgtype"] = "m.image", ["body"] = "i", ["url"] = $"mxc://{hs.ServerName}/{image}",
            ["info"] = new JsonObject { ["thumbnail_url"] = $"mxc://{hs.ServerName}/{thumb}" },
        });
        await SendAsync(hs, admin, roomId, "m.room.message", new JsonObject { ["msgtype"] = "m.file", ["body"] = "f", ["url"] = $"mxc://{hs.ServerName}/{safe}" });
        await SendAsync(hs, admin, roomId, "m.room.message", new JsonObject { ["msgtype"] = "m.file", ["body"] = "r", ["url"] = "mxc://other.example/RemoteMedia" });
        await SendAsync(hs, admin, roomId, "m.room.encrypted", new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2", ["ciphertext"] = "x", ["file_hint"] = secret });

        var list = (await hs.Client.GetAsync($"{V1}/room/{Enc(roomId)}/media", admin)).Object;
        Assert.Equal([$"mxc://{hs.ServerName}/{safe}", $"mxc://{hs.ServerName}/{image}", $"mxc://{hs.ServerName}/{thumb}"], list["local"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(["mxc://other.example/RemoteMedia"], list["remote"]!.AsArray().Select(m => m!.GetValue<string>()));

        await hs.Client.PostAsync($"{V1}/media/protect/{safe}", null, admin);
        var quarantined = await hs.Client.PostAsync($"{V1}/room/{Enc(roomId)}/media/quarantine", null, admin);
        Assert.Equal((200, 2), (quarantined.Code, quarantined.Object["num_quarantined"]!.GetValue<int>()));
        var byUser = await hs.Client.PostAsync($"{V1}/user/{Enc(hs.AdminId)}/media/quarantine", null, admin);
        Assert.Equal(1, byUser.Object["num_quarantined"]!.GetValue<int>()); // only the encrypted event's medium was left
        var empty = (await hs.Client.GetAsync($"{V1}/room/{Enc("!nosuchroom:" + hs.ServerName)}/media", admin)).Object;
        Assert.Empty(empty["local"]!.AsArray());
    }

    [Fact]
    public async Task A_users_media_page_with_next_token_and_refuse_remote_and_unknown_users()
    {
        await using var hs = await StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await UploadAsync(hs, bot, new byte[i + 1]));
        }

        var first = (await hs.Client.GetAsync($"{V1}/users/{Enc(hs.BotId)}/media?limit=2&order_by=media_length&dir=f", admin)).Object;
        Assert.Equal((3, 2), (first["total"]!.GetValue<int>(), first["next_token"]!.GetValue<int>()));
        Assert.Equal(ids.Take(2), first["media"]!.AsArray().Select(m => m!["media_id"]!.GetValue<string>()));
        var second = (await hs.Client.GetAsync($"{V1}/users/{Enc(hs.BotId)}/media?from=2&limit=2&order_by=media_length", admin)).Object;
        Assert.Equal([ids[2]], second["media"]!.AsArray().Select(m => m!["media_id"]!.GetValue<string>()));
        Assert.False(second.ContainsKey("next_token"));

        var remote = await hs.Client.GetAsync($"{V1}/users/{Enc("@x:other.example")}/media", admin);
        Assert.Equal((400, "Can only look up local users"), (remote.Code, remote.Object["error"]!.GetValue<string>()));
        Assert.Equal((404, "M_NOT_FOUND"), ((await hs.Client.GetAsync($"{V1}/users/{Enc("@nobody:" + hs.ServerName)}/media", admin)).Code, (await hs.Client.GetAsync($"{V1}/users/{Enc("@nobody:" + hs.ServerName)}/media", admin)).Errcode));
        Assert.Equal((400, "M_INVALID_PARAM"), ((await hs.Client.GetAsync($"{V1}/users/{Enc(hs.BotId)}/media?order_by=size", admin)).Code, (await hs.Client.GetAsync($"{V1}/users/{Enc(hs.BotId)}/media?order_by=size", admin)).Errcode));
    }

    private static async Task SendAsync(TestHomeserver hs, string token, string roomId, string type, JsonObject content)
    {
        var sent = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/send/{type}/{Guid.NewGuid():N}", content, token);
        Assert.Equal(200, sent.Code);
    }

    private static async Task<string> UploadAsync(TestHomeserver hs, string token, byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hs.Client.BaseAddress, "/_matrix/media/v3/upload")) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/octet-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        var uri = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["content_uri"]!.GetValue<string>();
        return uri[(uri.LastIndexOf('/') + 1)..];
    }

    /// <summary>Where the profile serves new media: with a token at v1 (current), without one at v3 (1.67).</summary>
    private async Task<HttpResponseMessage> DownloadAsync(TestHomeserver hs, string mediaId, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(hs.Client.BaseAddress, (Current ? "/_matrix/client/v1/media" : "/_matrix/media/v3") + $"/download/{hs.ServerName}/{mediaId}"));
        if (Current)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request);
    }
}

/// <summary><see cref="AdminMediaTests"/> on Synapse 1.67's profile.</summary>
public sealed class AdminMediaTestsOnSynapse167 : AdminMediaTests
{
    protected override Compatibility Profile => Compatibility.Synapse167;

    protected override bool Current => false;
}
