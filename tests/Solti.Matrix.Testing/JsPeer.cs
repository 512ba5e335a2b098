using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Testing;

/// <summary>An independent Matrix client the tests script: <c>node tests/peer/peer.mjs</c>, the official matrix-js-sdk
/// with its Rust crypto (matrix-sdk-crypto-wasm), one device per process. Our own code never judges its own ciphertext:
/// this peer decrypts what our code sends and says what its crypto made of it. Commands go as JSON lines on its stdin,
/// answers come as JSON lines on its stdout (by id), its log (stderr) is kept for failure messages. Every command is
/// bounded by a timeout. The peer must be installed (<c>./build.sh test</c> runs <c>npm ci</c> in tests/peer); when
/// node or the installed peer is missing or stale, <see cref="StartAsync"/> throws with the command that installs it.
/// docs/encryption.md, "The independent client".</summary>
public sealed class JsPeer : IAsyncDisposable
{
    /// <summary>How long one command may take unless the call says otherwise (a guard against a hang, not a pace).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private const string InstallHint =
        "./build.sh test installs it (npm ci in tests/peer); by hand: cd tests/peer && npm ci && sha256sum package-lock.json | cut -d' ' -f1 > node_modules/.solti-lock-sha256";
    private const int LogLines = 400;

    private readonly Process _process;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly TaskCompletionSource<JsonObject> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _log = new();
    private readonly Task _stdout;
    private readonly Task _stderr;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private long _nextId;
    private bool _disposed;

    private JsPeer(Process process, string name)
    {
        _process = process;
        Name = name;
        _stderr = Task.Run(ReadLogAsync);
        _stdout = Task.Run(ReadAnswersAsync);
    }

    /// <summary>What the tests call this peer in messages (e.g. its user).</summary>
    public string Name { get; }

    /// <summary>The peer's first line: <c>js_sdk</c>, <c>crypto_wasm</c> and <c>node</c> versions.</summary>
    public JsonObject Ready { get; private set; } = [];

    /// <summary>The directory of the peer: tests/peer in the repository.</summary>
    public static string PeerDirectory => Path.Combine(Repository.Root, "tests", "peer");

    /// <summary>The last lines of the peer's log (its stderr).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Starts a peer and waits until it has loaded its wasm crypto (its <c>ready</c> line).</summary>
    /// <exception cref="InvalidOperationException">node or the installed peer is missing or does not match its lock file.</exception>
    public static async Task<JsPeer> StartAsync(string name = "peer", TimeSpan? timeout = null)
    {
        var node = FindNode() ?? throw new InvalidOperationException($"the JS peer needs node (Debian's nodejs) on PATH; {InstallHint}");
        CheckInstalled();
        var start = ProcessRunner.StartInfo(node, [Path.Combine(PeerDirectory, "peer.mjs")], PeerDirectory);
        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.StandardInputEncoding = new System.Text.UTF8Encoding(false);
        start.StandardOutputEncoding = System.Text.Encoding.UTF8;
        start.StandardErrorEncoding = System.Text.Encoding.UTF8;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {node} peer.mjs");
        var peer = new JsPeer(process, name);
        var limit = timeout ?? DefaultTimeout;
        try
        {
            peer.Ready = await peer._ready.Task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or JsPeerException)
        {
            var log = await peer.StopAndCollectAsync().ConfigureAwait(false);
            throw new JsPeerException($"the JS peer {name} did not start within {limit.TotalSeconds:0} s ({e.Message})\npeer log:\n{log}", null);
        }

        return peer;
    }

