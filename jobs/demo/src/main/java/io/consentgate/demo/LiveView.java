package io.consentgate.demo;

import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The terminal view of a running demo, refreshed every second: a redrawn panel on a terminal, or
 * one plain progress line per second with {@code --headless} (or when output is not a terminal).
 * Shows counts and rates only; never a payload or a record's content.
 */
final class LiveView {
    private static final String HOME = "\033[H";
    private static final String CLEAR_SCREEN = "\033[2J";
    private static final String CLEAR_LINE = "\033[K";
    private static final String CLEAR_BELOW = "\033[J";
    private static final int RATE_WINDOW_SECONDS = 5;
    private static final int BAR_WIDTH = 30;
    private static final long BEHIND_MS = 10_000;

    private record Sample(long at, long sends, long consents, long decided) {}

    private final PrintStream out;
    private final boolean headless;
    private final Demo demo;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private long lastRender;
    private boolean cleared;
    private volatile String status = "generating";

    LiveView(PrintStream out, boolean headless, Demo demo) {
        this.out = out;
        this.headless = headless;
        this.demo = demo;
    }

    void status(String s) {
        status = s;
    }

    /** Waits a moment and redraws when a second has passed since the last drawing. */
    void tick() throws InterruptedException {
        Thread.sleep(200);
        if (System.currentTimeMillis() - lastRender >= 1_000) {
            render(false);
        }
    }

    void render(boolean last) {
        long now = System.currentTimeMillis();
        lastRender = now;
        LiveStats.Snapshot s = demo.snapshot();
        TrafficGenerator.Counters g = demo.generated();
        AvroKafkaProducer p = demo.producer();
        Sample sample =
                new Sample(
                        now,
                        p.acked(TopicKind.SENDS),
                        p.acked(TopicKind.CONSENT),
                        s.firstDecisions());
        samples.addLast(sample);
        while (samples.size() > RATE_WINDOW_SECONDS + 1) {
            samples.removeFirst();
        }
        Sample first = samples.getFirst();
        double secs = Math.max(0.001, (now - first.at()) / 1000.0);
        double sendRate = samples.size() < 2 ? 0 : (sample.sends() - first.sends()) / secs;
        double consentRate = samples.size() < 2 ? 0 : (sample.consents() - first.consents()) / secs;
        double decideRate = samples.size() < 2 ? 0 : (sample.decided() - first.decided()) / secs;
        if (headless) {
            out.println(line(s, g, sendRate, decideRate));
        } else {
            List<String> lines = panel(s, g, sendRate, consentRate, decideRate);
            StringBuilder sb = new StringBuilder();
            if (!cleared) {
                sb.append(CLEAR_SCREEN);
                cleared = true;
            }
            sb.append(HOME);
            for (String l : lines) {
                sb.append(l).append(CLEAR_LINE).append('\n');
            }
            sb.append(CLEAR_BELOW);
            out.print(sb);
        }
        out.flush();
    }

    private String line(
            LiveStats.Snapshot s, TrafficGenerator.Counters g, double sendRate, double decideRate) {
        return String.format(
                Locale.ROOT,
                "[%s] %s | in %s/s (%s) | decided %s/s (%s) | ALLOW %s BLOCK %s DEFER %s |"
                        + " lag (30 s) p50 %s p99 %s | dead letters %s | retro alerts %s",
                clock(demo.durationMillis()),
                status,
                n(sendRate),
                n(g.sends()),
                n(decideRate),
                n(s.firstDecisions()),
                n(s.verdict(Verdict.ALLOW)),
                n(s.verdict(Verdict.BLOCK)),
                n(s.verdict(Verdict.DEFER)),
                ms(s.lagWindow().p50()),
                ms(s.lagWindow().p99()),
                n(s.deadLetters()),
                n(s.retroAlerts()));
    }

