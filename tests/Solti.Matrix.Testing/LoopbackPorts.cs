using System.Net;
using System.Net.Sockets;

namespace Solti.Matrix.Testing;

/// <summary>Ports for servers the tests start as separate processes, which must be told their port up front.</summary>
public static class LoopbackPorts
{
    /// <summary>A port free on 127.0.0.1 right now.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