    /// <summary>Sends one command and waits for its answer; the peer bounds its own work by <c>timeout_ms</c>, this side
    /// waits that long and a little more. An answer with <c>ok: false</c> throws <see cref="JsPeerException"/>.</summary>
    public async Task<JsonObject> SendAsync(string command, JsonObject? arguments = null, TimeSpan? timeout = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var limit = timeout ?? DefaultTimeout;
        var id = Interlocked.Increment(ref _nextId);
        var message = arguments?.DeepClone().AsObject() ?? [];
        message["id"] = id;
        message["cmd"] = command;
        message["timeout_ms"] ??= (long)limit.TotalMilliseconds;
        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
            try
            {
                await _process.StandardInput.WriteLineAsync(message.ToJsonString()).ConfigureAwait(false);
                await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }

            JsonObject reply;
            try
            {
                // The peer answers at timeout_ms at the latest; the margin covers its start-up of the answer.
                reply = await answer.Task.WaitAsync(limit + TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new JsPeerException($"{Name}: no answer to {command} within {limit.TotalSeconds:0} s\npeer log:\n{Tail()}", null);
            }

            if (reply["ok"]?.GetValue<bool>() != true)
            {
                throw new JsPeerException($"{Name}: {command} failed: {reply["error"]}\nanswer: {Trim(reply.ToJsonString())}\npeer log:\n{Tail()}", reply);
            }

            return reply["result"] as JsonObject ?? [];
        }
        catch (IOException e)
        {
            throw new JsPeerException($"{Name}: cannot send {command}: the peer is gone ({e.Message})\npeer log:\n{Tail()}", null);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Logs in with a password (device <paramref name="deviceId"/> if given), starts js-sdk's Rust crypto (in
    /// memory) and its sync loop; with <paramref name="waitSync"/> waits for the first sync.</summary>
    public async Task<PeerLogin> LoginAsync(Uri homeserver, string user, string password, string? deviceId = null, bool autoJoin = false, bool waitSync = false, TimeSpan? timeout = null)
    {
        var args = new JsonObject { ["homeserver"] = homeserver.ToString().TrimEnd('/'), ["user"] = user, ["password"] = password, ["auto_join"] = autoJoin, ["wait_sync"] = waitSync };
        if (deviceId is not null)
        {
            args["device_id"] = deviceId;
        }

        var result = await SendAsync("login", args, timeout).ConfigureAwait(false);
        return new PeerLogin(Str(result, "user_id")!, Str(result, "device_id")!, Str(result["keys"], "curve25519")!, Str(result["keys"], "ed25519")!, Str(result, "crypto_version") ?? "", Str(result, "sync_state"), result);
    }

    /// <summary>Waits until the client has synced once (PREPARED or SYNCING).</summary>
    public Task<JsonObject> WaitSyncAsync(TimeSpan? timeout = null) => SendAsync("wait_sync", null, timeout);

    /// <summary>Creates a room (with <c>m.room.encryption</c> m.megolm.v1.aes-sha2 in its initial state when encrypted).</summary>
    public async Task<string> CreateRoomAsync(bool encrypted = true, IEnumerable<string>? invite = null, string? name = null, TimeSpan? timeout = null)
    {
        var args = new JsonObject { ["encrypted"] = encrypted, ["invite"] = new JsonArray([.. (invite ?? []).Select(u => (JsonNode)u)]) };
        if (name is not null)
        {
            args["name"] = name;
        }

        return Str(await SendAsync("create_room", args, timeout).ConfigureAwait(false), "room_id")!;
    }

    public Task InviteAsync(string roomId, string userId, TimeSpan? timeout = null) =>
        SendAsync("invite", new JsonObject { ["room_id"] = roomId, ["user_id"] = userId }, timeout);

    public Task JoinAsync(string roomId, TimeSpan? timeout = null) => SendAsync("join", new JsonObject { ["room_id"] = roomId }, timeout);

    public Task LeaveAsync(string roomId, TimeSpan? timeout = null) => SendAsync("leave", new JsonObject { ["room_id"] = roomId }, timeout);

    /// <summary>Waits until the peer's sync shows the room with this membership (join, invite, leave).</summary>
    public Task WaitRoomAsync(string roomId, string membership = "join", TimeSpan? timeout = null) =>
        SendAsync("wait_room", new JsonObject { ["room_id"] = roomId, ["membership"] = membership }, timeout);

    /// <summary>Sends <paramref name="content"/> as an <c>m.room.message</c> (js-sdk encrypts it in an encrypted room); its event id.</summary>
    public async Task<string> SendContentAsync(string roomId, JsonObject content, TimeSpan? timeout = null) =>
        Str(await SendAsync("send", new JsonObject { ["room_id"] = roomId, ["content"] = content.DeepClone() }, timeout).ConfigureAwait(false), "event_id")!;

    /// <summary>Room keys only to verified devices (js-sdk's <c>globalBlacklistUnverifiedDevices</c>): the others are sent
    /// <c>m.room_key.withheld</c> (<c>m.unverified</c>).</summary>
    public Task BlacklistUnverifiedAsync(bool blacklist = true, TimeSpan? timeout = null) =>
        SendAsync("blacklist_unverified", new JsonObject { ["blacklist"] = blacklist }, timeout);

    /// <summary>Sends an <c>m.text</c> message as the peer (js-sdk encrypts it in an encrypted room); its event id.</summary>
    public async Task<string> SendTextAsync(string roomId, string body, TimeSpan? timeout = null) =>
        Str(await SendAsync("send", new JsonObject { ["room_id"] = roomId, ["body"] = body }, timeout).ConfigureAwait(false), "event_id")!;

    /// <summary>The room's messages as js-sdk decrypted them, once there are <paramref name="count"/> of them (not the
    /// peer's own; only <paramref name="sender"/>'s if given). <paramref name="settled"/>: a message that failed to
    /// decrypt (e.g. no room key) counts too, so a test can assert the failure; otherwise only decrypted ones count.</summary>
    public async Task<IReadOnlyList<PeerMessage>> WaitMessagesAsync(string roomId, int count = 1, bool settled = false, string? sender = null, TimeSpan? timeout = null)
    {
        var args = new JsonObject { ["room_id"] = roomId, ["count"] = count, ["until"] = settled ? "settled" : "decrypted" };
        if (sender is not null)
        {
            args["sender"] = sender;
        }

        var result = await SendAsync("wait_messages", args, timeout).ConfigureAwait(false);
        return [.. result["messages"]!.AsArray().Select(m => PeerMessage.From(m!.AsObject()))];
    }

    /// <summary>The devices and keys the peer sees for a user (asked of the homeserver's <c>/keys/query</c>), with trust.</summary>
    public Task<JsonObject> DeviceInfoAsync(string userId, TimeSpan? timeout = null) =>
        SendAsync("device_info", new JsonObject { ["user_id"] = userId }, timeout);

    /// <summary>Waits until the peer sees each of <paramref name="devices"/> (device id → expected) of the user signed by
    /// its owner's cross-signing identity (js-sdk's <c>signedByOwner</c>) or not, re-checked on each device-list, key,
    /// trust or sync change; the <c>device_info</c> that satisfied it.</summary>
    public Task<JsonObject> WaitDeviceTrustAsync(string userId, IReadOnlyDictionary<string, bool> devices, TimeSpan? timeout = null) =>
        SendAsync("wait_device_trust", new JsonObject { ["user_id"] = userId, ["devices"] = new JsonObject(devices.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))) }, timeout);

