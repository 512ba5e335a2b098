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

    public JsonObject ToBody()
    {
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
