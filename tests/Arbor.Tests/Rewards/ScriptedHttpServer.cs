using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Arbor.Tests.Rewards;

/// <summary>One request as it came over the wire, and when (since the server started).</summary>
internal sealed record RecordedRequest(string RequestLine, IReadOnlyDictionary<string, string> Headers, byte[] Body, TimeSpan ArrivedAt);

/// <summary>
/// A minimal HTTP/1.0-style server on a raw socket, like Python's http.server: it reads the body only by
/// Content-Length, answers request number N (from 0) with <c>answer(N)</c>, closes the connection, and records
/// every request for the test to inspect. <c>headers(N)</c>, when given, adds header lines to answer N (e.g. Retry-After).
/// </summary>
internal sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, (int Status, string Body)> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<int, string> _headers;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;

    public ScriptedHttpServer(Func<int, (int Status, string Body)> answer, Func<int, string>? headers = null)
    {
        _answer = answer;
        _headers = headers ?? (_ => "");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    private async Task LoopAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                await ServeAsync(client.GetStream());
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested) { }
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(head) && await stream.ReadAsync(one, _stop.Token) == 1) head.Add(one[0]);
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = new byte[headers.TryGetValue("Content-Length", out var length) ? int.Parse(length) : 0];
        await stream.ReadExactlyAsync(body, _stop.Token);
        var arrived = _clock.Elapsed;
        var requestLine = lines.FirstOrDefault() ?? "";
        Requests.Enqueue(new RecordedRequest(requestLine, headers, body, arrived));
        int n = Requests.Count - 1;
        // a POST without Content-Length is what this server cannot read; a GET has no body to measure
        bool readable = headers.ContainsKey("Content-Length") || requestLine.StartsWith("GET ");
        var (status, answer) = readable ? _answer(n) : (411, "{\"error\": \"Content-Length required\"}");
        var bytes = Encoding.UTF8.GetBytes(answer);
        var response = $"HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nContent-Length: " +
            $"{bytes.Length}\r\n{_headers(n)}Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
        await stream.WriteAsync(bytes, _stop.Token);
    }

    private static bool EndsWithBlankLine(List<byte> b) =>
        b.Count >= 4 && b[^4] == '\r' && b[^3] == '\n' && b[^2] == '\r' && b[^1] == '\n';

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
