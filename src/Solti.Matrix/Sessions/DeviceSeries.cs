using System.Globalization;

namespace Solti.Matrix.Sessions;

/// <summary>The ids a bot's device takes, one after another, so that an id is never used again with new keys: the base
/// (the configured device id, else <see cref="MatrixSession.StableDeviceId"/>) is generation 1, and generation
/// <c>n</c> ≥ 2 is the base followed by <c>n</c> in decimal (<c>SOLTIKQWZP</c>, <c>SOLTIKQWZP2</c>,
/// <c>SOLTIKQWZP3</c>, …): letters and digits only, a valid device id on every homeserver. Which generation a device
/// moves to, and when, is decided in one place: <c>Encryption/OwnDevice.cs</c> (docs/encryption.md, "Recovering a
/// device").</summary>
public static class DeviceSeries
{
    /// <summary>The id of generation <paramref name="generation"/> (≥ 1) of the series of <paramref name="baseId"/>.</summary>
    public static string Id(string baseId, int generation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(generation, 1);
        return generation == 1 ? baseId : baseId + generation.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The generation of <paramref name="deviceId"/> in the series of <paramref name="baseId"/>: 1 for the base,
    /// <c>n</c> for the base followed by <c>n</c> ≥ 2 (no leading zero); null when the device is not of the series.</summary>
    public static int? Generation(string baseId, string deviceId)
    {
        if (deviceId == baseId)
        {
            return 1;
        }

        if (!deviceId.StartsWith(baseId, StringComparison.Ordinal))
        {
            return null;
        }

        var suffix = deviceId.AsSpan(baseId.Length);
        return suffix.Length is > 0 and <= 9 && suffix[0] != '0' && int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var generation) && generation >= 2
            ? generation
            : null;
    }
}
