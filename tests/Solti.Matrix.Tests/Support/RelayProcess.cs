using System.Diagnostics;
using System.Net.Http.Json;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests.Support;

/// <summary>The real relay as a separate process: <c>solti-matrix relay</c> when the shipped CLI is given
/// (<c>SOLTI_MATRIX_CLI</c>; it execs <c>solti-matrix-relay</c>), else the relay's own build output. Always on the
/// same port, so producers keep their URL across kills and restarts. Its bearer token is in <see cref="TokenFile"/>
/// (a private temp directory of its own unless the arguments name one), read once it listens.</summary>
public sealed class RelayProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string?> _env;
    private readonly string[] _args;
    private readonly string[] _tokenArgs;
    private readonly TempDirectory? _tokenDirectory;
    private Process? _process;

    public RelayProcess(IReadOnlyDictionary<string, string?> env, params string[] extraArgs)
    {
        _env = env;
        Port = LoopbackPorts.Free();
        _args = extraArgs;
        var given = Array.IndexOf(extraArgs, "--token-file");
        if (given >= 0)
        {
            TokenFile = extraArgs[given + 1];
            _tokenArgs = [];
        }
        else
        {
            _tokenDirectory = new TempDirectory("solti-relay-token-");
            TokenFile = Path.Combine(_tokenDirectory, "relay.token");
            _tokenArgs = ["--token-file", TokenFile];
        }
    }

    /// <summary>The file of the relay's bearer token.</summary>
    public string TokenFile { get; private set; }

    /// <summary>Passes no <c>--token-file</c>: the relay makes its token beside the outbox of <c>XDG_STATE_HOME</c>.</summary>
    public bool DefaultTokenFile
    {
        get => _defaultTokenFile;
        init
        {
            _defaultTokenFile = value;
            TokenFile = value ? DefaultTokenPath() : TokenFile;
        }
    }

    private readonly bool _defaultTokenFile;

    /// <summary>The bearer token (read from <see cref="TokenFile"/> once the relay listens).</summary>
    public string Token { get; private set; } = "";

    /// <summary>An HTTP client for producers on the loopback port, sending the relay's token.</summary>
    public HttpClient Client(TimeSpan? timeout = null) => Authorize(new HttpClient { BaseAddress = Url, Timeout = timeout ?? TimeSpan.FromSeconds(100) });

    /// <summary>An HTTP client for producers on the Unix socket <paramref name="socket"/>; with the relay's token unless
    /// <paramref name="authorized"/> is false.</summary>
    public HttpClient SocketClient(string socket, bool authorized = true)
    {
        var http = new HttpClient(new System.Net.Http.SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await client.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket), ct);
                return new System.Net.Sockets.NetworkStream(client, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://relay/") };
        return authorized ? Authorize(http) : http;
    }

    /// <summary>Makes <paramref name="http"/> send the relay's token.</summary>
    public HttpClient Authorize(HttpClient http)
    {
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    /// <summary>Where to listen instead of the free loopback port (e.g. <c>unix:PATH</c>).</summary>
    public string? Listen { get; init; }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public System.Text.StringBuilder Log { get; } = new();

    public async Task StartAsync()
    {
        var (file, prefix) = Environment.GetEnvironmentVariable("SOLTI_MATRIX_CLI") is { Length: > 0 } cli ? (cli, Array.Empty<string>()) : (RelayBuildOutput(), []);
        var start = ProcessRunner.StartInfo(file, prefix.Concat(["relay", "--listen", Listen ?? $"127.0.0.1:{Port}", .. _args, .. DefaultTokenFile ? [] : _tokenArgs]));
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;

        foreach (var (name, value) in _env)
        {
            start.Environment[name] = value;
        }

        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (Log)
            {
                Log.AppendLine(e.Data);
            }

            if (e.Data.Contains("listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(ProcessRunner.DefaultTimeout)) != listening.Task)
        {
            throw new InvalidOperationException("the relay did not start: " + Log);
        }

        Token = File.ReadLines(TokenFile).First();
    }

    /// <summary>Polls <c>GET /v1/status</c> until nothing is pending; false when it still is after <paramref name="polls"/>.</summary>
    public static async Task<bool> DrainsAsync(HttpClient http, int polls, TimeSpan interval)
    {
        for (var i = 0; i < polls; i++)
        {
            if ((await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/v1/status"))!["pending"]!.GetValue<long>() == 0)
            {
                return true;
            }

            await Task.Delay(interval);
        }

        return false;
    }

    /// <summary>SIGKILL: no chance to flush or finish anything.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return _process?.ExitCode ?? 0;
        }

        await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await ProcessRunner.WaitForExitAsync(_process, "the relay (after SIGTERM)");
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            await KillAsync();
        }

        _process?.Dispose();
        _tokenDirectory?.Dispose();
    }

    private string DefaultTokenPath() => Path.Combine(_env["XDG_STATE_HOME"] ?? throw new InvalidOperationException("DefaultTokenFile needs XDG_STATE_HOME in the environment"), "solti-matrix", "outbox", "relay.token");

    private static string RelayBuildOutput()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        return Path.Combine(Repository.Root, "src", "Solti.Matrix.Relay", "bin", testBin.Parent!.Name, testBin.Name, "solti-matrix-relay");
    }
}
