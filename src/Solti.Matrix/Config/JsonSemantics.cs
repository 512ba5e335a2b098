using System.Globalization;

namespace Solti.Matrix.Config;

/// <summary>Equality as the server means it: numbers by value (50 = 50.0), and in mappings a null equals a missing key.</summary>
public static class JsonSemantics
{
    /// <summary>True when the two values mean the same: numbers by value (50 = 50.0), mappings key by key in any order,
    /// lists in order; a missing value equals null.</summary>
    public static bool Equal(JsonNode? a, JsonNode? b)
    {
        if (IsNull(a) || IsNull(b))
        {
            return IsNull(a) && IsNull(b);
        }

        switch (a, b)
        {
            case (JsonObject x, JsonObject y):
                return x.Select(p => p.Key).Union(y.Select(p => p.Key), StringComparer.Ordinal).All(k => Equal(x[k], y[k]));
            case (JsonArray x, JsonArray y):
                return x.Count == y.Count && x.Zip(y).All(p => Equal(p.First, p.Second));
            case (JsonValue x, JsonValue y) when x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number:
                return decimal.TryParse(x.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                    && decimal.TryParse(y.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                    ? m == n
                    : x.ToJsonString() == y.ToJsonString();
            case (JsonValue x, JsonValue y):
                return x.GetValueKind() == y.GetValueKind() && x.ToJsonString() == y.ToJsonString();
            default:
                return false;
        }
    }

    /// <summary>True for a missing value and for JSON <c>null</c>.</summary>
    public static bool IsNull(JsonNode? node) => node is null || (node is JsonValue v && v.GetValueKind() == JsonValueKind.Null);

    /// <summary>The parts of two mappings that differ (recursing into mappings), as (before, after).</summary>
    public static (JsonObject Before, JsonObject After) Changed(JsonObject before, JsonObject after)
    {
        var b = new JsonObject();
        var a = new JsonObject();
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal))
        {
            if (Equal(before[key], after[key]))
            {
                continue;
            }

            if (before[key] is JsonObject x && after[key] is JsonObject y)
            {
                (b[key], a[key]) = Changed(x, y);
            }
            else
            {
                b[key] = before[key]?.DeepClone();
                a[key] = after[key]?.DeepClone();
            }
        }

        return (b, a);
    }
}
