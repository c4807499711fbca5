using System.Globalization;
using System.Text;

/// <summary>
/// What a piece of work produced: a checksum (wrapping sum) and a count (iterations, lines, responses). Tallies add
/// up in any order, so every variant's total can be compared with every other's.
/// </summary>
internal readonly record struct Tally(ulong Checksum, long Count)
{
    public static Tally operator +(Tally a, Tally b) => new(unchecked(a.Checksum + b.Checksum), a.Count + b.Count);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"checksum {Checksum:x16}, count {Count}");
}

/// <summary>
/// One of the article's three workloads, cut into <see cref="Items"/> equal pieces. Every variant (sequential,
/// threads, async, ranks, shared window) runs exactly these pieces, only distributed differently, so the total work
/// is the same in every cell of the table.
/// </summary>
internal abstract class Workload
{
    /// <summary>The row's name in the table.</summary>
    public abstract string Name { get; }

    /// <summary>The short name on the command line of a rank worker.</summary>
    public abstract string Key { get; }

    /// <summary>The number of pieces.</summary>
    public abstract int Items { get; }

    /// <summary>The total every variant must reach, when it is known without running the work (else null).</summary>
    public abstract Tally? Known { get; }

    /// <summary>Runs piece <paramref name="item"/>, blocking the calling thread until it is done.</summary>
    public abstract Tally Run(int item);

    /// <summary>Runs a small amount of the same code so that the runtime has compiled it before the clock runs.</summary>
    public abstract void WarmUp();

    /// <summary>The pieces <c>[first, end)</c> that worker <paramref name="index"/> of <paramref name="count"/> gets in a static split.</summary>
    public (int First, int End) Block(int index, int count) =>
        ((int)((long)Items * index / count), (int)((long)Items * (index + 1) / count));
}

/// <summary>
/// CPU-bound: a pure integer loop, a chain of 64-bit multiply-adds (a linear congruential generator) whose final
/// state is the checksum of each piece. Each step depends on the previous one, so neither the compiler nor the
/// processor can skip or overlap the work.
/// </summary>
internal sealed class CpuWorkload(long iterations, int items) : Workload
{
    public override string Name => "CPU-bound";

    public override string Key => "cpu";

    public override int Items => items;

    public override Tally? Known => null; // no closed form: the sequential run is the reference

    public override Tally Run(int item)
    {
        long first = iterations * item / items, end = iterations * (item + 1) / items;
        return new Tally(Loop((ulong)first, (ulong)end), end - first);
    }

    public override void WarmUp() => Loop(0, 1_000_000);

    private static ulong Loop(ulong first, ulong end)
    {
        ulong state = first;
        for (ulong i = first; i < end; i++)
            state = unchecked(state * 6364136223846793005UL + i);
        return state;
    }
}

/// <summary>
/// IO-bound: piece k writes its share of the lines (<c>line &lt;index&gt;</c>) to its own file in the directory,
/// reads the file back line by line, parses every index, and deletes the file. The checksum is the sum of the
/// indices read, the count the number of lines: both known in advance.
/// </summary>
internal sealed class IoWorkload(long lines, int items, string directory) : Workload
{
    private static readonly Encoding Ascii = new ASCIIEncoding();

    public override string Name => "IO-bound";

    public override string Key => "io";

    public override int Items => items;

    public override Tally? Known => new(unchecked((ulong)lines * (ulong)(lines - 1) / 2), lines);

    public override Tally Run(int item) =>
        WriteAndRead(Path.Combine(directory, $"lines-{item}.txt"), lines * item / items, lines * (item + 1) / items);

    public override void WarmUp() => WriteAndRead(Path.Combine(directory, "warm-up.txt"), 0, 10_000);

    private static Tally WriteAndRead(string path, long first, long end)
    {
        using (var writer = new StreamWriter(path, append: false, Ascii, bufferSize: 1 << 16))
        {
            for (long i = first; i < end; i++)
            {
                writer.Write("line ");
                writer.WriteLine(i);
            }
        }
        ulong sum = 0;
        long count = 0;
        using (var reader = new StreamReader(path, Ascii, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16))
        {
            while (reader.ReadLine() is { } line)
            {
                if (!line.StartsWith("line ", StringComparison.Ordinal))
                    throw new InvalidDataException($"{path}: line {count} reads \"{line}\".");
                sum = unchecked(sum + ulong.Parse(line.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture));
                count++;
            }
        }
        File.Delete(path);
        return new Tally(sum, count);
    }
}

/// <summary>
/// Network-bound: piece k is one HTTP GET of <c>/item/k</c> from the <see cref="DelayServer"/> on loopback, which
/// answers after a delay of its own (0.3 to 0.7 s at scale 1). The body must be exactly the one expected; the
/// checksum is the sum of the bodies' tokens, the count the number of responses.
/// </summary>
internal sealed class NetworkWorkload(int port, int requests, double delayScale) : Workload, IDisposable
{
    // Blocking and async requests share one client: connections are pooled, up to one per request in flight.
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        Timeout = TimeSpan.FromSeconds(60),
    };

    public override string Name => "network-bound";

    public override string Key => "network";

    public override int Items => requests;

    public override Tally? Known
    {
        get
        {
            ulong sum = 0;
            for (int item = 0; item < requests; item++)
                sum = unchecked(sum + DelayServer.Token(item));
            return new Tally(sum, requests);
        }
    }

    /// <summary>The server's delays for these requests, in seconds.</summary>
    public IEnumerable<double> Delays => Enumerable.Range(0, requests).Select(item => DelayServer.Delay(item, delayScale));

    public override Tally Run(int item)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"item/{item}");
        using var response = _client.Send(request);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(response.Content.ReadAsStream(), Encoding.UTF8);
        return Check(item, reader.ReadToEnd());
    }

    /// <summary>Runs piece <paramref name="item"/> without blocking a thread while the server delays.</summary>
    public async Task<Tally> RunAsync(int item) => Check(item, await _client.GetStringAsync(new Uri($"item/{item}", UriKind.Relative)).ConfigureAwait(false));

    public override void WarmUp()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "warm-up");
        using var response = _client.Send(request);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _client.Dispose();

    private static Tally Check(int item, string body) =>
        body == DelayServer.Body(item)
            ? new Tally(DelayServer.Token(item), 1)
            : throw new InvalidDataException($"Request {item} got \"{body}\", not \"{DelayServer.Body(item)}\".");
}
