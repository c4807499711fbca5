namespace MPI;

/// <summary>
/// A set of requests completed together. Every method that reports requests as completed also removes them
/// from the list. Waiting on several requests tests them in turn, pausing briefly between rounds, because the
/// requests may be of different kinds (posted operations and matched-probe receives).
/// </summary>
public class RequestList
{
    private readonly List<Request> _requests = [];

    /// <summary>The number of requests still in the list.</summary>
    public int Count => _requests.Count;

    /// <summary>Adds a request.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    public void Add(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _requests.Add(request);
    }

    /// <summary>Removes a request (without completing it).</summary>
    public void Remove(Request request) => _requests.Remove(request);

    /// <summary>Waits until one request completes, removes it and returns it.</summary>
    /// <exception cref="InvalidOperationException">The list is empty.</exception>
    /// <exception cref="MpiException">A request failed (see <see cref="Request.Wait"/>); it stays in the list.</exception>
    public Request WaitAny()
    {
        ThrowIfEmpty();
        var spinner = new SpinWait();
        while (true)
        {
            if (TestAny() is { } completed)
                return completed;
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>A completed request (removed from the list), or null when none has completed.</summary>
    /// <exception cref="MpiException">A request failed (see <see cref="Request.Wait"/>); it stays in the list.</exception>
    public Request? TestAny()
    {
        foreach (var request in _requests)
        {
            if (request.Test() is not null)
            {
                _requests.Remove(request);
                return request;
            }
        }
        return null;
    }

    /// <summary>Waits for every request; returns them all and empties the list.</summary>
    /// <exception cref="MpiException">A request failed (see <see cref="Request.Wait"/>); it stays in the list.</exception>
    public List<Request> WaitAll()
    {
        foreach (var request in _requests)
            request.Wait();
        return TakeAll();
    }

    /// <summary>When every request has completed, returns them all and empties the list; otherwise null.</summary>
    /// <exception cref="MpiException">A request failed (see <see cref="Request.Wait"/>); it stays in the list.</exception>
    public List<Request>? TestAll()
    {
        bool all = true;
        foreach (var request in _requests)
            all &= request.Test() is not null;
        return all ? TakeAll() : null;
    }

    /// <summary>Waits until at least one request completes; returns (and removes) every completed one.</summary>
    /// <exception cref="InvalidOperationException">The list is empty.</exception>
    /// <exception cref="MpiException">A request failed (see <see cref="Request.Wait"/>); it stays in the list.</exception>
    public List<Request> WaitSome()
    {
        var completed = new List<Request> { WaitAny() };
        completed.AddRange(TestSome());
        return completed;
    }

    /// <summary>Returns (and removes) the requests that have completed; possibly none.</summary>
    /// <exception cref="MpiException">A request failed (see <see cref="Request.Wait"/>); it stays in the list.</exception>
    public List<Request> TestSome()
    {
        var completed = _requests.Where(request => request.Test() is not null).ToList();
        _requests.RemoveAll(completed.Contains);
        return completed;
    }

    private List<Request> TakeAll()
    {
        var all = new List<Request>(_requests);
        _requests.Clear();
        return all;
    }

    private void ThrowIfEmpty()
    {
        if (_requests.Count == 0)
            throw new InvalidOperationException("The request list is empty: there is nothing to wait for.");
    }
}
