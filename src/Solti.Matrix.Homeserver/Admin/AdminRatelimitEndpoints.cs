namespace Solti.Matrix.Homeserver.Admin;

public static class AdminRatelimitEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        _ = routes;
    }
}