    /// <summary>The peer downloads the file an event's <c>file</c> (the spec's <c>EncryptedFile</c>) names with its own
    /// token, checks the ciphertext's SHA-256 and decrypts it with Node's Web Crypto (AES-CTR): the plaintext.</summary>
    public async Task<byte[]> DownloadAttachmentAsync(JsonObject file, TimeSpan? timeout = null)
    {
        var result = await SendAsync("download_attachment", new JsonObject { ["file"] = file.DeepClone() }, timeout).ConfigureAwait(false);
        return Convert.FromBase64String(Str(result, "plaintext_base64")!);
    }

    /// <summary>The peer downloads an unencrypted <c>mxc://</c> URL with its own token: the bytes and their content type.</summary>
    public async Task<(byte[] Bytes, string? ContentType)> DownloadMediaAsync(string mxcUrl, TimeSpan? timeout = null)
    {
        var result = await SendAsync("download_media", new JsonObject { ["url"] = mxcUrl }, timeout).ConfigureAwait(false);
        return (Convert.FromBase64String(Str(result, "content_base64")!), Str(result, "content_type"));
    }

    /// <summary>The peer encrypts <paramref name="plaintext"/> as an attachment with Web Crypto (no upload): its
    /// <c>EncryptedFile</c> (naming <paramref name="mxcUrl"/>) and the ciphertext.</summary>
    public async Task<(JsonObject File, byte[] Ciphertext)> EncryptAttachmentAsync(byte[] plaintext, string mxcUrl = "mxc://example.org/peer", TimeSpan? timeout = null)
    {
        var result = await SendAsync("encrypt_attachment", new JsonObject { ["plaintext_base64"] = Convert.ToBase64String(plaintext), ["url"] = mxcUrl }, timeout).ConfigureAwait(false);
        return (result["file"]!.AsObject(), Convert.FromBase64String(Str(result, "ciphertext_base64")!));
    }

