namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Where transaction ids are de-duplicated.</summary>
public enum TxnScope
{
    /// <summary>Per device (spec v1.7, Synapse ≥ 1.83): survives re-login with the same device_id.</summary>
    Device,

    /// <summary>Per access token (Synapse ≤ 1.82): a new token loses de-duplication.</summary>
    AccessToken,
}
