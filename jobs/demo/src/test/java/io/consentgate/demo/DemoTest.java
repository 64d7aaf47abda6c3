package io.consentgate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.SendRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The demo end to end, in this JVM: a real broker, a real registry (child JVM), the filter on a
 * MiniCluster. A bounded headless run must decide every generated send exactly once (counted on the
 * committed audit topic), dead-letter every corrupt record and nothing else, register every topic's
 * schema, and leave nothing running.
 */
class DemoTest {
    private static final long SENDS = 2_500;

    @Test
    void boundedRunDecidesEverySendDeadLettersEveryCorruptRecordAndStopsEverything()
            throws Exception {
        Path runDir = Path.of("target", "demo-test-run", "run-" + System.currentTimeMillis());
        // 100 sends/s for 25 s of event time: long enough for late consent events (15 s behind).
        Demo.Options options =
                new Demo.Options(
                        SENDS,
                        null,
                        100,
                        500,
                        7,
                        0.01,
                        0.05,
                        2,
                        4,
                        Duration.ofSeconds(1),
                        null,
                        null,
                        Map.of(),
                        true,
                        false,
                        runDir.toAbsolutePath());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
        Demo demo = Demo.start(options, out);
        String bootstrap = demo.bootstrapServers();
        try {
            // While it runs, scrape the job's Prometheus endpoint as docker/'s Prometheus would.
            Set<String> exported = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Thread scraper = new Thread(() -> scrape(demo.metricsUrl(), exported), "scraper");
            scraper.setDaemon(true);
            scraper.start();
            Demo.Outcome outcome;
            try {
                outcome = demo.run();
            } finally {
                scraper.interrupt();
                scraper.join(10_000);
            }
            DemoReport.print(out, demo, outcome);
            assertThat(outcome)
                    .as("the demo's output:%n%s", console.toString(StandardCharsets.UTF_8))
                    .isEqualTo(Demo.Outcome.COMPLETED);
            // Every metric the Grafana dashboard in docker/ queries is one the job exports.
            assertThat(exported).as("metrics exported while the demo ran").hasSizeGreaterThan(50);
            assertThat(DockerStack.dashboardMetrics()).hasSizeGreaterThan(10);
            assertThat(exported)
                    .as("metrics the dashboard queries")
                    .containsAll(DockerStack.dashboardMetrics());

            TrafficGenerator.Counters generated = demo.generated();
            assertThat(generated.sends()).isEqualTo(SENDS);
            Outputs outputs = readCommitted(demo);

            // Every corrupt record generated, and nothing else, is in the dead-letter topic.
            Set<OutputWatcher.Source> corrupt = new HashSet<>();
            for (AvroKafkaProducer.Coordinates c : demo.producer().corruptCoordinates()) {
                corrupt.add(new OutputWatcher.Source(c.topic(), c.partition(), c.offset()));
            }
            assertThat(corrupt)
                    .hasSize(
                            (int)
                                    (generated.corrupt(TopicKind.SENDS)
                                            + generated.corrupt(TopicKind.CONSENT)))
                    .isNotEmpty();
            assertThat(outputs.deadLetterSources).isEqualTo(corrupt);
            long deadLetteredSends =
                    outputs.deadLetterSources.stream()
                            .filter(s -> s.topic().equals("sends.requested"))
                            .count();

            // One first decision (DECISION, not a redecision of a deferred send) per send that was
            // not dead-lettered: duplicates included, as each is a send of its own (BLOCK
            // DUPLICATE_SEND). Checked as a multiset of message ids against the same generator.
            assertThat(outputs.firstDecisions).isEqualTo(SENDS - deadLetteredSends);
            assertThat(outputs.firstDecisionsByMessageId).isEqualTo(expectedSends(demo));
            assertThat(demo.snapshot().firstDecisions()).isEqualTo(outputs.firstDecisions);

            // Every topic's value schema is registered, so any Confluent client can decode them.
            String subjects =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create(demo.registryUrl() + "/subjects"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
            assertThat(subjects)
                    .contains(
                            "\"sends.requested-value\"",
                            "\"consent.events-value\"",
                            "\"compliance.policy-value\"",
                            "\"sends.approved-value\"",
                            "\"sends.deferred-value\"",
                            "\"compliance.audit-value\"",
                            "\"compliance.dlq-value\"");
            assertThat(console.toString(StandardCharsets.UTF_8))
                    .contains("= sends - dead-lettered sends")
                    .contains("every corrupt record generated");
        } finally {
            demo.close();
        }

        // Nothing left running: no registry child JVM, MiniCluster and broker closed.
        assertThat(demo.registryServer().isRunning()).isFalse();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(demo.job().clusterRunning()).isFalse();
        String[] hostPort = bootstrap.split(":");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 2_000);
            throw new AssertionError("the broker still accepts connections");
        } catch (ConnectException expected) {
            // Closed.
        }
        awaitNoThreads("data-plane-kafka", "kafka-request-handler", "flink-pekko", "demo-");
        for (String bulky : List.of("kafka", "r", "checkpoints", "savepoints", "flink-tmp")) {
            assertThat(runDir.resolve(bulky)).doesNotExist();
        }
        assertThat(runDir.resolve("audit.jsonl")).isNotEmptyFile();
        // Passed: the run's files are not needed any more (a failure leaves them for a look).
        try (Stream<Path> files = Files.walk(runDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** What the committed outputs hold, read independently of the live view. */
    private static final class Outputs {
        long firstDecisions;
        final Map<String, Integer> firstDecisionsByMessageId = new HashMap<>();
        final Set<OutputWatcher.Source> deadLetterSources = new HashSet<>();
    }

    private static Outputs readCommitted(Demo demo) throws IOException {
        ConfluentRegistryClient registry =
                new ConfluentRegistryClient(demo.registryUrl(), Duration.ofSeconds(10));
        ConfluentAvro<AuditEvent> audit =
                new ConfluentAvro<>(AuditEvent.class, AuditEvent.getClassSchema(), registry);
        ConfluentAvro<DeadLetter> dlq =
                new ConfluentAvro<>(DeadLetter.class, DeadLetter.getClassSchema(), registry);
        Properties p = new Properties();
        p.put("bootstrap.servers", demo.bootstrapServers());
        p.put("isolation.level", "read_committed");
        Outputs o = new Outputs();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (String t : List.of("compliance.audit", "compliance.dlq")) {
                for (PartitionInfo i : c.partitionsFor(t)) {
                    tps.add(new TopicPartition(t, i.partition()));
                }
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading the outputs").isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals("compliance.audit")) {
                        AuditEvent e = audit.decode(r.value());
                        if (e.getKind() == AuditKind.DECISION && !e.getRedecision()) {
                            o.firstDecisions++;
                            o.firstDecisionsByMessageId.merge(e.getMessageId(), 1, Integer::sum);
                        }
                    } else {
                        DeadLetter d = dlq.decode(r.value());
                        o.deadLetterSources.add(
                                new OutputWatcher.Source(
                                        d.getSourceTopic(), d.getPartition(), d.getOffset()));
                    }
                }
            }
        }
        return o;
    }

    /** The valid sends the run generated, regenerated from its (deterministic) config. */
    private static Map<String, Integer> expectedSends(Demo demo) {
        TrafficGenerator again = new TrafficGenerator(demo.generator().config());
        Map<String, Integer> ids = new HashMap<>();
        while (again.counters().sends() < demo.generated().sends()) {
            GeneratedRecord r = again.next();
            if (r.value() instanceof SendRequest s) {
                ids.merge(s.getMessageId(), 1, Integer::sum);
            }
        }
        return ids;
    }

    private static void awaitNoThreads(String... prefixes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<String> alive;
        do {
            alive = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                for (String prefix : prefixes) {
                    if (t.isAlive() && t.getName().startsWith(prefix)) {
                        alive.add(t.getName());
                    }
                }
            }
            if (alive.isEmpty()) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        assertThat(alive).as("threads of the broker, Flink or the demo").isEmpty();
    }

    /** Collects the metric names of the Prometheus endpoint once a second until interrupted. */
    private static void scrape(String url, Set<String> names) {
        HttpClient http = HttpClient.newHttpClient();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                String body =
                        http.send(
                                        HttpRequest.newBuilder(URI.create(url))
                                                .timeout(Duration.ofSeconds(5))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body();
                names.addAll(DockerStack.exposedMetrics(body));
                Thread.sleep(1_000);
            } catch (IOException notUpYet) {
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