    /// <summary>The peer's user, device, own keys, sync state and rooms.</summary>
    public Task<JsonObject> StatusAsync(TimeSpan? timeout = null) => SendAsync("status", null, timeout);

    /// <summary>Every HTTP request the peer made, grouped by method, path and status (only the failed ones if asked).</summary>
    public async Task<IReadOnlyList<PeerRequest>> RequestsAsync(bool failedOnly = false, TimeSpan? timeout = null)
    {
        var result = await SendAsync("requests", new JsonObject { ["failed_only"] = failedOnly }, timeout).ConfigureAwait(false);
        return [.. result["requests"]!.AsArray().Select(r => new PeerRequest(
            Str(r, "method")!, Str(r, "path")!, r!["status"]?.GetValue<int>(), Str(r, "errcode"), Str(r, "error"), r["count"]!.GetValue<int>()))];
    }

    /// <summary>Asks the peer to stop, then waits for it to exit; kills it (with its children) when it does not.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAndCollectAsync().ConfigureAwait(false);
        _writeLock.Dispose();
    }

    private async Task<string> StopAndCollectAsync()
    {
        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("""{"id":0,"cmd":"stop","timeout_ms":5000}""").ConfigureAwait(false);
                _process.StandardInput.Close();
            }
        }
        catch (IOException)
        {
            // gone already
        }
        catch (InvalidOperationException)
        {
        }

        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }

                using var kill = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(kill.Token).ConfigureAwait(false);
            }
        }

        await Task.WhenAny(Task.WhenAll(_stdout, _stderr), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        _process.Dispose();
        return Log;
    }

    private async Task ReadAnswersAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                JsonObject? message;
                try
                {
                    message = JsonNode.Parse(line) as JsonObject;
                }
                catch (JsonException)
                {
                    message = null;
                }

                if (message is null)
                {
                    AddLog("(stdout, not a JSON object) " + line);
                    continue;
                }

                if (message["ready"] is not null)
                {
                    _ready.TrySetResult(message);
                }
                else if (message["id"] is JsonValue id && id.TryGetValue<long>(out var n) && _pending.TryGetValue(n, out var waiter))
                {
                    waiter.TrySetResult(message);
                }
            }
        }
        finally
        {
            // The peer is gone: nothing pending will be answered.
            await _stderr.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            var exit = _process.HasExited ? $"exit code {_process.ExitCode}" : "stdout closed";
            var gone = new JsPeerException($"{Name}: the peer ended ({exit})\npeer log:\n{Tail()}", null);
            _ready.TrySetException(gone);
            foreach (var waiter in _pending.Values)
            {
                waiter.TrySetException(gone);
            }
        }
    }

    private async Task ReadLogAsync()
    {
        while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            AddLog(line);
        }
    }

    private void AddLog(string line)
    {
        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > LogLines)
            {
                _log.Dequeue();
            }
        }
    }

    private string Tail(int lines = 60)
    {
        lock (_log)
        {
            return string.Join('\n', _log.Skip(Math.Max(0, _log.Count - lines)));
        }
    }

    private static string Trim(string text) => text.Length <= 4000 ? text : text[..4000] + "…";

    /// <summary>A string member of an answer, or null.</summary>
    public static string? Str(JsonNode? node, string name) => node?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string? FindNode()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "node");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The peer's packages as <c>npm ci</c> installed them from tests/peer/package-lock.json: build.sh writes the
    /// lock's SHA-256 into node_modules/.solti-lock-sha256 after the install.</summary>
    private static void CheckInstalled()
    {
        var dir = PeerDirectory;
        var lockFile = Path.Combine(dir, "package-lock.json");
        var stamp = Path.Combine(dir, "node_modules", ".solti-lock-sha256");
        if (!File.Exists(Path.Combine(dir, "node_modules", "matrix-js-sdk", "package.json")) || !File.Exists(stamp))
        {
            throw new InvalidOperationException($"the JS peer's packages are not installed in {dir}/node_modules; {InstallHint}");
        }

        var expected = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(lockFile)));
        if (File.ReadAllText(stamp).Trim() != expected)
        {
            throw new InvalidOperationException($"the JS peer's installed packages do not match {lockFile}; {InstallHint}");
        }
    }
}

