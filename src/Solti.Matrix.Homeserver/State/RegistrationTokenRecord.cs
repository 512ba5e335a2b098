namespace Solti.Matrix.Homeserver.State;

public sealed class RegistrationTokenRecord
{
    public required string Token { get; set; }
    public int? UsesAllowed { get; set; }
    public int Pending { get; set; }
    public int Completed { get; set; }
    public long? ExpiryTime { get; set; }
}
