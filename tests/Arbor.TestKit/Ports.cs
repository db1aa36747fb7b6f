using System.Net;
using System.Net.Sockets;

namespace Arbor.TestKit;

/// <summary>TCP ports for tests that start servers or process groups on 127.0.0.1.</summary>
public static class Ports
{
    /// <summary>
    /// A port that was free a moment ago: the kernel's choice for a listener bound to port 0, released at once. Another
    /// process could take it in between; tests on one machine accept that small race, as torch's own tests do.
    /// </summary>
    public static int Free()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
