using System.Globalization;
using static System.Net.WebUtility;

namespace MPI.Launch;

/// <summary>
/// Draws a <see cref="JobTimeline"/> as one HTML page with inline SVG and CSS: laid out here, so the page needs no
/// script, font or network, and every lane is an element a browser (or a test) can find by its data attributes.
/// </summary>
internal static class TimelineHtml
{
    private const double Width = 1200, Left = 190, Right = 24, Top = 34, LaneHeight = 28, HostHeight = 24;
    private const double Plot = Width - Left - Right;

    public static void Write(JobTimeline timeline, TextWriter output)
    {
        var job = timeline.Job;
        var title = job.Name is null ? job.Id : $"{job.Name} ({job.Id})";
        var seconds = Math.Max((timeline.To - timeline.From).TotalSeconds, 1e-3);
        double X(DateTimeOffset time) => Left + (Plot * (time - timeline.From).TotalSeconds / seconds);
        int hosts = timeline.Hosts.Count();
        double height = Top + (hosts * HostHeight) + (timeline.Lanes.Count * LaneHeight) + 16;

        output.Write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        output.Write($"<title>Timeline of {HtmlEncode(title)}</title>\n<style>{Style}</style></head>\n<body>\n");
        output.Write($"<header class=\"job {Css(job.State.ToString())}\" data-job=\"{HtmlEncode(job.Id)}\" data-state=\"{job.State}\">");
        output.Write($"<h1>{HtmlEncode(title)}</h1><p><b class=\"state\">{job.State}</b> &middot; {timeline.Lanes.Count} rank(s) on {hosts} host(s)");
        output.Write($" &middot; {Time(timeline.From)} to {Time(timeline.To)} ({seconds.ToString("0.###", CultureInfo.InvariantCulture)} s)");
        if (!job.IsFinished)
            output.Write(" &middot; <i>still running: shown up to the time it was read</i>");
        output.Write("</p>");
        if (job.Reason is not null)
            output.Write($"<p class=\"reason\">{HtmlEncode(job.Reason)}</p>");
        output.Write($"<p class=\"command\"><code>{HtmlEncode(job.CommandLine)}</code></p></header>\n");

        output.Write($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"{N(Width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(Width)} {N(height)}\">\n");
        Axis(output, seconds, height);
        double y = Top;
        foreach (var host in timeline.Hosts)
        {
            output.Write($"<g class=\"host\" data-host=\"{HtmlEncode(host.Key)}\">");
            output.Write($"<text class=\"host-name\" x=\"4\" y=\"{N(y + 16)}\">{HtmlEncode(host.Key)}</text>");
            y += HostHeight;
            foreach (var lane in host)
            {
                Lane(output, lane, y, X);
                y += LaneHeight;
            }
            output.Write("</g>\n");
        }
        foreach (var mark in timeline.JobMarks)
        {
            output.Write($"<line class=\"job-mark level-{Css(mark.Level)}\" x1=\"{N(X(mark.Time))}\" x2=\"{N(X(mark.Time))}\" y1=\"{N(Top - 6)}\" y2=\"{N(height - 16)}\">");
            output.Write($"<title>{Time(mark.Time)} launcher {HtmlEncode(mark.Level)}: {HtmlEncode(mark.Message)}</title></line>\n");
        }
        output.Write("</svg>\n");

        output.Write("<p class=\"legend\">Lane: from the rank's start to its exit; | finished its MPI work; &#9670; exit (red: failed). ");
        output.Write("Boxes: spans (outlined in dashed red: never ended). Marks by level: ");
        foreach (var level in LogQuery.Levels)
            output.Write($"<span class=\"swatch level-{Css(level)}\">&#9679;</span>{level} ");
        output.Write("&middot; Hover over anything for details.</p>\n");
        var failed = timeline.Lanes.Where(lane => lane.Failure is not null).ToList();
        if (failed.Count > 0)
        {
            output.Write("<h2>Ranks that did not end well</h2><ul class=\"failures\">");
            foreach (var lane in failed)
                output.Write($"<li class=\"{(lane.Failed ? "failed" : "ended-with-job")}\" data-rank=\"{lane.Rank}\"><b>Rank {lane.Rank}</b> on {HtmlEncode(lane.Host)}: {HtmlEncode(lane.Failure!)}</li>");
            output.Write("</ul>\n");
        }
        output.Write("</body></html>\n");
    }

    private static void Axis(TextWriter output, double seconds, double height)
    {
        double step = NiceStep(seconds / 10);
        output.Write("<g class=\"axis\">");
        for (double t = 0; t <= seconds + (step / 1000); t += step)
        {
            double x = Left + (Plot * t / seconds);
            output.Write($"<line x1=\"{N(x)}\" x2=\"{N(x)}\" y1=\"{N(Top - 8)}\" y2=\"{N(height - 16)}\"/>");
            output.Write($"<text x=\"{N(x)}\" y=\"{N(Top - 14)}\">{t.ToString(step < 1 ? "0.###" : "0.#", CultureInfo.InvariantCulture)} s</text>");
        }
        output.Write("</g>\n");
    }

    // 1, 2 or 5 times a power of ten.
    private static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(rough, 1e-6))));
        double scaled = rough / power;
        return power * (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10);
    }

    private static void Lane(TextWriter output, TimelineLane lane, double y, Func<DateTimeOffset, double> x)
    {
        double middle = y + (LaneHeight / 2);
        var ending = lane.Signal is { } signal ? $"signal {signal}" : lane.ExitCode is { } code ? $"exit code {code}" : lane.Exited ? "exited" : "no exit recorded";
        output.Write($"<g class=\"lane{(lane.Failed ? " failed" : "")}\" data-rank=\"{lane.Rank}\" data-host=\"{HtmlEncode(lane.Host)}\">");
        output.Write($"<rect class=\"lane-bg\" x=\"0\" y=\"{N(y)}\" width=\"{N(Width)}\" height=\"{N(LaneHeight)}\"/>");
        var pid = lane.ProcessId is { } id ? $" (pid {id})" : "";
        output.Write($"<text class=\"rank-name\" x=\"14\" y=\"{N(middle + 4)}\">rank {lane.Rank}{pid}</text>");
        double start = x(lane.Start), end = Math.Max(x(lane.End), start + 1);
        output.Write($"<rect class=\"life\" x=\"{N(start)}\" y=\"{N(middle - 2)}\" width=\"{N(end - start)}\" height=\"4\">");
        output.Write($"<title>rank {lane.Rank} on {HtmlEncode(lane.Host)}{pid}: {Time(lane.Start)} to {Time(lane.End)}, {ending}{(lane.Failure is null ? "" : ": " + HtmlEncode(lane.Failure))}</title></rect>");
        foreach (var span in lane.Spans)
        {
            double sx = x(span.Start), sw = Math.Max(x(span.End) - sx, 1.5), inset = Math.Min(3 + (span.Depth * 4), 10);
            output.Write($"<g class=\"span{(span.Ended ? "" : " open")}\" data-span=\"{HtmlEncode(span.Name)}\">");
            output.Write($"<rect x=\"{N(sx)}\" y=\"{N(y + inset)}\" width=\"{N(sw)}\" height=\"{N(LaneHeight - (2 * inset))}\" style=\"fill:{Colour(span.Name)}\"/>");
            if (sw > 7 * span.Name.Length)
                output.Write($"<text x=\"{N(sx + 3)}\" y=\"{N(middle + 4)}\">{HtmlEncode(span.Name)}</text>");
            var length = (span.End - span.Start).TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);
            output.Write($"<title>{HtmlEncode(span.Name)}: {Time(span.Start)}, {length} ms{(span.Ended ? "" : ", never ended")}</title></g>");
        }
        if (lane.Finished is { } finished)
            output.Write($"<line class=\"finish\" x1=\"{N(x(finished))}\" x2=\"{N(x(finished))}\" y1=\"{N(y + 3)}\" y2=\"{N(y + LaneHeight - 3)}\"><title>finished its MPI work at {Time(finished)}</title></line>");
        foreach (var mark in lane.Marks)
        {
            bool fatal = mark.Level == "Fatal";
            output.Write($"<circle class=\"mark level-{Css(mark.Level)}{(fatal ? " fatal" : "")}\" cx=\"{N(x(mark.Time))}\" cy=\"{N(middle)}\" r=\"{(fatal ? 6 : 3)}\">");
            output.Write($"<title>{Time(mark.Time)} {HtmlEncode(mark.Level)}: {HtmlEncode(mark.Message)}{(mark.Exception is null ? "" : "\n" + HtmlEncode(mark.Exception))}</title></circle>");
        }
        double ex = x(lane.End);
        output.Write($"<path class=\"exit{(lane.Failed ? " failed" : "")}\" d=\"M{N(ex)} {N(middle - 6)} l6 6 l-6 6 l-6 -6 z\"><title>{Time(lane.End)}: {ending}</title></path>");
        output.Write("</g>\n");
    }

    // A steady colour per span name, so a phase looks the same on every rank.
    private static string Colour(string name)
    {
        uint hash = 2166136261;
        foreach (char c in name)
            hash = (hash ^ c) * 16777619;
        return $"hsl({hash % 360},60%,72%)";
    }

    private static string Css(string name) => new([.. name.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) + " UTC";

    private const string Style = """
        body{font:14px system-ui,sans-serif;margin:16px;color:#222}
        h1{font-size:20px;margin:0 0 4px}h2{font-size:16px}
        header p{margin:2px 0}.reason{color:#b00;font-weight:bold}.command code{font-size:12px;color:#555}
        header.failed .state,header.timedout .state{color:#b00}header.completed .state{color:#080}
        svg.timeline{display:block;margin:12px 0;font-size:12px}
        .axis line{stroke:#e4e4e4}.axis text{fill:#777;text-anchor:middle}
        .host-name{font-weight:bold;fill:#333}
        .lane-bg{fill:#fafafa}.lane:nth-of-type(even) .lane-bg{fill:#f2f2f2}
        .lane.failed .lane-bg{fill:#fde3e3}.lane.failed .rank-name{fill:#b00;font-weight:bold}
        .life{fill:#9aa}.finish{stroke:#222;stroke-width:2}
        .exit{fill:#555}.exit.failed{fill:#d00}
        .span rect{stroke:#0004}.span.open rect{stroke:#d00;stroke-dasharray:3 2}.span text{fill:#222;font-size:11px}
        .mark{stroke:#fff;stroke-width:.5}.mark.fatal{stroke:#000;stroke-width:1.5}
        .job-mark{stroke-width:1;stroke-dasharray:2 3}
        .level-verbose{fill:#aaa;stroke:#aaa;color:#aaa}.level-debug{fill:#6a9;stroke:#6a9;color:#6a9}
        .level-information{fill:#36c;stroke:#36c;color:#36c}.level-warning{fill:#e90;stroke:#e90;color:#e90}
        .level-error{fill:#d33;stroke:#d33;color:#d33}.level-fatal{fill:#900;stroke:#900;color:#900}
        circle.mark{stroke:#fff}circle.mark.fatal{stroke:#000}
        .legend{color:#555}.swatch{margin:0 2px 0 6px}.failures .failed{color:#b00}
        """;
}
