using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The media repository as Synapse serves it (upload, download, config), on the current profile (authenticated
/// media); <see cref="MediaTestsOnSynapse167"/> runs them on 1.67's (unauthenticated <c>/_matrix/media</c> only).</summary>
[Trait("tier", "integration")]
public class MediaTests : ProfiledTests
{
    private const string Media = "/_matrix/media/v3";
    private const string ClientMedia = "/_matrix/client/v1/media";

    protected virtual bool Authenticated => true;

    [Fact]
    public async Task A_2_MB_upload_downloads_byte_identical_with_its_type_length_and_name()
    {
        await using var hs = await StartAsync();
        var token = (await hs.LoginBotAsync()).AccessToken;
        using var http = Http(hs);
        var bytes = new byte[2 * 1024 * 1024 + 17];
        new Random(7).NextBytes(bytes);
        var uri = await UploadAsync(http, token, bytes, "image/png", "photo.png");
        Assert.StartsWith($"mxc://{hs.ServerName}/", uri);
        var mediaId = uri[(uri.LastIndexOf('/') + 1)..];
        Assert.Matches("^[A-Za-z]{24}$", mediaId);

        using var download = await DownloadAsync(http, hs, mediaId, Authenticated ? token : null);
        Assert.Equal(200, (int)download.StatusCode);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", download.Content.Headers.ContentType!.ToString());
        Assert.Equal(bytes.Length, download.Content.Headers.ContentLength);
        Assert.Equal("inline; filename=photo.png", string.Join(",", download.Content.Headers.GetValues("Content-Disposition")));
    }

    [Fact]
    public async Task Content_disposition_follows_the_type_and_the_name_as_Synapse()
    {
        await using var hs = await StartAsync();
        var token = (await hs.LoginBotAsync()).AccessToken;
        using var http = Http(hs);
        var binary = Id(await UploadAsync(http, token, [1, 2, 3], "application/zip", null));
        var text = Id(await UploadAsync(http, token, "hi"u8.ToArray(), "text/plain", "notes über.txt"));

        using var zip = await DownloadAsync(http, hs, binary, Authenticated ? token : null);
        Assert.Equal("application/zip", zip.Content.Headers.ContentType!.ToString());
        Assert.Equal(Authenticated ? ["attachment"] : [], Disposition(zip));
        using var named = await DownloadAsync(http, hs, binary, Authenticated ? token : null, "/data.zip");
        Assert.Equal([Authenticated ? "attachment; filename=data.zip" : "inline; filename=data.zip"], Disposition(named));
        using var txt = await DownloadAsync(http, hs, text, Authenticated ? token : null);
        Assert.Equal("text/plain; charset=UTF-8", txt.Content.Headers.ContentType!.ToString());
        Assert.Equal(["inline; filename*=utf-8''notes%20%C3%BCber.txt"], Disposition(txt));
        Assert.Equal("hi", await txt.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_upload_over_max_upload_size_is_413_and_one_without_a_token_401()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = Profile, MaxUploadSize = 3 * 1024 * 1024 });
        var token = (await hs.LoginBotAsync()).AccessToken;
        using var http = Http(hs);
        using var tooLarge = await PostUploadAsync(http, token, new byte[3 * 1024 * 1024 + 1], "application/octet-stream", null);
        Assert.Equal((413, "M_TOO_LARGE", "Upload request body is too large"), await ErrorAsync(tooLarge));
        using var anonymous = await PostUploadAsync(http, null, [1], "application/octet-stream", null);
        Assert.Equal(401, (int)anonymous.StatusCode);
        Assert.Equal(200, (int)(await PostUploadAsync(http, token, new byte[3 * 1024 * 1024], "application/octet-stream", null)).StatusCode);
        var config = await hs.Client.GetAsync(Media + "/config", token);
        Assert.Equal((200, """{"m.upload.size":3145728}"""), (config.Code, config.Text));
    }

    [Fact]
    public async Task Config_answers_the_default_limit_where_the_release_serves_it()
    {
        await using var hs = await StartAsync();
        var token = (await hs.LoginBotAsync()).AccessToken;
        var legacy = await hs.Client.GetAsync("/_matrix/media/r0/config", token);
        Assert.Equal((200, """{"m.upload.size":52428800}"""), (legacy.Code, legacy.Text)); // recordings-synapse-1.67-e2ee.md
        Assert.Equal(401, (await hs.Client.GetAsync(Media + "/config")).Code);
        var v1 = await hs.Client.GetAsync(ClientMedia + "/config", token);
        Assert.Equal(Authenticated ? (200, """{"m.upload.size":52428800}""") : (400, "M_UNRECOGNIZED"), (v1.Code, Authenticated ? v1.Text : v1.Errcode));
    }

    [Fact]
    public async Task Unauthenticated_download_is_refused_for_new_media_and_authenticated_download_needs_a_token()
    {
        await using var hs = await StartAsync();
        var token = (await hs.LoginBotAsync()).AccessToken;
        using var http = Http(hs);
        var mediaId = Id(await UploadAsync(http, token, [9, 8, 7], "application/octet-stream", null));

        using var v3 = await http.GetAsync($"{Media}/download/{hs.ServerName}/{mediaId}");
        using var r0 = await http.GetAsync($"/_matrix/media/r0/download/{hs.ServerName}/{mediaId}/x.bin");
        using var v1 = await http.GetAsync($"{ClientMedia}/download/{hs.ServerName}/{mediaId}");
        if (Authenticated)
        {
            Assert.Equal((404, "M_NOT_FOUND", "Not found"), await ErrorAsync(v3));
            Assert.Equal(404, (int)r0.StatusCode);
            Assert.Equal((401, "M_MISSING_TOKEN", "Missing access token"), await ErrorAsync(v1));
        }
        else
        {
            Assert.Equal(new byte[] { 9, 8, 7 }, await v3.Content.ReadAsByteArrayAsync());
            Assert.Equal(new byte[] { 9, 8, 7 }, await r0.Content.ReadAsByteArrayAsync());
            Assert.Equal((400, "M_UNRECOGNIZED", "Unrecognized request"), await ErrorAsync(v1));
        }
    }

    [Fact]
    public async Task Unknown_media_is_404_M_NOT_FOUND()
    {
        await using var hs = await StartAsync();
        var token = (await hs.LoginBotAsync()).AccessToken;
        using var http = Http(hs);
        using var missing = await DownloadAsync(http, hs, "nosuchmedia", Authenticated ? token : null);
        var path = Authenticated ? $"{ClientMedia}/download/{hs.ServerName}/nosuchmedia" : $"{Media}/download/{hs.ServerName}/nosuchmedia";
        var message = Authenticated ? $"Not found '{path}'" : $"Not found [b'{hs.ServerName}', b'nosuchmedia']";
        Assert.Equal((404, "M_NOT_FOUND", message), await ErrorAsync(missing));
    }

    [Fact]
    public async Task Media_survives_a_restart_as_files_beside_the_state()
    {
        var dir = Directory.CreateTempSubdirectory("solti-media-").FullName;
        try
        {
            string mediaId;
            await using (var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = Profile, DataDirectory = dir }))
            {
                using var http = Http(hs);
                mediaId = Id(await UploadAsync(http, (await hs.LoginBotAsync()).AccessToken, "kept"u8.ToArray(), "text/plain", "k.txt"));
            }

            Assert.Equal("kept"u8.ToArray(), File.ReadAllBytes(Path.Combine(dir, "media", mediaId)));
            Assert.DoesNotContain("kept", File.ReadAllText(Path.Combine(dir, "state.json")).Replace("k.txt", ""));
            await using var again = await TestHomeserver.StartAsync(o => o with { Compatibility = Profile, DataDirectory = dir });
            using var client = Http(again);
            using var download = await DownloadAsync(client, again, mediaId, Authenticated ? (await again.LoginBotAsync()).AccessToken : null);
            Assert.Equal("kept", await download.Content.ReadAsStringAsync());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static HttpClient Http(TestHomeserver hs) => new() { BaseAddress = hs.Client.BaseAddress };

    private static string Id(string contentUri) => contentUri[(contentUri.LastIndexOf('/') + 1)..];

    private static string[] Disposition(HttpResponseMessage response) =>
        response.Content.Headers.TryGetValues("Content-Disposition", out var values) ? [.. values] : [];

    private static async Task<HttpResponseMessage> PostUploadAsync(HttpClient http, string? token, byte[] bytes, string type, string? fileName)
    {
        var path = Media + "/upload" + (fileName is null ? "" : "?filename=" + Uri.EscapeDataString(fileName));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    private static async Task<string> UploadAsync(HttpClient http, string token, byte[] bytes, string type, string? fileName)
    {
        using var response = await PostUploadAsync(http, token, bytes, type, fileName);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(["content_uri"], body.Select(p => p.Key));
        return body["content_uri"]!.GetValue<string>();
    }

    /// <summary>Downloads where the profile serves new media: with a token at v1 (current), without one at v3 (1.67).</summary>
    private async Task<HttpResponseMessage> DownloadAsync(HttpClient http, TestHomeserver hs, string mediaId, string? token, string fileName = "")
    {
        var path = (Authenticated ? ClientMedia : Media) + $"/download/{hs.ServerName}/{mediaId}{fileName}";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    private static async Task<(int, string?, string?)> ErrorAsync(HttpResponseMessage response)
    {
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return ((int)response.StatusCode, body["errcode"]?.GetValue<string>(), body["error"]?.GetValue<string>());
    }
}

/// <summary><see cref="MediaTests"/> on Synapse 1.67's profile.</summary>
public sealed class MediaTestsOnSynapse167 : MediaTests
{
    protected override Compatibility Profile => Compatibility.Synapse167;

    protected override bool Authenticated => false;
}
