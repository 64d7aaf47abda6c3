package io.consentgate.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Renders the results files into the tables of benchmarks/README.md (between the {@code
 * results:begin/end} and {@code jmh:begin/end} markers) and writes a gnuplot script that plots one
 * run's throughput and latency per variant.
 *
 * <p>Arguments: results directory, README file, and optionally one results file to plot (its {@code
 * .gp} script and {@code .png} go next to it).
 */
public final class Report {
    private static final String[] VARIANTS = {"passthrough", "filter", "streams"};

    private Report() {}

    public static void main(String[] args) throws IOException {
        Path results = Path.of(args[0]);
        Path readme = Path.of(args[1]);
        List<JsonNode> runs = new ArrayList<>();
        List<JsonNode> jmh = new ArrayList<>();
        List<String> jmhNames = new ArrayList<>();
        try (Stream<Path> files = Files.list(results)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode n = Results.JSON.readTree(f.toFile());
                if (f.getFileName().toString().startsWith("jmh-")) {
                    jmh.add(n);
                    jmhNames.add(f.getFileName().toString());
                } else if (n.has("results")) {
                    runs.add(n);
                }
            }
        }
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        text = replace(text, "results", runTable(runs));
        text = replace(text, "jmh", jmhTable(jmh, jmhNames));
        Files.writeString(readme, text, StandardCharsets.UTF_8);
        if (args.length > 2) {
            plot(Path.of(args[2]));
        }
    }

    private static String replace(String text, String marker, String table) {
        String begin = "<!-- " + marker + ":begin -->";
        String end = "<!-- " + marker + ":end -->";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            return text;
        }
        return text.substring(0, b + begin.length()) + "\n" + table + text.substring(e);
    }

    private static String runTable(List<JsonNode> runs) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                "| run | M sends | S subjects | P | guarantee | variant | sends/s | processing s"
                        + " (start-up s) | CPU s (µs/send) | broker CPU s | peak RSS MiB |"
                        + " backlog p50 / p99 s | paced sends/s | paced p50 / p99 / p99.9 ms |"
                        + " load avg (1 min) |\n");
        sb.append("|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (JsonNode run : runs) {
            JsonNode c = run.path("config");
            String name = run.path("runId").asText();
            String guarantee =
                    c.path("guarantee").asText().replace("_", "-").toLowerCase(Locale.ROOT)
                            + (c.path("mode").asText("backlog").equals("warm") ? ", warm" : "");
            for (String v : VARIANTS) {
                JsonNode r = run.path("results").path(v);
                JsonNode failed = run.path("failedVariants");
                for (var it = failed.fields(); it.hasNext(); ) {
                    var f = it.next();
                    if (f.getKey().startsWith(v + " ")
                            && r.path(f.getKey().substring(v.length() + 1)).isMissingNode()) {
                        sb.append(
                                String.format(
                                        Locale.ROOT,
                                        "| %s | %,d | %,d | %d | %s | %s | **failed (%s)**: %s | | | | | | | | %s |\n",
                                        name,
                                        c.path("sends").asLong(),
                                        c.path("subjects").asLong(),
                                        c.path("parallelism").asInt(),
                                        guarantee,
                                        v,
                                        f.getKey().substring(v.length() + 1),
                                        f.getValue().asText().replace("|", "/"),
                                        load(run.path("machine"), r.path("paced"))));
                    }
                }
                if (r.path("backlog").isMissingNode() && r.path("warm").isMissingNode()) {
                    continue;
                }
                JsonNode b = r.path("backlog").isMissingNode() ? r.path("warm") : r.path("backlog");
                JsonNode p = r.path("paced");
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %,d | %,d | %d | %s | %s | %,d | %.1f (%.1f) | %.1f (%.0f)"
                                        + " | %s | %,d | %.1f / %.1f | %s | %s | %s |\n",
                                name,
                                c.path("sends").asLong(),
                                c.path("subjects").asLong(),
                                c.path("parallelism").asInt(),
                                c.path("guarantee")
                                        .asText()
                                        .replace("_", "-")
                                        .toLowerCase(Locale.ROOT),
                                v.equals("filter") ? "**filter**" : v,
                                b.path("sendsPerSecond").asLong(),
                                b.path("processingSeconds").asDouble(),
                                b.path("startupSeconds").asDouble(),
                                b.path("cpuSecondsProcessing").asDouble(),
                                b.path("cpuMicrosPerSend").asDouble(),
                                b.path("brokerCpuSeconds").asDouble() < 0
                                        ? "n/a"
                                        : String.format(
                                                Locale.ROOT,
                                                "%.1f",
                                                b.path("brokerCpuSeconds").asDouble()),
                                b.path("peakRssMiB").asLong(),
                                b.path("latencyMs").path("p50").asLong() / 1000.0,
                                b.path("latencyMs").path("p99").asLong() / 1000.0,
                                p.isMissingNode()
                                        ? "-"
                                        : String.format(
                                                Locale.ROOT,
                                                "%,d",
                                                p.path("pacedSendsPerSecond").asLong()),
                                p.isMissingNode()
                                        ? "-"
                                        : String.format(
                                                Locale.ROOT,
                                                "%,d / %,d / %,d",
                                                p.path("latencyMs").path("p50").asLong(),
                                                p.path("latencyMs").path("p99").asLong(),
                                                p.path("latencyMs").path("p999").asLong()),
                                load(b, p)));
            }
            JsonNode ratios = run.path("results").path("ratios");
            JsonNode check = run.path("decisionCheck");
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | | | | | *ratios* | filter/passthrough **%s**, filter/Kafka"
                                    + " Streams **%s** | | CPU per send filter/Kafka Streams %s |"
                                    + " | | | | decisions agree: %s | |\n",
                            name,
                            ratio(ratios.path("filterOverPassthrough")),
                            ratio(ratios.path("filterOverStreams")),
                            ratio(ratios.path("filterCpuPerSendOverStreams")),
                            check.isMissingNode()
                                    ? "not checked"
                                    : check.path("agree").asBoolean()
                                            ? "yes, "
                                                    + String.format(
                                                            Locale.ROOT,
                                                            "%,d",
                                                            check.path("compared").asLong())
                                                    + " sends"
                                            : "**NO**"));
        }
        return sb.toString();
    }

    private static String ratio(JsonNode n) {
        return n.isMissingNode() ? "-" : String.format(Locale.ROOT, "%.2f", n.asDouble());
    }

    private static String load(JsonNode backlog, JsonNode paced) {
        double a = backlog.path("loadAverageAtStart").path(0).asDouble();
        double b = backlog.path("loadAverageAtEnd").path(0).asDouble();
        String s = String.format(Locale.ROOT, "%.1f→%.1f", a, b);
        if (!paced.isMissingNode()) {
            s +=
                    String.format(
                            Locale.ROOT,
                            " (paced %.1f)",
                            paced.path("loadAverageAtEnd").path(0).asDouble());
        }
        return s;
    }

    private static String jmhTable(List<JsonNode> files, List<String> names) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                "| file | benchmark | history | avg ns/op | median ns/op (sample) | p99 ns/op"
                        + " (sample) | B/op |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < files.size(); i++) {
            List<String[]> rows = new ArrayList<>();
            for (JsonNode b : files.get(i)) {
                String bench = b.path("benchmark").asText();
                bench = bench.substring(bench.lastIndexOf('.') + 1);
                String history = b.path("params").path("historySize").asText();
                String mode = b.path("mode").asText();
                JsonNode pm = b.path("primaryMetric");
                String[] row = null;
                for (String[] r : rows) {
                    if (r[0].equals(bench) && r[1].equals(history)) {
                        row = r;
                    }
                }
                if (row == null) {
                    row = new String[] {bench, history, "-", "-", "-", "-"};
                    rows.add(row);
                }
                if (mode.equals("avgt")) {
                    row[2] = fmt(pm.path("score").asDouble());
                    JsonNode alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm");
                    if (!alloc.isMissingNode()) {
                        row[5] = fmt(alloc.path("score").asDouble());
                    }
                } else if (mode.equals("sample")) {
                    row[3] = fmt(pm.path("scorePercentiles").path("50.0").asDouble());
                    row[4] = fmt(pm.path("scorePercentiles").path("99.0").asDouble());
                }
            }
            for (String[] r : rows) {
                sb.append(
                        String.format(
                                "| %s | %s | %s | %s | %s | %s | %s |\n",
                                names.get(i), r[0], r[1], r[2], r[3], r[4], r[5]));
            }
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return v >= 100
                ? String.format(Locale.ROOT, "%,.0f", v)
                : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String pacedRate(JsonNode run) {
        long rate =
                run.path("results")
                        .path("filter")
                        .path("paced")
                        .path("pacedSendsPerSecond")
                        .asLong(-1);
        return rate < 0 ? "?" : String.format(Locale.ROOT, "%,d", rate);
    }

    /** Writes {@code <run>.dat} and {@code <run>.gp}; gnuplot turns the latter into a PNG. */
    static void plot(Path runFile) throws IOException {
        JsonNode run = Results.JSON.readTree(runFile.toFile());
        String base = runFile.getFileName().toString().replaceAll("\\.json$", "");
        Path dat = runFile.resolveSibling(base + ".dat");
        Path gp = runFile.resolveSibling(base + ".gp");
        Path png = runFile.resolveSibling(base + ".png");
        StringBuilder d =
                new StringBuilder(
                        "# variant sends/s paced_p50_ms paced_p99_ms paced_p999_ms cpu_us_per_send\n");
        for (String v : VARIANTS) {
            JsonNode r = run.path("results").path(v);
            if (r.isMissingNode()) {
                continue;
            }
            JsonNode b = r.path("backlog").isMissingNode() ? r.path("warm") : r.path("backlog");
            JsonNode p = r.path("paced").path("latencyMs");
            d.append(
                    String.format(
                            Locale.ROOT,
                            "%s %d %d %d %d %.1f\n",
                            v,
                            b.path("sendsPerSecond").asLong(),
                            Math.max(1, p.path("p50").asLong()),
                            Math.max(1, p.path("p99").asLong()),
                            Math.max(1, p.path("p999").asLong()),
                            b.path("cpuMicrosPerSend").asDouble()));
        }
        Files.writeString(dat, d.toString(), StandardCharsets.UTF_8);
        JsonNode c = run.path("config");
        String title =
                String.format(
                        Locale.ROOT,
                        "%s: M=%,d sends, S=%,d subjects, P=%d, %s, %d cores, load avg %.1f at start",
                        run.path("runId").asText(),
                        c.path("sends").asLong(),
                        c.path("subjects").asLong(),
                        c.path("parallelism").asInt(),
                        c.path("guarantee").asText().replace('_', '-').toLowerCase(Locale.ROOT),
                        run.path("machine").path("cores").asInt(),
                        run.path("machine").path("loadAverageAtStart").path(0).asDouble());
        String script =
                String.join(
                        "\n",
                        "set terminal pngcairo size 1400,480 font ',10'",
                        "set output '" + png.getFileName() + "'",
                        "set multiplot layout 1,3 title \"" + title.replace("\"", "'") + "\"",
                        "set style data histograms",
                        "set style histogram cluster gap 1",
                        "set style fill solid 0.8 border -1",
                        "set boxwidth 0.9",
                        "set grid ytics",
                        "set yrange [0:*]",
                        "set title '"
                                + (c.path("mode").asText("backlog").equals("warm")
                                        ? "Throughput with warm state"
                                        : "Backlog throughput")
                                + " (sends/s, higher is better)'",
                        "plot '" + dat.getFileName() + "' using 2:xtic(1) notitle lc rgb '#4477aa'",
                        "set title 'CPU per send (µs, lower is better)'",
                        "plot '" + dat.getFileName() + "' using 6:xtic(1) notitle lc rgb '#228833'",
                        "set title 'Latency send to visible (read-committed), paced at "
                                + pacedRate(run)
                                + " sends/s (ms, log)'",
                        "set logscale y",
                        "set yrange [1:*]",
                        "set key top left",
                        "plot '"
                                + dat.getFileName()
                                + "' using 3:xtic(1) title 'p50' lc rgb '#66ccee', '' using 4"
                                + " title 'p99' lc rgb '#ee6677', '' using 5 title 'p99.9' lc rgb"
                                + " '#aa3377'",
                        "unset multiplot",
                        "");
        Files.writeString(gp, script, StandardCharsets.UTF_8);
        System.out.println(gp);
    }
}
