using System.Text.Json.Nodes;
using Solti.Matrix.Crypto;

namespace Solti.Matrix.Tests.Crypto;

/// <summary>Canonical JSON and signing JSON against the spec appendix's own examples ("Canonical JSON", "Signing
/// Details", "Cryptographic Test Vectors"), and signed device keys against matrix-js-sdk's generated test data.</summary>
[Trait("tier", "unit")]
public sealed class CanonicalJsonTests
{
    // The spec's signing key seed; its last character carries bits past the 32 bytes, which decoding ignores.
    private static readonly Ed25519KeyPair SpecKey = Ed25519KeyPair.FromSeed(UnpaddedBase64.Decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"));

    [Theory] // spec appendix "Canonical JSON", "Examples"
    [InlineData("{}", "{}")]
    [InlineData("{\n    \"one\": 1,\n    \"two\": \"Two\"\n}", "{\"one\":1,\"two\":\"Two\"}")]
    [InlineData("{\n    \"b\": \"2\",\n    \"a\": \"1\"\n}", "{\"a\":\"1\",\"b\":\"2\"}")]
    [InlineData("{\"b\":\"2\",\"a\":\"1\"}", "{\"a\":\"1\",\"b\":\"2\"}")]
    [InlineData(
        "{\"auth\": {\"success\": true, \"mxid\": \"@john.doe:example.com\", \"profile\": {\"display_name\": \"John Doe\", \"three_pids\": [{\"medium\": \"email\", \"address\": \"john.doe@example.org\"}, {\"medium\": \"msisdn\", \"address\": \"123456789\"}]}}}",
        "{\"auth\":{\"mxid\":\"@john.doe:example.com\",\"profile\":{\"display_name\":\"John Doe\",\"three_pids\":[{\"address\":\"john.doe@example.org\",\"medium\":\"email\"},{\"address\":\"123456789\",\"medium\":\"msisdn\"}]},\"success\":true}}")]
    [InlineData("{\"a\": \"日本語\"}", "{\"a\":\"日本語\"}")]
    [InlineData("{\"本\": 2, \"日\": 1}", "{\"日\":1,\"本\":2}")]
    [InlineData("{\"a\": \"\\u65E5\"}", "{\"a\":\"日\"}")]
    [InlineData("{\"a\": null}", "{\"a\":null}")]
    [InlineData("{\"a\": -0, \"b\": 1e10}", "{\"a\":0,\"b\":10000000000}")]
    public void Matches_the_spec_examples(string input, string canonical) =>
        Assert.Equal(canonical, CanonicalJson.Serialize(JsonNode.Parse(input)));

    [Fact]
    public void Escapes_only_what_the_grammar_escapes()
    {
        var value = new JsonObject { ["s"] = "q\" b\\ \b\t\n\f\r \u0001\u001f \u007f / é \u2028 <>&'" };

        Assert.Equal("{\"s\":\"q\\\" b\\\\ \\b\\t\\n\\f\\r \\u0001\\u001f \u007f / é \u2028 <>&'\"}", CanonicalJson.Serialize(value));
    }

    [Fact]
    public void Sorts_keys_by_code_point_not_by_UTF16_unit()
    {
        // U+1F600 is a surrogate pair (D83D DE00) that ordinal UTF-16 order puts before U+E000; by code point it is after.
        var value = new JsonObject { ["\U0001F600"] = 1, ["\uE000"] = 2, ["z"] = 3, ["Z"] = 4 };

        Assert.Equal("{\"Z\":4,\"z\":3,\"\uE000\":2,\"\U0001F600\":1}", CanonicalJson.Serialize(value));
    }

    [Fact]
    public void Writes_values_built_in_code_like_parsed_ones()
    {
        var built = new JsonObject { ["n"] = 42, ["l"] = 9007199254740991L, ["neg"] = -7, ["t"] = true, ["f"] = false, ["a"] = new JsonArray(1, "x", null) };

        Assert.Equal("{\"a\":[1,\"x\",null],\"f\":false,\"l\":9007199254740991,\"n\":42,\"neg\":-7,\"t\":true}", CanonicalJson.Serialize(built));
        Assert.Equal(CanonicalJson.Serialize(built), CanonicalJson.Serialize(JsonNode.Parse(built.ToJsonString())));
    }

    [Theory]
    [InlineData("{\"a\": 1.5}")]
    [InlineData("{\"a\": 9007199254740992}")]
    [InlineData("{\"a\": -9007199254740992}")]
    [InlineData("{\"a\": 1e300}")]
    [InlineData("{\"a\": -9223372036854775808}")]
    public void Refuses_fractions_and_integers_out_of_range(string input) =>
        Assert.Throws<ArgumentException>(() => CanonicalJson.Encode(JsonNode.Parse(input)));

    [Fact] // spec appendix "Cryptographic Test Vectors", "JSON Signing"
    public void Signs_the_spec_examples()
    {
        var empty = new JsonObject();
        SignedJson.Sign(empty, "domain", "ed25519:1", SpecKey);
        Assert.Equal(
            "{\"signatures\":{\"domain\":{\"ed25519:1\":\"K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ\"}}}",
            CanonicalJson.Serialize(empty));

        var data = new JsonObject { ["one"] = 1, ["two"] = "Two" };
        SignedJson.Sign(data, "domain", "ed25519:1", SpecKey);
        Assert.Equal(
            "{\"one\":1,\"signatures\":{\"domain\":{\"ed25519:1\":\"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw\"}},\"two\":\"Two\"}",
            CanonicalJson.Serialize(data));
        Assert.True(SignedJson.Verify(data, "domain", "ed25519:1", SpecKey.PublicKey));
    }

    [Fact]
    public void Signing_leaves_out_signatures_and_unsigned_and_keeps_other_signatures()
    {
        var value = new JsonObject
        {
            ["one"] = 1,
            ["unsigned"] = new JsonObject { ["age_ts"] = 922834800000 },
            ["signatures"] = new JsonObject { ["other.org"] = new JsonObject { ["ed25519:x"] = "kept" } },
        };

        var signature = SignedJson.Sign(value, "domain", "ed25519:1", SpecKey);

        Assert.Equal("kept", (string?)value["signatures"]!["other.org"]!["ed25519:x"]);
        Assert.Equal(signature, (string?)value["signatures"]!["domain"]!["ed25519:1"]);
        Assert.Equal(UnpaddedBase64.Encode(SpecKey.Sign("{\"one\":1}"u8)), signature);
        value["unsigned"]!["age_ts"] = 1;
        Assert.True(SignedJson.Verify(value, "domain", "ed25519:1", SpecKey.PublicKey));
        value["one"] = 2;
        Assert.False(SignedJson.Verify(value, "domain", "ed25519:1", SpecKey.PublicKey));
        Assert.False(SignedJson.Verify(value, "domain", "ed25519:2", SpecKey.PublicKey));
        Assert.False(SignedJson.Verify(value, "nobody", "ed25519:1", SpecKey.PublicKey));
    }

    // matrix-js-sdk spec/test-utils/test-data (generate-test-data.py): the device's Ed25519 seed is
    // "deadbeefdeadbeefdeadbeefdeadbeef", its Curve25519 private key "deadmuledeadmuledeadmuledeadmule".
    private const string JsSdkDeviceKeys = """
        {
            "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
            "device_id": "test_device",
            "keys": {
                "curve25519:test_device": "F4uCNNlcbRvc7CfBz95ZGWBvY1ALniG1J8+6rhVoKS0",
                "ed25519:test_device": "YI/7vbGVLpGdYtuceQR8MSsKB/QjgfMXM1xqnn+0NWU"
            },
            "user_id": "@alice:localhost",
            "signatures": {
                "@alice:localhost": {
                    "ed25519:test_device": "LmQC/yAUZJmkxZ+3L0nEwvtVWOzjqQqADWBhk+C47SPaFYHeV+E291mgXaSCJVeGltX+HC49Aw7nb6ga7sw0Aw"
                }
            }
        }
        """;

    [Fact]
    public void Signed_device_keys_match_matrix_js_sdk_test_data()
    {
        var published = JsonNode.Parse(JsSdkDeviceKeys)!.AsObject();
        var key = Ed25519KeyPair.FromSeed("deadbeefdeadbeefdeadbeefdeadbeef"u8);
        var curve = Curve25519KeyPair.FromPrivateKey("deadmuledeadmuledeadmuledeadmule"u8);

        Assert.Equal("YI/7vbGVLpGdYtuceQR8MSsKB/QjgfMXM1xqnn+0NWU", key.PublicKey);
        Assert.Equal("WimPd2udAU/1S/+YBpPbmr9L+0H5H+BnAVHSwDxlPGc", curve.PublicKey); // its sender_key
        var ours = DeviceKeys.Build("@alice:localhost", "test_device", "F4uCNNlcbRvc7CfBz95ZGWBvY1ALniG1J8+6rhVoKS0", key);
        Assert.Equal(CanonicalJson.Serialize(published), CanonicalJson.Serialize(ours));

        var identity = DeviceKeys.Verify(published, "@alice:localhost", "test_device");
        Assert.Equal(new DeviceIdentity("@alice:localhost", "test_device", "F4uCNNlcbRvc7CfBz95ZGWBvY1ALniG1J8+6rhVoKS0", key.PublicKey), identity);
    }

    [Fact]
    public void Device_keys_of_another_device_or_with_a_bad_signature_are_refused()
    {
        var published = JsonNode.Parse(JsSdkDeviceKeys)!.AsObject();
        Assert.Equal(CryptoFailure.BadEncoding, Assert.Throws<CryptoException>(() => DeviceKeys.Verify(published, "@alice:localhost", "OTHER")).Failure);

        published["keys"]!["curve25519:test_device"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        Assert.Equal(CryptoFailure.BadSignature, Assert.Throws<CryptoException>(() => DeviceKeys.Verify(published, "@alice:localhost", "test_device")).Failure);
    }

    [Fact] // matrix-js-sdk test data: a signed one-time key as /keys/claim returns it
    public void A_claimed_one_time_key_is_checked_against_the_device_key()
    {
        var claimed = JsonNode.Parse("""
            {
                "key": "j3fR3HemM16M7CWhoI4Sk5ZsdmdfQHsKL1xuSft6MSw",
                "signatures": {
                    "@alice:localhost": {
                        "ed25519:test_device": "25djC6Rk6gIgFBMVawY9X9LnY8XMMziey6lKqL8Q5Bbp7T1vw9uk0RE7eKO2a/jNLcYroO2xRztGhBrKz5sOCQ"
                    }
                }
            }
            """)!.AsObject();
        const string deviceKey = "YI/7vbGVLpGdYtuceQR8MSsKB/QjgfMXM1xqnn+0NWU";

        Assert.Equal("j3fR3HemM16M7CWhoI4Sk5ZsdmdfQHsKL1xuSft6MSw", DeviceKeys.VerifyOneTimeKey(claimed, "@alice:localhost", "test_device", deviceKey));
        var ours = DeviceKeys.SignedKey("j3fR3HemM16M7CWhoI4Sk5ZsdmdfQHsKL1xuSft6MSw", fallback: false, "@alice:localhost", "test_device", Ed25519KeyPair.FromSeed("deadbeefdeadbeefdeadbeefdeadbeef"u8));
        Assert.Equal(CanonicalJson.Serialize(claimed), CanonicalJson.Serialize(ours));

        Assert.Throws<CryptoException>(() => DeviceKeys.VerifyOneTimeKey(claimed, "@alice:localhost", "test_device", Ed25519KeyPair.Generate().PublicKey));
        claimed["fallback"] = true; // a flag added after signing breaks the signature
        Assert.Throws<CryptoException>(() => DeviceKeys.VerifyOneTimeKey(claimed, "@alice:localhost", "test_device", deviceKey));
    }
}
