using System.Globalization;
using System.Text;

namespace Solti.Matrix.Crypto;

/// <summary>Matrix's canonical JSON (spec appendix "Canonical JSON"): UTF-8, no insignificant whitespace, object keys
/// sorted by Unicode code point, integers only (within ±(2^53-1), no exponent, no <c>-0</c>), and only the escapes the
/// grammar allows: <c>\" \\ \b \t \n \f \r</c> and <c>\u00XX</c> for the other control characters.</summary>
public static class CanonicalJson
{
    /// <summary>The largest magnitude an integer may have: 2^53 - 1.</summary>
    public const long MaxSafeInteger = (1L << 53) - 1;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The canonical bytes of <paramref name="value"/>; <see cref="ArgumentException"/> for a fraction, an integer
    /// out of range or a string that is not valid Unicode.</summary>
    public static byte[] Encode(JsonNode? value)
    {
        var text = new StringBuilder();
        Write(text, value);
        try
        {
            return StrictUtf8.GetBytes(text.ToString());
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("canonical JSON: a string holds a lone surrogate", nameof(value), e);
        }
    }

    /// <summary>The canonical text of <paramref name="value"/>.</summary>
    public static string Serialize(JsonNode? value) => StrictUtf8.GetString(Encode(value));

    /// <summary>Orders keys by Unicode code point, which is the order of their UTF-8 bytes (ordinal UTF-16 order is not:
    /// it puts U+10000 and above before U+E000).</summary>
    internal static int CompareKeys(string left, string right) =>
        Encoding.UTF8.GetBytes(left).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(right));

    private static void Write(StringBuilder text, JsonNode? value)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, member) in obj.OrderBy(pair => pair.Key, Comparer<string>.Create(CompareKeys)))
                {
                    text.Append(first ? "" : ",");
                    first = false;
                    WriteString(text, key);
                    text.Append(':');
                    Write(text, member);
                }

                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    text.Append(i == 0 ? "" : ",");
                    Write(text, array[i]);
                }

                text.Append(']');
                break;
            case JsonValue scalar:
                WriteScalar(text, scalar);
                break;
            default:
                throw new ArgumentException($"canonical JSON: unexpected node {value.GetType().Name}", nameof(value));
        }
    }

    private static void WriteScalar(StringBuilder text, JsonValue scalar)
    {
        switch (scalar.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(text, scalar.GetValue<string>());
                break;
            case JsonValueKind.Number:
                text.Append(Integer(scalar.ToJsonString()).ToString(CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            case JsonValueKind.Null:
                text.Append("null");
                break;
            default:
                throw new ArgumentException("canonical JSON: a value that is not JSON", nameof(scalar));
        }
    }

    /// <summary>A number's text as the integer it denotes (<c>1e10</c> is 10000000000, <c>-0</c> is 0).</summary>
    private static long Integer(string number)
    {
        if (!long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            // An exponent or a fraction: an integer only when the value is whole (and then within range, so exact).
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) || real != Math.Floor(real))
            {
                throw new ArgumentException($"canonical JSON: {number} is not an integer");
            }

            integer = Math.Abs(real) <= MaxSafeInteger ? (long)real : long.MaxValue;
        }

        return integer is >= -MaxSafeInteger and <= MaxSafeInteger ? integer : throw new ArgumentException($"canonical JSON: {number} is outside ±(2^53-1)");
    }

    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\t': text.Append("\\t"); break;
                case '\n': text.Append("\\n"); break;
                case '\f': text.Append("\\f"); break;
                case '\r': text.Append("\\r"); break;
                case < ' ': text.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }

        text.Append('"');
    }
}
