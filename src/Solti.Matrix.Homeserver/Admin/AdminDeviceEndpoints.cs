namespace Solti.Matrix.Homeserver.Admin;

public static class AdminDeviceEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        _ = routes;
    }
}
