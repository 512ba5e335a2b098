using System.Net;
using Solti.Matrix.Media;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Tests;

/// <summary>The media repository's transfers over a transport the test controls: a download whose body breaks off
/// after some bytes is tried again and its destination starts over (no bytes twice); an upload sends the declared
/// length and type, and every attempt sends the same bytes; an mxc URL that is not one is refused before any request.</summary>
[Trait("tier", "unit")]
public sealed class MediaTransferTests
{
    private static MatrixClient Client(HttpMessageHandler transport) => new(
        new MatrixClientOptions(new Uri("http://127.0.0.1:9/"))
        {
            Transport = transport,
            Retry = new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), TotalBudget = TimeSpan.FromSeconds(30) },
        },
        new SessionOptions { AccessToken = "syt_media", UserId = "@bot:example.com", UseCache = false });

    [Fact]
    public async Task A_download_that_breaks_off_midway_starts_over_and_the_destination_holds_the_file_once()
    {
        var file = new byte[10_000];
        new Random(3).NextBytes(file);
        using var transport = new Transport(attempt => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new Breaking(file, attempt == 1 ? 4000 : null)) });
        using var client = Client(transport);
        using var destination = new MemoryStream();

        await client.Media.DownloadAsync("mxc://example.com/AbC_d-1", destination);

        Assert.Equal(file, destination.ToArray());
        Assert.Equal(2, transport.Paths.Count);
        Assert.All(transport.Paths, p => Assert.Equal("/_matrix/client/v1/media/download/example.com/AbC_d-1", p));
        Assert.All(transport.Authorizations, a => Assert.Equal("Bearer syt_media", a));
    }

    [Fact]
    public async Task An_upload_declares_its_length_and_type_and_a_retried_attempt_sends_the_same_bytes()
    {
        var file = new byte[5000];
        new Random(4).NextBytes(file);
        using var transport = new Transport(attempt => attempt == 1
            ? new HttpResponseMessage(HttpStatusCode.BadGateway)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"content_uri":"mxc://example.com/up1"}""") });
        using var client = Client(transport);

        var url = await client.Media.UploadAsync(() => new MemoryStream(file), file.Length, "application/pdf", "q3 report.pdf");

        Assert.Equal("mxc://example.com/up1", url);
        Assert.Equal(2, transport.Bodies.Count);
        Assert.All(transport.Bodies, b => Assert.Equal(file, b));
        Assert.All(transport.Paths, p => Assert.Equal("/_matrix/media/v3/upload?filename=q3%20report.pdf", p));
        Assert.All(transport.ContentHeaders, h => Assert.Equal(((long?)5000, "application/pdf"), h));
    }

    [Theory]
    [InlineData("https://example.com/media")]
    [InlineData("mxc://example.com/")]
    [InlineData("mxc://example.com/a/b")]
    [InlineData("mxc://exa mple.com/abc")]
    public async Task An_mxc_url_that_is_not_one_is_refused_before_any_request(string url)
    {
        using var transport = new Transport(_ => new HttpResponseMessage(HttpStatusCode.OK));
        using var client = Client(transport);

        await Assert.ThrowsAsync<ArgumentException>(() => client.Media.DownloadAsync(url));
        Assert.Empty(transport.Paths);
    }

    /// <summary>Answers each request with what <c>answer(attempt)</c> gives, keeping what was asked.</summary>
    private sealed class Transport(Func<int, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<string> Paths { get; } = [];

        public List<string?> Authorizations { get; } = [];

        public List<byte[]> Bodies { get; } = [];

        public List<(long? Length, string? Type)> ContentHeaders { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Paths.Add(request.RequestUri!.PathAndQuery);
            Authorizations.Add(request.Headers.Authorization?.ToString());
            if (request.Content is not null)
            {
                ContentHeaders.Add((request.Content.Headers.ContentLength, request.Content.Headers.ContentType?.MediaType));
                Bodies.Add(await request.Content.ReadAsByteArrayAsync(cancellationToken));
            }

            return answer(Paths.Count);
        }
    }

    /// <summary>The file's bytes, breaking off with the error a dropped connection gives after <c>breakAt</c> bytes.</summary>
    private sealed class Breaking(byte[] bytes, int? breakAt) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var end = breakAt ?? bytes.Length;
            if (_position >= end && breakAt is not null)
            {
                throw new HttpIOException(HttpRequestError.ResponseEnded, "the connection closed midway");
            }

            var n = Math.Min(buffer.Length, end - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
