using Solti.Matrix.Sessions;

namespace Solti.Matrix.Tests;

/// <summary>The ids a bot's device moves along when its host lost its keys: the base, then the base and a generation
/// (docs/encryption.md, "Recovering a device").</summary>
[Trait("tier", "unit")]
public sealed class DeviceSeriesTests
{
    [Fact]
    public void A_series_is_its_base_then_the_base_and_a_generation_in_decimal()
    {
        Assert.Equal(["SOLTIKQWZP", "SOLTIKQWZP2", "SOLTIKQWZP3", "SOLTIKQWZP10"], new[] { 1, 2, 3, 10 }.Select(g => DeviceSeries.Id("SOLTIKQWZP", g)));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceSeries.Id("SOLTIKQWZP", 0));
        Assert.Matches("^SOLTI[A-Z]{5}$", MatrixSession.StableDeviceId("@bot:example.org")); // letters only: its series reads back unambiguously
    }

    [Theory]
    [InlineData("SOLTIKQWZP", 1)]
    [InlineData("SOLTIKQWZP2", 2)]
    [InlineData("SOLTIKQWZP17", 17)]
    [InlineData("SOLTIKQWZP1", null)] // generation 1 is the base itself
    [InlineData("SOLTIKQWZP02", null)]
    [InlineData("SOLTIKQWZP-2", null)]
    [InlineData("SOLTIKQWZPX", null)]
    [InlineData("SOLTIKQWZ", null)]
    [InlineData("OTHERDEVICE", null)]
    [InlineData("SOLTIKQWZP99999999999", null)]
    public void The_generation_of_a_device_is_read_against_the_base(string deviceId, int? generation) =>
        Assert.Equal(generation, DeviceSeries.Generation("SOLTIKQWZP", deviceId));

    [Fact]
    public void A_configured_device_id_ending_in_a_digit_has_a_series_too()
    {
        Assert.Equal("BOT12", DeviceSeries.Id("BOT1", 2));
        Assert.Equal(2, DeviceSeries.Generation("BOT1", "BOT12"));
        Assert.Equal(1, DeviceSeries.Generation("BOT1", "BOT1"));
    }
}
