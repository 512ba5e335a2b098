using System.Text.Json.Nodes;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>One <c>ansible-playbook</c> run: exit code, output and, with the json callback, the parsed result.</summary>
public sealed record PlaybookRun(int ExitCode, string Stdout, string Stderr, JsonObject? Json)
{
    /// <summary>The result of the task named <paramref name="name"/> on <paramref name="host"/> (json callback only).</summary>
    public JsonObject Task(string name, string host = "localhost") =>
        Json?["plays"]?[0]?["tasks"]?.AsArray().Select(t => t!).FirstOrDefault(t => t["task"]!["name"]!.GetValue<string>() == name)?["hosts"]?[host]?.AsObject()
        ?? throw new InvalidOperationException($"no task '{name}' in: {Stdout}\n{Stderr}");

    public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
}
