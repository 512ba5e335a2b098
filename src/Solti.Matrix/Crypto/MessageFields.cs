using System.Buffers;

namespace Solti.Matrix.Crypto;

/// <summary>The key-value payload shared by Olm and Megolm messages (a subset of the Protocol Buffers encoding): a varint
/// tag whose low 3 bits give the value's type, 0 for a varint integer, 2 for length-prefixed bytes. Integers are
/// little-endian base-128 varints. Unknown fields are skipped on reading, as the specs allow.</summary>
internal static class MessageFields
{
    public const int IntegerType = 0;
    public const int BytesType = 2;

    public static void WriteInteger(ArrayBufferWriter<byte> output, byte tag, ulong value)
    {
        output.Write([tag]);
        WriteVarint(output, value);
    }

    public static void WriteBytes(ArrayBufferWriter<byte> output, byte tag, ReadOnlySpan<byte> value)
    {
        output.Write([tag]);
        WriteVarint(output, (ulong)value.Length);
        output.Write(value);
    }

    /// <summary>The fields of a payload by tag (the last wins when one repeats); <see cref="CryptoException"/>
    /// (<see cref="CryptoFailure.BadMessage"/>) when it does not parse.</summary>
    public static Dictionary<ulong, Field> Read(ReadOnlySpan<byte> payload)
    {
        var fields = new Dictionary<ulong, Field>();
        while (!payload.IsEmpty)
        {
            var tag = ReadVarint(ref payload);
            switch ((int)(tag & 7))
            {
                case IntegerType:
                    fields[tag] = new Field(ReadVarint(ref payload), null);
                    break;
                case BytesType:
                    var length = ReadVarint(ref payload);
                    if (length > (ulong)payload.Length)
                    {
                        throw Malformed("a field runs past the end of the message");
                    }

                    fields[tag] = new Field(0, payload[..(int)length].ToArray());
                    payload = payload[(int)length..];
                    break;
                default:
                    throw Malformed($"a field of unknown type {tag & 7}");
            }
        }

        return fields;
    }

    public static byte[] RequiredBytes(Dictionary<ulong, Field> fields, byte tag, string what, int? length = null) =>
        fields.TryGetValue(tag, out var field) && field.Bytes is { } bytes && (length is null || bytes.Length == length)
            ? bytes
            : throw Malformed($"the message has no valid {what}");

    public static uint RequiredIndex(Dictionary<ulong, Field> fields, byte tag, string what) =>
        fields.TryGetValue(tag, out var field) && field.Bytes is null && field.Integer <= uint.MaxValue
            ? (uint)field.Integer
            : throw Malformed($"the message has no valid {what}");

    public static CryptoException Malformed(string why) => new(CryptoFailure.BadMessage, why);

    private static void WriteVarint(ArrayBufferWriter<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Write([(byte)(value | 0x80)]);
            value >>= 7;
        }

        output.Write([(byte)value]);
    }

    private static ulong ReadVarint(ref ReadOnlySpan<byte> input)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (input.IsEmpty)
            {
                throw Malformed("a varint runs past the end of the message");
            }

            var b = input[0];
            input = input[1..];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw Malformed("a varint longer than 64 bits");
    }

    /// <summary>One field: an integer, or bytes when <see cref="Bytes"/> is set.</summary>
    internal readonly record struct Field(ulong Integer, byte[]? Bytes);
}
