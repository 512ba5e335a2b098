namespace Solti.Matrix.Homeserver.Admin;

public static class AdminUserEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        _ = routes;
    }
}
