namespace Solti.Matrix.Homeserver.Http;

/// <summary>A Matrix error response, shaped as Synapse shapes it: <c>{"errcode","error",...}</c>.</summary>
public sealed class HomeserverErrorException : Exception
{
    public HomeserverErrorException(int status, string errcode, string error, JsonObject? extra = null)
        : base(error)
    {
        Status = status;
        Errcode = errcode;
        Extra = extra;
    }

    public int Status { get; }

    public string Errcode { get; }

    public JsonObject? Extra { get; }

    /// <summary>A body in another shape than Matrix's (the MAS emulation's <c>{"errors":[…]}</c> and OAuth 2.0 errors).</summary>
    public JsonObject? Body { get; init; }

    public JsonObject ToBody()
    {
        if (Body is not null)
        {
            return (JsonObject)Body.DeepClone();
        }

        var body = new JsonObject { ["errcode"] = Errcode, ["error"] = Message };
        if (Extra is not null)
        {
            foreach (var (key, value) in Extra)
            {
                body[key] = value?.DeepClone();
            }
        }

        return body;
    }
}
