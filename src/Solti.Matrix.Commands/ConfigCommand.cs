using Solti.Matrix.Config;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Commands;

/// <summary><c>config plan|apply FILE.yaml</c>: the <c>matrix_config</c> engine over a YAML file with the module's keys
/// (domain, users, rooms, exclusive_members, update_password, tokens). The session is the admin's.</summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "YAML file with domain, users and rooms (the keys of matrix_config)" };
        var diff = new Option<bool>("--diff") { Description = "Show each changing user and room before and after, in YAML" };
        var plan = new Command("plan", "Read the server and show what apply would change; writes nothing") { file, diff };
        plan.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(file)!, apply: false, parse.GetValue(diff), ct));

        var applyFile = new Argument<string>("file") { Description = "YAML file with domain, users and rooms (the keys of matrix_config)" };
        var applyDiff = new Option<bool>("--diff") { Description = "Show each changing user and room before and after, in YAML" };
        var apply = new Command("apply", "Converge the server to the file: plan, then apply exactly the plan") { applyFile, applyDiff };
        apply.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(applyFile)!, apply: true, parse.GetValue(applyDiff), ct));
        return new Command("config", "Declarative users and rooms (the matrix_config engine)") { plan, apply };
    }

    private static Task<int> RunAsync(ParseResult parse, string path, bool apply, bool diff, CancellationToken cancellationToken)
    {
        var exit = ExitCodes.Ok;
        return CommandRunner.RunAsync(parse, async () =>
        {
            DesiredState desired;
            try
            {
                desired = DesiredStateParser.Parse(YamlInput.ReadMapping(path));
            }
            catch (ConfigInputException e)
            {
                throw new ArgumentException($"{path}: {string.Join("; ", e.Errors)}", e);
            }

            using var client = ClientFactory.Create(parse);
            var admin = ClientFactory.Admin(parse, client);
            var engine = new ConfigEngine(admin);
            var plan = await engine.PlanAsync(desired, cancellationToken);
            if (plan.Errors.Count > 0)
            {
                throw new ArgumentException("nothing was changed: " + string.Join("; ", plan.Errors));
            }

            ApplyOutcome? outcome = null;
            if (apply)
            {
                using var progress = TerminalProgress.Start(plan.Actions.Count);
                outcome = await engine.ApplyAsync(plan, progress is null ? null : new ActionProgress(progress), cancellationToken);
            }

            var report = ConfigReport.Build(plan, outcome, diff);
            if (outcome?.FailedAction is not null)
            {
                report["failed"] = true;
                report["msg"] = ConfigEngine.Describe(plan, outcome, e => e.Message);
                exit = outcome.Error is Errors.MatrixException m ? ExitCodes.For(m) : ExitCodes.Failed;
            }
            else if (apply && desired.Tokens)
            {
                var cache = new CredentialCache(parse.GetValue(CliSettings.CacheDir));
                report["tokens"] = await ConfigEngine.TokensAsync(desired, user => new MatrixSession(client.Session.Http,
                    new SessionOptions { UserId = user.UserId, Password = user.Password, DeviceDisplayName = "solti-matrix config", UseCache = true }, cache), cancellationToken);
            }

            Write(parse, report, apply);
        }).ContinueWith(t => t.Result == ExitCodes.Ok ? exit : t.Result, cancellationToken, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static void Write(ParseResult parse, JsonObject report, bool applied)
    {
        if (parse.GetValue(CliSettings.Output) == "json")
        {
            Console.Out.WriteLine(CliOutput.Compact(report));
            return;
        }

        var plan = report["plan"]!.AsArray();
        Console.Out.WriteLine(plan.Count == 0 ? "no changes" : $"{(applied ? "applied" : "plan")}: {plan.Count} action(s)");
        var number = 0;
        foreach (var action in plan)
        {
            number++;
            var details = string.Join(", ", action!.AsObject().Where(p => p.Key is not ("action" or "target" or "status" or "request")).Select(p => $"{p.Key}={Text(p.Value)}"));
            Console.Out.WriteLine($"{number,4}. {action["action"]} {action["target"]}{(details.Length > 0 ? " (" + details + ")" : "")}{(applied ? " [" + action["status"] + "]" : "")}");
        }

        foreach (var diff in report["diff"]?.AsArray() ?? [])
        {
            Console.Out.WriteLine($"--- {diff!["before_header"]}\n{Indent(diff["before"]!.GetValue<string>())}+++ {diff["after_header"]}\n{Indent(diff["after"]!.GetValue<string>())}");
        }

        Console.Out.WriteLine("summary: " + string.Join(", ", report["summary"]!.AsObject().Where(p => p.Value!.GetValue<int>() > 0).Select(p => $"{p.Key}={p.Value}")));
        if (report["msg"] is { } msg)
        {
            Console.Error.WriteLine("solti-matrix: " + msg.GetValue<string>());
        }

        if (report["tokens"] is JsonObject tokens)
        {
            Console.Out.WriteLine($"tokens: {tokens.Count} obtained (shown with --output json only)");
        }
    }

    private static string Text(JsonNode? value) => value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "null";

    private static string Indent(string yaml) => string.Concat(yaml.Split('\n').Where(l => l.Length > 0).Select(l => "    " + l + "\n"));

    /// <summary>Each applied action on the terminal's progress line: <c>[ 12/200] join_member #ops:example.com</c>.</summary>
    private sealed class ActionProgress(TerminalProgress line) : IProgress<ApplyProgress>
    {
        public void Report(ApplyProgress value) => line.Report(value.Done, $"{value.Action.Kind} {value.Action.Target}");
    }
}
