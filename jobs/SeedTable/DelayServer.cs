using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// A small HTTP/1.1 server on loopback (127.0.0.1, a port the system chooses) standing in for the article's remote
/// site: <c>GET /item/k</c> is answered after <see cref="Delay"/>(k) seconds with <see cref="Body"/>(k);
/// <c>GET /warm-up</c> at once. Every connection is served by its own asynchronous loop and the delay is a timer, so
/// the server answers any number of requests at once and uses no processor while they wait.
/// </summary>
internal sealed class DelayServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly double _scale;
    private readonly Task _accepting;
    private int _inFlight, _mostInFlight;

    /// <summary>Starts listening; delays are multiplied by <paramref name="scale"/> (1 gives 0.3 to 0.7 s).</summary>
    public DelayServer(double scale)
    {
        _scale = scale;
        _listener.Start(backlog: 128);
        _accepting = AcceptAsync();
    }

    /// <summary>The port the server listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The most requests waiting for their answer at one time since the last <see cref="ResetMostInFlight"/>.</summary>
    public int MostInFlight => Volatile.Read(ref _mostInFlight);

    /// <summary>Starts counting <see cref="MostInFlight"/> again.</summary>
    public void ResetMostInFlight() => Volatile.Write(ref _mostInFlight, 0);

    /// <summary>
    /// The delay before request <paramref name="item"/> is answered, in seconds: 0.3 to 0.7 times
    /// <paramref name="scale"/>, the same in every run (a generator seeded with the item).
    /// </summary>
    public static double Delay(int item, double scale) => (0.3 + 0.4 * new Random(1600 + item).NextDouble()) * scale;

    /// <summary>A number that only the answer to request <paramref name="item"/> carries (a 64-bit mix of the item).</summary>
    public static ulong Token(int item)
    {
        ulong z = unchecked((ulong)item * 0x9E3779B97F4A7C15UL + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>The body of the answer to request <paramref name="item"/>.</summary>
    public static string Body(int item) => string.Create(CultureInfo.InvariantCulture, $"item {item} token {Token(item):x16}\n");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    // One connection: requests one after another (keep-alive) until the client closes it. A client that breaks the
    // connection only ends this loop; the client sees its own error.
    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                client.NoDelay = true;
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                while (await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { } requestLine)
                {
                    while (await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { Length: > 0 })
                    {
                        // headers: nothing in them matters here
                    }
                    var (status, body, delay) = Answer(requestLine);
                    int inFlight = Interlocked.Increment(ref _inFlight);
                    InterlockedMax(ref _mostInFlight, inFlight);
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(delay), _stop.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _inFlight);
                    }
                    var bytes = Encoding.ASCII.GetBytes(body);
                    var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                        $"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {bytes.Length}\r\n\r\n"));
                    await stream.WriteAsync(head, _stop.Token).ConfigureAwait(false);
                    await stream.WriteAsync(bytes, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private (string Status, string Body, double Delay) Answer(string requestLine)
    {
        var parts = requestLine.Split(' ');
        if (parts is ["GET", "/warm-up", _])
            return ("200 OK", "ok\n", 0);
        if (parts is ["GET", var path, _] && path.StartsWith("/item/", StringComparison.Ordinal)
            && int.TryParse(path.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out int item))
            return ("200 OK", Body(item), Delay(item, _scale));
        return ("404 Not Found", $"no such thing: {requestLine}\n", 0);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value > seen)
        {
            int before = Interlocked.CompareExchange(ref target, value, seen);
            if (before == seen)
                return;
            seen = before;
        }
    }
}
