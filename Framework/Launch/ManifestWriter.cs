namespace MPI.Launch;

/// <summary>
/// Writes a running job's manifest to the store off the caller's thread, newest first: versions posted while a write
/// is under way are coalesced into one write of the newest, so a burst of rank events costs a few writes, not one
/// each, and the job's lock is never held over the disk. Versions must be posted in the order they were made (the
/// job posts under its lock).
/// </summary>
internal sealed class ManifestWriter(JobStore store, Action<JobManifest> written)
{
    private JobManifest? _pending;
    private Task _last = Task.CompletedTask;

    /// <summary>Queues <paramref name="manifest"/> to be written; returns at once.</summary>
    public void Post(JobManifest manifest)
    {
        // A write already queued takes the newest version when it runs; otherwise one is queued after the last.
        if (Interlocked.Exchange(ref _pending, manifest) is null)
            _last = _last.ContinueWith(_ => WritePending(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// Makes <paramref name="change"/> of <paramref name="current"/> the newest version, under <paramref name="gate"/>
    /// (the job's lock, so that versions are posted in the order they are made), posts it and returns it.
    /// </summary>
    public JobManifest Update(Lock gate, ref JobManifest current, Func<JobManifest, JobManifest> change)
    {
        lock (gate)
        {
            var changed = change(current);
            Volatile.Write(ref current, changed);
            Post(changed);
            return changed;
        }
    }

    /// <summary>The task that completes when every version posted so far is written (read it where versions are posted).</summary>
    public Task Written => _last;

    private void WritePending()
    {
        if (Interlocked.Exchange(ref _pending, null) is not { } manifest)
            return;
        store.Save(manifest);
        written(manifest);
    }
}
