using System.Diagnostics;
using System.Globalization;

namespace Launch.Tests;

/// <summary>
/// Takes every inotify instance left to the user until disposed, as many jobs, editors and sessions together do: Linux
/// allows each user 128 in all their processes (fs.inotify.max_user_instances). A helper process holds them.
/// </summary>
internal sealed class InotifyExhaustion : IDisposable
{
    private const string Holder = """
        import ctypes, sys
        libc = ctypes.CDLL(None, use_errno=True)
        taken = 0
        while libc.inotify_init1(0) >= 0:
            taken += 1
        print(taken, flush=True)
        sys.stdin.read()
        """;

    private readonly Process _holder;

    public InotifyExhaustion()
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Holder);
        _holder = Process.Start(start)!;
        Taken = int.Parse(_holder.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
    }

    /// <summary>How many instances the helper took.</summary>
    public int Taken { get; }

    public void Dispose()
    {
        _holder.StandardInput.Close();
        _holder.WaitForExit();
        _holder.Dispose();
    }
}
