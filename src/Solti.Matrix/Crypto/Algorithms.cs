namespace Solti.Matrix.Crypto;

/// <summary>The names of the two encryption algorithms, as events and device keys carry them.</summary>
public static class Algorithms
{
    /// <summary>Olm version 1, for to-device messages.</summary>
    public const string Olm = "m.olm.v1.curve25519-aes-sha2";

    /// <summary>Megolm version 1, for room events.</summary>
    public const string Megolm = "m.megolm.v1.aes-sha2";

    /// <summary>The one-time key algorithm a device uploads and others claim.</summary>
    public const string SignedCurve25519 = "signed_curve25519";
}
