using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests.Support;

/// <summary>A real Prometheus Alertmanager (Debian's <c>prometheus-alertmanager</c>) on a free loopback port, clustering
/// off, its storage in a temp directory, one route with no waiting (<c>group_wait: 0s</c>, <c>group_interval: 1s</c>)
/// to one webhook receiver that sends the relay's bearer token.</summary>
public sealed class AlertmanagerProcess : IAsyncDisposable
{
    /// <summary>Where Debian installs it.</summary>
    public const string Binary = "/usr/bin/prometheus-alertmanager";

    private readonly TempDirectory _directory = new("solti-alertmanager-");
    private readonly StringBuilder _log = new();
    private Process? _process;

    /// <summary>Alertmanager's API.</summary>
    public Uri Url { get; } = new($"http://127.0.0.1:{LoopbackPorts.Free()}/");

    /// <summary>What Alertmanager logged.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts it with a webhook to <paramref name="webhook"/> sending <paramref name="token"/>, and returns once
    /// <c>/-/ready</c> answers 200.</summary>
    public async Task StartAsync(Uri webhook, string token)
    {
        var config = Path.Combine(_directory, "alertmanager.yml");
        await File.WriteAllTextAsync(config, $"""
            route:
              receiver: relay
              group_by: [alertname]
              group_wait: 0s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: relay
                webhook_configs:
                  - url: '{webhook}'
                    send_resolved: true
                    http_config:
                      authorization:
                        credentials: '{token}'
            """);
        var start = ProcessRunner.StartInfo(Binary, ["--config.file=" + config, "--storage.path=" + Path.Combine(_directory, "data"),
            $"--web.listen-address=127.0.0.1:{Url.Port}", "--cluster.listen-address="]);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        await ReadyAsync();
    }

    /// <summary>Posts one alert through <c>POST /api/v2/alerts</c>; an <paramref name="endsAt"/> in the past resolves it.</summary>
    public async Task PostAlertAsync(JsonObject labels, JsonObject annotations, DateTimeOffset startsAt, DateTimeOffset? endsAt = null)
    {
        var alert = new JsonObject { ["labels"] = labels.DeepClone(), ["annotations"] = annotations.DeepClone(), ["startsAt"] = Rfc3339(startsAt) };
        if (endsAt is { } end)
        {
            alert["endsAt"] = Rfc3339(end);
        }

        using var http = new HttpClient { BaseAddress = Url };
        using var response = await http.PostAsync("api/v2/alerts", new StringContent(new JsonArray(alert).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"Alertmanager refused the alert: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _directory.Dispose();
    }

    private async Task ReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + ProcessRunner.DefaultTimeout;
        while (DateTimeOffset.UtcNow < deadline && !_process!.HasExited)
        {
            try
            {
                using var ready = await http.GetAsync("-/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("Alertmanager did not become ready: " + Log);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}

/// <summary>A fact that needs Alertmanager: skipped, saying how to install it, when the binary is absent.</summary>
public sealed class AlertmanagerFactAttribute : FactAttribute
{
    public AlertmanagerFactAttribute()
    {
        if (!File.Exists(AlertmanagerProcess.Binary))
        {
            Skip = $"Prometheus Alertmanager is not installed ({AlertmanagerProcess.Binary} is absent): apt-get install prometheus-alertmanager (./build.sh test installs it)";
        }
    }
}