/// <summary>A peer's answer <c>ok: false</c>, or no answer: the message has the peer's error, its answer and its log.</summary>
public sealed class JsPeerException(string message, JsonObject? answer) : Exception(message)
{
    /// <summary>The peer's answer (with e.g. <c>failed_requests</c>, <c>messages</c>), when it answered.</summary>
    public JsonObject? Answer { get; } = answer;
}

/// <summary>Who the peer is after <see cref="JsPeer.LoginAsync"/>: its device and the identity keys its crypto made.</summary>
public sealed record PeerLogin(string UserId, string DeviceId, string Curve25519, string Ed25519, string CryptoVersion, string? SyncState, JsonObject Raw);

/// <summary>One HTTP request (method, path, status) the peer made, and how often.</summary>
public sealed record PeerRequest(string Method, string Path, int? Status, string? Errcode, string? Error, int Count)
{
    /// <summary>An answered request has a status; one without is still in flight (e.g. a long poll), or failed with
    /// <see cref="Error"/> before any answer.</summary>
    public override string ToString() =>
        $"{Method} {Path} -> {(Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? (Error is null ? "in flight" : "no answer: " + Error))}{(Errcode is null ? "" : " " + Errcode)} (x{Count})";
}

/// <summary>One room event as js-sdk saw it: its clear content when it decrypted it, and what the Rust crypto says about
/// the key it used: the sender's curve25519 key (<c>getSenderKey</c>), the ed25519 key the sender claims, the device the
/// room key came from, the user it came from, and the shield. <see cref="DecryptionError"/> is js-sdk's
/// DecryptionFailureCode when it could not decrypt (e.g. MEGOLM_UNKNOWN_INBOUND_SESSION_ID: no room key).</summary>
public sealed record PeerMessage(
    string EventId,
    string Type,
    string WireType,
    string Sender,
    bool Encrypted,
    JsonObject? Content,
    string? Algorithm,
    string? SessionId,
    string? DecryptionError,
    string? SenderKey,
    string? ClaimedEd25519Key,
    string? SenderDevice,
    string? KeySender,
    string? ShieldColour,
    string? ShieldReason,
    JsonObject Raw)
{
    public string? Body => JsPeer.Str(Content, "body");

    internal static PeerMessage From(JsonObject m) => new(
        JsPeer.Str(m, "event_id")!,
        JsPeer.Str(m, "type")!,
        JsPeer.Str(m, "wire_type")!,
        JsPeer.Str(m, "sender")!,
        m["encrypted"]!.GetValue<bool>(),
        m["content"] as JsonObject,
        JsPeer.Str(m, "algorithm"),
        JsPeer.Str(m, "session_id"),
        JsPeer.Str(m, "decryption_error"),
        JsPeer.Str(m, "sender_key"),
        JsPeer.Str(m, "claimed_ed25519_key"),
        JsPeer.Str(m, "sender_device"),
        JsPeer.Str(m, "key_sender"),
        JsPeer.Str(m["shield"], "colour"),
        JsPeer.Str(m["shield"], "reason"),
        m);
}