    private List<String> panel(
            LiveStats.Snapshot s,
            TrafficGenerator.Counters g,
            double sendRate,
            double consentRate,
            double decideRate) {
        Demo.Options o = demo.options();
        List<String> l = new ArrayList<>();
        long live =
                demo.liveStartedAt() < 0 ? 0 : System.currentTimeMillis() - demo.liveStartedAt();
        l.add(
                String.format(
                        Locale.ROOT,
                        " consentgate demo   run %s   up %s   traffic %s   %s",
                        demo.runId(),
                        clock(demo.durationMillis()),
                        clock(live),
                        demo.stopRequested() ? "" : "Ctrl-C stops"));
        l.add(" status: " + status + bound(o));
        if (s.lagRecent().p50() > BEHIND_MS && !demo.stopRequested()) {
            l.add(
                    " note:   decisions lag more than "
                            + BEHIND_MS / 1000
                            + " s: the filter does not keep up with --rate here;");
            l.add("         a lower --rate shows steady-state latency");
        }
        l.add("");
        l.add(
                String.format(
                        Locale.ROOT,
                        " sends in     %9s/s  total %11s   corrupt %s, duplicates %s",
                        n(sendRate),
                        n(g.sends()),
                        n(g.corrupt(TopicKind.SENDS)),
                        n(g.duplicateSends())));
        l.add(
                String.format(
                        Locale.ROOT,
                        " consent in   %9s/s  total %11s   history %s, late %s, corrupt %s",
                        n(consentRate),
                        n(g.consents()),
                        n(g.historyEvents()),
                        n(g.lateConsents()),
                        n(g.corrupt(TopicKind.CONSENT))));
        long behind = Math.max(0, g.validSends() - s.firstDecisions());
        l.add(
                String.format(
                        Locale.ROOT,
                        " decided      %9s/s  total %11s   not yet visible %s (outputs commit every %s)",
                        n(decideRate),
                        n(s.firstDecisions()),
                        n(behind),
                        human(o.checkpointInterval())));
        l.add("");
        long total = Math.max(1, s.firstDecisions());
        for (Verdict v : Verdict.values()) {
            long c = s.verdict(v);
            l.add(
                    String.format(
                            Locale.ROOT,
                            " %-12s %-6s %10s %5.1f%%  %s",
                            v == Verdict.ALLOW ? "verdicts" : "",
                            v,
                            n(c),
                            100.0 * c / total,
                            "#".repeat((int) Math.round((double) BAR_WIDTH * c / total))));
        }
        if (s.verdict(Verdict.DEFER) > 0) {
            l.add(
                    "              deferred sends are held until notBefore, then decided again: "
                            + n(s.redecisions())
                            + redecided(s.redecisionVerdicts()));
        }
        l.add("");
        List<Map.Entry<Reason, Long>> top = s.topReasons(8);
        for (int i = 0; i < Math.max(1, (top.size() + 1) / 2); i++) {
            String left = i < top.size() ? reason(top.get(i)) : "(none yet)";
            int j = i + (top.size() + 1) / 2;
            String right = j < top.size() && j != i ? reason(top.get(j)) : "";
            l.add(
                    String.format(
                            Locale.ROOT,
                            " %-12s %-34s %s",
                            i == 0 ? "top reasons" : "",
                            left,
                            right));
        }
        l.add("");
        l.add(
                String.format(
                        Locale.ROOT,
                        " lag p50/p99  last second %s/%s ms   last 30 s %s/%s ms   all %s/%s ms",
                        n(s.lagRecent().p50()),
                        n(s.lagRecent().p99()),
                        n(s.lagWindow().p50()),
                        n(s.lagWindow().p99()),
                        n(s.lagTotal().p50()),
                        n(s.lagTotal().p99())));
        l.add(
                String.format(
                        Locale.ROOT,
                        " dead letters %s   %s",
                        n(s.deadLetters()),
                        counts(s.deadLettersByTopic())));
        if (s.deadLetters() > 0) {
            l.add("              " + counts(s.deadLettersByCode()));
        }
        l.add(
                String.format(
                        Locale.ROOT,
                        " retro alerts %s (%s allowed sends affected)",
                        n(s.retroAlerts()),
                        n(s.retroAffectedSends())));
        if (!s.recentAlerts().isEmpty()) {
            l.add("              latest: " + s.recentAlerts().get(0));
        }
        l.add("");
        l.add(" web UI " + demo.webUi() + "   metrics " + demo.metricsUrl());
        return l;
    }

    private static String bound(Demo.Options o) {
        if (o.count() > 0) {
            return "   (until " + n(o.count()) + " sends at " + n(o.rate()) + "/s)";
        }
        if (o.duration() != null) {
            return "   (for " + human(o.duration()) + " at " + n(o.rate()) + "/s)";
        }
        return "   (" + n(o.rate()) + " sends/s until Ctrl-C)";
    }

    private static String reason(Map.Entry<Reason, Long> e) {
        return String.format(Locale.ROOT, "%-24s %9s", e.getKey(), n(e.getValue()));
    }

    private static String redecided(Map<Verdict, Long> m) {
        if (m.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" (");
        m.forEach(
                (v, c) ->
                        sb.append(sb.length() > 2 ? ", " : "").append(v).append(' ').append(n(c)));
        return sb.append(')').toString();
    }

    static String counts(Map<String, Long> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach(
                (k, v) ->
                        sb.append(sb.length() > 0 ? ", " : "").append(k).append(' ').append(n(v)));
        return sb.toString();
    }

    static String n(double v) {
        return String.format(Locale.ROOT, "%,d", Math.round(v));
    }

    static String ms(long v) {
        return String.format(Locale.ROOT, "%,d ms", v);
    }

    static String clock(long millis) {
        long s = millis / 1000;
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    static String human(java.time.Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0) {
            return (ms / 60_000) + " min";
        }
        if (ms % 1000 == 0) {
            return (ms / 1000) + " s";
        }
        return ms + " ms";
    }
}
