package io.consentgate.demo;

import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The summary printed when a demo run ends, with the commands to inspect what it produced. */
final class DemoReport {
    private DemoReport() {}

    static void print(PrintStream out, Demo demo, Demo.Outcome outcome) {
        LiveStats.Snapshot s = demo.snapshot();
        TrafficGenerator.Counters g = demo.generated();
        Demo.Options o = demo.options();
        Path dir = o.runDir();
        out.println();
        out.println(
                "Summary of run "
                        + demo.runId()
                        + " ("
                        + LiveView.clock(demo.durationMillis())
                        + "): "
                        + switch (outcome) {
                            case COMPLETED ->
                                    "completed; every send decided, every output committed and read";
                            case INTERRUPTED ->
                                    "stopped with Ctrl-C; the job was cancelled, so"
                                            + " decisions after its last checkpoint were not committed";
                            case FAILED -> "FAILED: " + demo.failureMessage();
                        });
        out.printf(
                Locale.ROOT,
                "  generated     %s sends (%s corrupt, %s duplicates), %s consent events"
                        + " (%s history, %s late, %s corrupt)%n",
                LiveView.n(g.sends()),
                LiveView.n(g.corrupt(TopicKind.SENDS)),
                LiveView.n(g.duplicateSends()),
                LiveView.n(g.consents()),
                LiveView.n(g.historyEvents()),
                LiveView.n(g.lateConsents()),
                LiveView.n(g.corrupt(TopicKind.CONSENT)));
        long decided = s.firstDecisions();
        long deadLetteredSends =
                s.deadLettersByTopic().getOrDefault(demo.filterConfig().sendsTopic(), 0L);
        String check;
        if (outcome != Demo.Outcome.COMPLETED) {
            check = "of " + LiveView.n(g.validSends()) + " valid sends";
        } else if (decided == g.sends() - deadLetteredSends) {
            check = "= sends - dead-lettered sends (" + LiveView.n(deadLetteredSends) + ")";
        } else {
            check = "MISMATCH: expected " + LiveView.n(g.sends() - deadLetteredSends);
        }
        out.printf(Locale.ROOT, "  decided       %s sends %s%n", LiveView.n(decided), check);
        long total = Math.max(1, decided);
        StringBuilder verdicts = new StringBuilder();
        for (Verdict v : Verdict.values()) {
            verdicts.append(
                    String.format(
                            Locale.ROOT,
                            "%s %s (%.1f%%)   ",
                            v,
                            LiveView.n(s.verdict(v)),
                            100.0 * s.verdict(v) / total));
        }
        out.println("  verdicts      " + verdicts.toString().trim());
        if (s.redecisions() > 0) {
            out.println(
                    "  deferred sends decided again at notBefore: "
                            + LiveView.n(s.redecisions())
                            + " ("
                            + LiveView.counts(names(s.redecisionVerdicts()))
                            + ")");
        }
        StringBuilder reasons = new StringBuilder();
        for (Map.Entry<Reason, Long> e : s.topReasons(6)) {
            reasons.append(e.getKey()).append(' ').append(LiveView.n(e.getValue())).append(", ");
        }
        if (reasons.length() > 0) {
            reasons.setLength(reasons.length() - 2);
        }
        out.println("  top reasons   " + reasons);
        out.printf(
                Locale.ROOT,
                "  decision lag  p50 %s, p99 %s, max %s (event time to decision; start-up"
                        + " backlog included)%n",
                LiveView.ms(s.lagTotal().p50()),
                LiveView.ms(s.lagTotal().p99()),
                LiveView.ms(s.lagTotal().max()));
        out.printf(
                Locale.ROOT,
                "                p50 %s, p99 %s over the last %s decisions seen%n",
                LiveView.ms(s.lagWindow().p50()),
                LiveView.ms(s.lagWindow().p99()),
                LiveView.n(s.lagWindow().count()));
        long corrupt = g.corrupt(TopicKind.SENDS) + g.corrupt(TopicKind.CONSENT);
        String dlqCheck = "";
        if (outcome == Demo.Outcome.COMPLETED) {
            Set<OutputWatcher.Source> expected = new HashSet<>();
            for (AvroKafkaProducer.Coordinates c : demo.producer().corruptCoordinates()) {
                expected.add(new OutputWatcher.Source(c.topic(), c.partition(), c.offset()));
            }
            Set<OutputWatcher.Source> seen = demo.watcher().deadLetterSources();
            dlqCheck =
                    seen.containsAll(expected)
                            ? "; every corrupt record generated ("
                                    + LiveView.n(corrupt)
                                    + ") is there"
                            : "; MISSING "
                                    + (expected.size() - intersect(expected, seen))
                                    + " corrupt records";
        }
        out.printf(
                Locale.ROOT,
                "  dead letters  %s (%s)%s%n",
                LiveView.n(s.deadLetters()),
                LiveView.counts(s.deadLettersByCode()),
                dlqCheck);
        out.printf(
                Locale.ROOT,
                "  retro alerts  %s (late consent events withdrawing %s earlier ALLOWs)%n",
                LiveView.n(s.retroAlerts()),
                LiveView.n(s.retroAffectedSends()));
        out.println();
        out.println("Inspect what it produced:");
        Path audit = dir.resolve("audit.jsonl");
        out.println(
                "  audit trail   "
                        + audit
                        + "   (the first "
                        + LiveView.n(Demo.AUDIT_FILE_LIMIT)
                        + " audit events, JSON lines)");
        out.println(
                "    jq -r 'select(.kind==\"DECISION\" and .redecision==false) | .verdict + \" \" +"
                        + " (.reasons[0] // .basis)' "
                        + audit
                        + " | sort | uniq -c | sort -rn");
        out.println(
                "    jq 'select(.kind==\"RETROACTIVE_VIOLATION\")' "
                        + audit
                        + "   # late withdrawals");
        out.println("  dead letters  " + dir.resolve("dead-letters.jsonl"));
        out.println("  job log       " + dir.resolve("demo.log"));
        String reg = demo.registryUrl();
        boolean up = o.keepRunning() || demo.broker() == null;
        out.println(
                up
                        ? "  the topics, with any Confluent-compatible client, e.g.:"
                        : "  the topics, while a demo runs (--keep-running keeps this one up after"
                                + " its traffic), with any Confluent-compatible client, e.g.:");
        out.println("    curl -s " + reg + "/subjects");
        for (String topic :
                List.of(demo.filterConfig().auditTopic(), demo.filterConfig().approvedTopic())) {
            out.println(
                    "    kcat -C -e -b "
                            + demo.bootstrapServers()
                            + " -t "
                            + topic
                            + " -X isolation.level=read_committed -s value=avro -r "
                            + reg);
        }
        out.println("  Flink web UI  " + demo.webUi() + "   metrics " + demo.metricsUrl());
        out.flush();
    }

    private static int intersect(Set<OutputWatcher.Source> a, Set<OutputWatcher.Source> b) {
        int n = 0;
        for (OutputWatcher.Source x : a) {
            if (b.contains(x)) {
                n++;
            }
        }
        return n;
    }

    private static Map<String, Long> names(Map<Verdict, Long> m) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k.name(), v));
        return out;
    }
}
