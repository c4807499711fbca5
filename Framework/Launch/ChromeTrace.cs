using System.Text.Json;

namespace MPI.Launch;

/// <summary>
/// Writes a <see cref="JobTimeline"/> in Chrome's trace-event format (the JSON object form: <c>traceEvents</c>,
/// <c>displayTimeUnit</c>, <c>otherData</c>), which Perfetto (ui.perfetto.dev) and chrome://tracing open: each host
/// is a process, each rank a thread of it; a rank's life and spans are complete events (ph X), its records, finish
/// and exit instant events (ph i, thread scope); the launcher's records are global instant events. Timestamps and
/// durations are microseconds from <see cref="JobTimeline.From"/>.
/// </summary>
internal static class ChromeTrace
{
    public static void Write(JobTimeline timeline, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        var job = timeline.Job;
        double Us(DateTimeOffset time) => Math.Round((time - timeline.From).Ticks / 10.0, 1);
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartObject("otherData");
        json.WriteString("jobId", job.Id);
        json.WriteString("name", job.Name);
        json.WriteString("state", job.State.ToString());
        json.WriteString("reason", job.Reason);
        json.WriteString("start", timeline.From.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("command", job.CommandLine);
        json.WriteEndObject();
        json.WriteStartArray("traceEvents");
        int pid = 0;
        foreach (var host in timeline.Hosts)
        {
            pid++;
            Metadata(json, "process_name", pid, null, "name", $"{host.Key}");
            Metadata(json, "process_sort_index", pid, null, "sort_index", pid);
            foreach (var lane in host)
            {
                int tid = lane.Rank + 1; // thread 0 reads as a process's idle thread in some viewers
                Metadata(json, "thread_name", pid, tid, "name", lane.ProcessId is { } id ? $"rank {lane.Rank} (pid {id})" : $"rank {lane.Rank}");
                Metadata(json, "thread_sort_index", pid, tid, "sort_index", lane.Rank);
                Event(json, "X", $"rank {lane.Rank}", "rank", pid, tid, Us(lane.Start), Us(lane.End) - Us(lane.Start), writer =>
                {
                    writer.WriteNumber("rank", lane.Rank);
                    writer.WriteString("host", lane.Host);
                    if (lane.ExitCode is { } code)
                        writer.WriteNumber("exitCode", code);
                    if (lane.Signal is { } signal)
                        writer.WriteNumber("signal", signal);
                    writer.WriteBoolean("failed", lane.Failed);
                    if (lane.Failure is not null)
                        writer.WriteString("failure", lane.Failure);
                });
                foreach (var span in lane.Spans)
                {
                    Event(json, "X", span.Name, "span", pid, tid, Us(span.Start), Us(span.End) - Us(span.Start), writer =>
                    {
                        writer.WriteNumber("depth", span.Depth);
                        writer.WriteBoolean("ended", span.Ended);
                    });
                }
                foreach (var mark in lane.Marks)
                    Instant(json, mark, pid, tid, Us(mark.Time));
                if (lane.Finished is { } finished)
                    Event(json, "i", "finished", "lifecycle", pid, tid, Us(finished), null, null);
                var ending = lane.Signal is { } s ? $"ended by signal {s}" : lane.ExitCode is { } c ? $"exited with code {c}" : "ended";
                Event(json, "i", lane.Failed ? $"FAILED: {ending}" : ending, "lifecycle", pid, tid, Us(lane.End), null, null);
            }
        }
        foreach (var mark in timeline.JobMarks)
            Instant(json, mark, 0, null, Us(mark.Time));
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Instant(Utf8JsonWriter json, TimelineMark mark, int pid, int? tid, double ts)
    {
        var name = mark.Message.Length > 100 ? mark.Message[..100] + "..." : mark.Message;
        Event(json, "i", mark.Level == "Fatal" ? $"FATAL: {name}" : name, mark.Level, pid, tid, ts, null, writer =>
        {
            writer.WriteString("level", mark.Level);
            writer.WriteString("message", mark.Message);
            if (mark.Exception is not null)
                writer.WriteString("exception", mark.Exception);
        });
    }

    private static void Event(Utf8JsonWriter json, string phase, string name, string category, int pid, int? tid, double ts,
        double? duration, Action<Utf8JsonWriter>? args)
    {
        json.WriteStartObject();
        json.WriteString("ph", phase);
        json.WriteString("name", name);
        json.WriteString("cat", category);
        json.WriteNumber("pid", pid);
        if (tid is { } thread)
            json.WriteNumber("tid", thread);
        json.WriteNumber("ts", ts);
        if (duration is { } dur)
            json.WriteNumber("dur", Math.Round(Math.Max(dur, 0), 1));
        if (phase == "i")
            json.WriteString("s", tid is null ? "g" : "t"); // a thread's mark, or across the whole trace
        if (args is not null)
        {
            json.WriteStartObject("args");
            args(json);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void Metadata(Utf8JsonWriter json, string name, int pid, int? tid, string key, object value)
    {
        json.WriteStartObject();
        json.WriteString("ph", "M");
        json.WriteString("name", name);
        json.WriteNumber("pid", pid);
        if (tid is { } thread)
            json.WriteNumber("tid", thread);
        json.WriteStartObject("args");
        if (value is int number)
            json.WriteNumber(key, number);
        else
            json.WriteString(key, value.ToString());
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
