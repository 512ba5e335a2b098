namespace Solti.Matrix.Homeserver.Faults;

/// <summary>The active fault rules; the first matching rule with uses left applies to a request.</summary>
public sealed class FaultInjector
{
    private readonly Lock _sync = new();
    private readonly List<FaultRule> _rules = [];

    public void Add(FaultRule rule)
    {
        lock (_sync)
        {
            _rules.Add(rule);
        }
    }

    public void Clear()
    {
        lock (_sync)
        {
            _rules.Clear();
        }
    }

    public IReadOnlyList<FaultRule> Rules()
    {
        lock (_sync)
        {
            return [.. _rules];
        }
    }

    /// <summary>Takes one use of the first matching rule, removing it when it is used up.</summary>
    public FaultRule? Take(string method, string path, string? endpoint)
    {
        lock (_sync)
        {
            var rule = _rules.FirstOrDefault(r => r.Matches(method, path, endpoint));
            if (rule?.Remaining is { } remaining)
            {
                rule.Remaining = remaining - 1;
                if (rule.Remaining <= 0)
                {
                    _rules.Remove(rule);
                }
            }

            return rule;
        }
    }
}
