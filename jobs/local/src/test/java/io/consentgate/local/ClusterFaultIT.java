package io.consentgate.local;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.engine.Policy;
import io.consentgate.engine.testing.SendBuilder;
import io.consentgate.replay.AppliedOrder;
import io.consentgate.replay.DecidedSend;
import io.consentgate.replay.ScenarioEvent;
import io.consentgate.replay.ScenarioRunner;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults on a real multi-process Flink cluster ({@code cluster.sh}: a JobManager and TaskManagers
 * as separate JVMs), a Kafka broker in its own JVM and the Apicurio registry, with the filter's
 * shaded jar submitted through the REST API. While sends flow, one fault per test: kill -9 of a
 * TaskManager three times, a broker kill and restart, the registry unresponsive for 60 s. Then,
 * read_committed: every send has exactly one first decision, its verdict is the one {@link
 * ScenarioRunner} computes for the same history, {@code sends.approved} holds exactly the expected
 * ALLOWs without duplicates, and nothing was dead-lettered. Recovery times, restarts (REST {@code
 * numRestarts}) and counts are printed.
 *
 * <p>Run with {@code mvn -B -pl jobs/local -Pfault verify} ({@code -Dfault.sends=1000000} for the
 * long run); the filter's shaded jar must be built first.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultIT {
    private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");
    private static final int PARTITIONS = 2;
    private static final int SENDS_PER_SUBJECT = 10;
    private static final String FLUSH_TENANT = "t-flush";
    private static final Path BASE = Path.of("").toAbsolutePath();
    private static final Path WORK = BASE.resolve("target/fault");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static BrokerProcess broker;
    private static SchemaRegistryServer registry;
    private static String rest;
    private static int sends;
    private static Path jobJar;

    @BeforeAll
    static void infrastructure() throws Exception {
        sends = Integer.getInteger("fault.sends", 100_000);
        jobJar =
                Path.of(
                        System.getProperty(
                                "fault.jobJar",
                                "../filter/target/consentgate-filter-0.1.0-SNAPSHOT-job.jar"));
        assertThat(jobJar).as("the filter's shaded jar (build jobs/filter first)").isRegularFile();
        Files.createDirectories(WORK);
        broker = BrokerProcess.start(WORK.resolve("kafka-" + UUID.randomUUID()));
        registry = SchemaRegistryServer.start(WORK.resolve("registry"));
        rest = cluster("up").strip();
        String[] lines = rest.split("\n");
        rest = lines[lines.length - 1].strip();
        log("cluster at %s, broker %s, registry %s", rest, broker.bootstrap(), registry.baseUrl());
    }

    @AfterAll
    static void teardown() throws Exception {
        try {
            cluster("down");
        } finally {
            if (registry != null) {
                registry.close();
            }
            if (broker != null) {
                broker.stop();
            }
        }
    }

    @Test
    @Order(1)
    void killingTaskManagersThreeTimesLosesAndDuplicatesNothing() throws Exception {
        Run run = Run.start("tm-kill");
        List<String> recoveries = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            run.awaitProgress((long) sends * i / 5);
            long before = run.restarts();
            long completed = run.completedCheckpoints();
            String tm = cluster("kill-tm", busyTaskManager()).strip();
            long t0 = System.nanoTime();
            cluster("start-tm");
            run.awaitRecovered(before, completed);
            recoveries.add(
                    String.format(
                            "kill %d (tm-%s): %.1f s", i, tm, (System.nanoTime() - t0) / 1e9));
        }
        run.finishAndCheck("kill -9 TaskManager x3", recoveries);
    }

    @Test
    @Order(2)
    void restartingTheBrokerLosesAndDuplicatesNothing() throws Exception {
        Run run = Run.start("broker-restart");
        run.awaitProgress(sends / 3);
        long completed = run.completedCheckpoints();
        long t0 = System.nanoTime();
        broker.kill();
        Thread.sleep(5_000);
        broker.restart();
        double brokerBack = (System.nanoTime() - t0) / 1e9;
        run.awaitCheckpointAfter(completed);
        run.finishAndCheck(
                "broker kill -9 and restart",
                List.of(
                        String.format(
                                "broker down 5 s, back after %.1f s; first checkpoint after"
                                        + " the kill %.1f s",
                                brokerBack, (System.nanoTime() - t0) / 1e9)));
    }

    @Test
    @Order(3)
    void aRegistryOutageOf60sLosesNothingAndDeadLettersNothing() throws Exception {
        Run run = Run.start("registry-outage");
        run.awaitProgress(sends / 4);
        long pid = registryPid();
        long completed = run.completedCheckpoints();
        long before = run.restarts();
        long t0 = System.nanoTime();
        signal("STOP", pid);
        try {
            // A TaskManager lost during the outage: its tasks restart with empty schema caches and
            // must look the writer schemas up while the registry does not answer.
            Thread.sleep(5_000);
            cluster("kill-tm", busyTaskManager());
            cluster("start-tm");
            // 60 s in all, whatever the kill and the start took.
            long left = TimeUnit.SECONDS.toNanos(60) - (System.nanoTime() - t0);
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
        } finally {
            signal("CONT", pid);
        }
        double outage = (System.nanoTime() - t0) / 1e9;
        run.awaitRecovered(before, completed);
        run.finishAndCheck(
                "registry unresponsive 60 s (SIGSTOP) + TaskManager kill during it",
                List.of(
                        String.format(
                                "outage %.1f s; running with a new checkpoint %.1f s after it"
                                        + " began",
                                outage, (System.nanoTime() - t0) / 1e9)));
    }

    // ---------------------------------------------------------------------------------------

    /** One job on its own topics, with its input produced in the background. */
    private static final class Run {
        final String name;
        final String prefix;
        final List<ScenarioEvent> events;
        final Set<String> sendIds = new HashSet<>();
        final Map<String, Verdict> expected = new HashMap<>();
        final String jobId;
        final Thread producer;
        final AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        final long startNanos = System.nanoTime();
        final AuditReader audit;

        private Run(String name) throws Exception {
            this.name = name;
            this.prefix =
                    "fault." + name + "." + UUID.randomUUID().toString().substring(0, 8) + ".";
            this.events = workload(sends / SENDS_PER_SUBJECT, SENDS_PER_SUBJECT);
            for (DecidedSend d : new ScenarioRunner(Policy.defaultPolicy()).replay(events)) {
                expected.put(d.messageId(), d.decision().verdict());
                sendIds.add(d.messageId());
            }
            createTopics();
            int sendsSchema =
                    register(
                            topic("sends.requested"),
                            io.consentgate.schema.SendRequest.getClassSchema());
            int consentSchema =
                    register(
                            topic("consent.events"),
                            io.consentgate.schema.ConsentEvent.getClassSchema());
            producer =
                    new Thread(
                            () -> {
                                try {
                                    produce(sendsSchema, consentSchema);
                                } catch (Throwable t) {
                                    producerFailure.set(t);
                                }
                            },
                            "fault-producer");
            producer.setDaemon(true);
            producer.start();
            jobId = submit();
            audit = new AuditReader(topic("compliance.audit"));
            log(
                    "[%s] job %s, %d sends (%d expected ALLOW)",
                    name,
                    jobId,
                    sendIds.size(),
                    expected.values().stream().filter(v -> v == Verdict.ALLOW).count());
        }

        static Run start(String name) throws Exception {
            return new Run(name);
        }

        String topic(String base) {
            return prefix + base;
        }

        void createTopics() throws Exception {
            List<NewTopic> topics = new ArrayList<>();
            for (String t :
                    List.of(
                            "sends.requested",
                            "consent.events",
                            "compliance.policy",
                            "sends.approved",
                            "sends.deferred",
                            "compliance.audit",
                            "compliance.dlq")) {
                topics.add(
                        new NewTopic(topic(t), PARTITIONS, (short) 1)
                                .configs(Map.of("retention.ms", "-1")));
            }
            try (Admin admin = broker.admin()) {
                admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            }
        }

        String submit() throws Exception {
            List<String> args =
                    new ArrayList<>(List.of("submit", jobJar.toAbsolutePath().toString()));
            Map<String, String> conf = new java.util.LinkedHashMap<>();
            conf.put("bootstrap.servers", broker.bootstrap());
            conf.put("registry.url", registry.confluentApiUrl());
            conf.put("group.id", prefix + "filter");
            conf.put("topic.sends", topic("sends.requested"));
            conf.put("topic.consent", topic("consent.events"));
            conf.put("topic.policy", topic("compliance.policy"));
            conf.put("topic.approved", topic("sends.approved"));
            conf.put("topic.deferred", topic("sends.deferred"));
            conf.put("topic.audit", topic("compliance.audit"));
            conf.put("topic.dlq", topic("compliance.dlq"));
            conf.put("checkpoint.interval", "2s");
            conf.put("checkpoint.min-pause", "500ms");
            // Above (3 tolerated failures + 1) x (2 s + the default 2 min checkpoint timeout) = 488
            // s.
            conf.put("transaction.timeout", "540s");
            conf.put("source.idleness", System.getProperty("fault.idleness", "60s"));
            conf.put("parallelism", "2");
            conf.put("job.name", prefix + "filter");
            conf.forEach((k, v) -> args.add("--" + k + "=" + v));
            String out = cluster(args.toArray(String[]::new)).strip();
            assertThat(out).as("job id from cluster.sh submit").matches("[0-9a-f]{32}");
            return out;
        }

        void produce(int sendsSchema, int consentSchema) throws Exception {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 600_000);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            // Spread the input over about a minute (at least), so faults hit a flowing stream.
            long perRecordNanos = TimeUnit.SECONDS.toNanos(60) / Math.max(1, events.size());
            AtomicReference<Exception> failed = new AtomicReference<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                long t0 = System.nanoTime();
                int n = 0;
                for (ScenarioEvent e : events) {
                    byte[] key = key(e.tenantId(), e.subjectId());
                    ProducerRecord<byte[], byte[]> r;
                    if (e instanceof ScenarioEvent.Consent c) {
                        r =
                                new ProducerRecord<>(
                                        topic("consent.events"),
                                        null,
                                        e.at().toEpochMilli(),
                                        key,
                                        encode(consentSchema, c.event()));
                    } else {
                        ScenarioEvent.Send s = (ScenarioEvent.Send) e;
                        r =
                                new ProducerRecord<>(
                                        topic("sends.requested"),
                                        null,
                                        e.at().toEpochMilli(),
                                        key,
                                        encode(sendsSchema, s.request()));
                    }
                    producer.send(
                            r,
                            (md, ex) -> {
                                if (ex != null) {
                                    failed.compareAndSet(null, ex);
                                }
                            });
                    n++;
                    long due = t0 + n * perRecordNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 1_000_000) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                // One send far ahead in event time per partition of each input, so the watermark
                // passes every real send (decisions wait for it).
                Instant later = START.plus(Duration.ofDays(20));
                for (int part = 0; part < PARTITIONS; part++) {
                    String subject = "flush-" + part;
                    producer.send(
                            new ProducerRecord<>(
                                    topic("sends.requested"),
                                    part,
                                    later.toEpochMilli(),
                                    key(FLUSH_TENANT, subject),
                                    encode(
                                            sendsSchema,
                                            aSend().id("flush-" + part)
                                                    .subject(FLUSH_TENANT, subject)
                                                    .at(later)
                                                    .build())));
                    producer.send(
                            new ProducerRecord<>(
                                    topic("consent.events"),
                                    part,
                                    later.toEpochMilli(),
                                    key(FLUSH_TENANT, subject),
                                    encode(
                                            consentSchema,
                                            aConsent()
                                                    .id("flush-ce-" + part)
                                                    .subject(FLUSH_TENANT, subject)
                                                    .at(later)
                                                    .build())));
                }
                producer.flush();
            }
            if (failed.get() != null) {
                throw failed.get();
            }
        }

        long restarts() {
            String body = get("/jobs/" + jobId + "/metrics?get=numRestarts");
            Matcher m = Pattern.compile("\"value\":\"(\\d+)\"").matcher(body);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }

        long completedCheckpoints() {
            String body = get("/jobs/" + jobId + "/checkpoints");
            Matcher m = Pattern.compile("\"completed\":(\\d+)").matcher(body);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }

        String state() {
            Matcher m = Pattern.compile("\"state\":\"([A-Z]+)\"").matcher(get("/jobs/" + jobId));
            return m.find() ? m.group(1) : "?";
        }

        /** Waits until at least {@code n} sends have a committed decision. */
        void awaitProgress(long n) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(patienceMinutes());
            while (audit.firstDecisions() < n) {
                checkProducer();
                assertThat(System.nanoTime())
                        .as("[%s] %d decisions in %d min", name, n, patienceMinutes())
                        .isLessThan(deadline);
                audit.poll();
            }
        }

        /** Restarted (numRestarts above {@code restartsBefore}), RUNNING and a new checkpoint. */
        void awaitRecovered(long restartsBefore, long completedBefore) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (restarts() <= restartsBefore) {
                assertThat(System.nanoTime())
                        .as("[%s] no restart after the fault", name)
                        .isLessThan(deadline);
                Thread.sleep(200);
            }
            awaitCheckpointAfter(completedBefore);
        }

        void awaitCheckpointAfter(long completedBefore) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!"RUNNING".equals(state()) || completedCheckpoints() <= completedBefore) {
                assertThat(System.nanoTime())
                        .as("[%s] no checkpoint after the fault", name)
                        .isLessThan(deadline);
                Thread.sleep(200);
            }
        }

        void checkProducer() {
            if (producerFailure.get() != null) {
                throw new AssertionError("the input producer failed", producerFailure.get());
            }
        }

        /** Waits for every decision, then checks the outputs and prints the figures. */
        void finishAndCheck(String fault, List<String> recoveries) throws Exception {
            producer.join(TimeUnit.MINUTES.toMillis(patienceMinutes()));
            checkProducer();
            awaitProgress(sendIds.size());
            // One more checkpoint, so a duplicate committed late would show.
            awaitCheckpointAfter(completedCheckpoints());
            long restarts = restarts();
            long checkpoints = completedCheckpoints();
            cancel();
            double seconds = (System.nanoTime() - startNanos) / 1e9;

            // The input as the broker kept it: an idempotent producer's retry across a broker
            // crash can still leave a record twice in the log; the filter must then decide it
            // twice, the second time as a duplicate (BLOCK DUPLICATE_SEND), and approve it once.
            Map<String, Integer> inputCopies = new HashMap<>();
            for (SendRequest r : readCommitted(topic("sends.requested"), SendRequest.class)) {
                if (sendIds.contains(r.getMessageId())) {
                    inputCopies.merge(r.getMessageId(), 1, Integer::sum);
                }
            }
            long inputDuplicates = inputCopies.values().stream().filter(c -> c > 1).count();
            Map<String, Integer> firstDecisions = new HashMap<>();
            Map<String, Verdict> verdicts = new HashMap<>();
            long repeatsNotBlockedAsDuplicates = 0;
            for (AuditEvent a : readCommitted(topic("compliance.audit"), AuditEvent.class)) {
                if (a.getKind() == AuditKind.DECISION
                        && !a.getRedecision()
                        && sendIds.contains(a.getMessageId())) {
                    // A subject's decisions are in one partition, in decision order.
                    if (firstDecisions.merge(a.getMessageId(), 1, Integer::sum) > 1
                            && !(a.getVerdict() == Verdict.BLOCK
                                    && a.getReasons().contains(Reason.DUPLICATE_SEND))) {
                        repeatsNotBlockedAsDuplicates++;
                    }
                    verdicts.putIfAbsent(a.getMessageId(), a.getVerdict());
                }
            }
            List<String> approvedIds = new ArrayList<>();
            for (ApprovedSend s : readCommitted(topic("sends.approved"), ApprovedSend.class)) {
                if (!FLUSH_TENANT.equals(s.getRequest().getTenantId())) {
                    approvedIds.add(s.getRequest().getMessageId());
                }
            }
            List<DeadLetter> dlq = readCommitted(topic("compliance.dlq"), DeadLetter.class);
            Set<String> expectedAllow = new HashSet<>();
            expected.forEach(
                    (id, v) -> {
                        if (v == Verdict.ALLOW) {
                            expectedAllow.add(id);
                        }
                    });
            long missing = sendIds.stream().filter(id -> !firstDecisions.containsKey(id)).count();
            long multiple =
                    firstDecisions.entrySet().stream()
                            .filter(e -> e.getValue() > inputCopies.getOrDefault(e.getKey(), 1))
                            .count();
            long wrongVerdict =
                    verdicts.entrySet().stream()
                            .filter(e -> e.getValue() != expected.get(e.getKey()))
                            .count();
            Set<String> approvedSet = new HashSet<>(approvedIds);
            long approvedMissing =
                    expectedAllow.stream().filter(id -> !approvedSet.contains(id)).count();
            long approvedExtra =
                    approvedSet.stream().filter(id -> !expectedAllow.contains(id)).count();

            String report =
                    String.format(
                            "%n==== FAULT RESULT [%s] %s%n"
                                    + "  sends %d; decided %d; missing %d; decided more often than"
                                    + " in the input %d; verdict differs from ScenarioRunner %d%n"
                                    + "  input records written twice (producer retry across the"
                                    + " fault) %d; their repeats not blocked as DUPLICATE_SEND %d%n"
                                    + "  sends.approved (read_committed) %d records, %d distinct;"
                                    + " expected ALLOW %d; missing %d; unexpected %d%n"
                                    + "  dead letters %d; restarts (REST numRestarts) %d;"
                                    + " completed checkpoints %d; run %.0f s%n"
                                    + "  recovery: %s%n",
                            name,
                            fault,
                            sendIds.size(),
                            firstDecisions.size(),
                            missing,
                            multiple,
                            wrongVerdict,
                            inputDuplicates,
                            repeatsNotBlockedAsDuplicates,
                            approvedIds.size(),
                            approvedSet.size(),
                            expectedAllow.size(),
                            approvedMissing,
                            approvedExtra,
                            dlq.size(),
                            restarts,
                            checkpoints,
                            seconds,
                            String.join("; ", recoveries));
            System.out.println(report);
            Files.writeString(
                    WORK.resolve("results.txt"),
                    report,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);

            assertThat(missing).as("sends without a decision").isZero();
            assertThat(multiple)
                    .as("sends decided more often than they were in the input")
                    .isZero();
            assertThat(repeatsNotBlockedAsDuplicates)
                    .as("repeated decisions not blocked as DUPLICATE_SEND")
                    .isZero();
            assertThat(wrongVerdict).as("verdicts differing from ScenarioRunner").isZero();
            assertThat(approvedIds).as("approved message ids").doesNotHaveDuplicates();
            assertThat(approvedMissing).as("expected ALLOWs missing from sends.approved").isZero();
            assertThat(approvedExtra).as("approved sends not expected").isZero();
            assertThat(dlq).as("dead letters").isEmpty();
        }

        void cancel() {
            try {
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(rest + "/jobs/" + jobId + "?mode=cancel"))
                                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                log("cancel of %s failed: %s", jobId, e);
            }
        }
    }

    /** Follows the audit topic read_committed and counts first decisions of real sends. */
    private static final class AuditReader {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Set<String> decided = new HashSet<>();

        AuditReader(String topic) {
            consumer = consumer();
            List<TopicPartition> parts = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                parts.add(new TopicPartition(topic, i));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }

        long firstDecisions() {
            return decided.size();
        }

        void poll() {
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    AuditEvent a = decode(r.value(), AuditEvent.class);
                    if (a.getKind() == AuditKind.DECISION
                            && !a.getRedecision()
                            && !a.getMessageId().startsWith("flush-")) {
                        decided.add(a.getMessageId());
                    }
                }
            } catch (org.apache.kafka.common.KafkaException e) {
                // The broker may be down mid-test; keep polling.
            }
        }
    }

    // ---------------------------------------------------------------------------------------

    /** Subjects with consent histories and sends (ALLOW and BLOCK mixes), in applied order. */
    static List<ScenarioEvent> workload(int subjects, int sendsPerSubject) {
        String tenant = "t-fault";
        List<ScenarioEvent> events = new ArrayList<>();
        for (int i = 0; i < subjects; i++) {
            String subject = String.format("sub-%07d", i);
            String id = "ce-" + subject + "-";
            Instant longAgo = START.minus(Duration.ofDays(30));
            int kind = i % 5;
            switch (kind) {
                case 0 ->
                        events.add(
                                ScenarioEvent.of(
                                        aConsent()
                                                .id(id + 1)
                                                .subject(tenant, subject)
                                                .at(longAgo)
                                                .build()));
                case 1 -> {
                    events.add(
                            ScenarioEvent.of(
                                    aConsent()
                                            .id(id + 1)
                                            .subject(tenant, subject)
                                            .at(longAgo)
                                            .build()));
                    events.add(
                            ScenarioEvent.of(
                                    an(ConsentEventType.CONSENT_WITHDRAWN)
                                            .id(id + 2)
                                            .subject(tenant, subject)
                                            .at(START.plus(Duration.ofHours(3)))
                                            .build()));
                }
                case 2 ->
                        events.add(
                                ScenarioEvent.of(
                                        an(ConsentEventType.PURCHASE)
                                                .id(id + 1)
                                                .subject(tenant, subject)
                                                .anyChannel()
                                                .productCategory("coffee")
                                                .optOutOffered()
                                                .at(START.minus(Duration.ofDays(10)))
                                                .build()));
                case 3 -> {
                    events.add(
                            ScenarioEvent.of(
                                    aConsent()
                                            .id(id + 1)
                                            .subject(tenant, subject)
                                            .at(longAgo)
                                            .build()));
                    events.add(
                            ScenarioEvent.of(
                                    an(ConsentEventType.OBJECTION)
                                            .id(id + 2)
                                            .subject(tenant, subject)
                                            .anyChannel()
                                            .anyBrand()
                                            .at(START.plus(Duration.ofHours(2)))
                                            .build()));
                }
                default -> {
                    // No consent: marketing is blocked, service messages pass.
                }
            }
            for (int k = 0; k < sendsPerSubject; k++) {
                Instant at = START.plus(Duration.ofMinutes(40L * k)).plusSeconds(i % 60);
                SendBuilder send =
                        aSend().id("m-" + subject + "-" + k).subject(tenant, subject).at(at);
                if (kind == 4 && k % 2 == 0) {
                    send.service();
                }
                events.add(ScenarioEvent.of(send.build()));
            }
        }
        return AppliedOrder.sort(events);
    }

    static byte[] key(String tenant, String subject) {
        return (tenant + ":" + subject).getBytes(StandardCharsets.UTF_8);
    }

    /** Confluent wire format: magic 0, the schema id, the Avro binary. */
    static byte[] encode(int schemaId, SpecificRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
            new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Map<Integer, Schema> WRITER_SCHEMAS =
            new java.util.concurrent.ConcurrentHashMap<>();

    static <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            if (buf.get() != 0) {
                throw new IllegalStateException("not Confluent wire format");
            }
            int id = buf.getInt();
            Schema writer =
                    WRITER_SCHEMAS.computeIfAbsent(
                            id,
                            i -> {
                                String body =
                                        getUrl(registry.confluentApiUrl() + "/schemas/ids/" + i);
                                try {
                                    String json =
                                            new com.fasterxml.jackson.databind.ObjectMapper()
                                                    .readTree(body)
                                                    .get("schema")
                                                    .asText();
                                    return new Schema.Parser().parse(json);
                                } catch (IOException e) {
                                    throw new IllegalStateException(body, e);
                                }
                            });
            Schema reader = (Schema) type.getMethod("getClassSchema").invoke(null);
            SpecificDatumReader<T> r = new SpecificDatumReader<>(writer, reader);
            return r.read(
                    null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        } catch (Exception e) {
            throw new IllegalStateException("cannot decode " + type.getSimpleName(), e);
        }
    }

    static <T extends SpecificRecord> List<T> readCommitted(String topic, Class<T> type)
            throws Exception {
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                parts.add(new TopicPartition(topic, i));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(patienceMinutes());
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading %s", topic).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    out.add(decode(r.value(), type));
                }
            }
        }
        return out;
    }

    static KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return new KafkaConsumer<>(p);
    }

    /** Registers the schema under {@code topic-value} (Confluent API) and returns its id. */
    static int register(String topic, Schema schema) throws Exception {
        String body =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .writeValueAsString(Map.of("schema", schema.toString()));
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(
                                        URI.create(
                                                registry.confluentApiUrl()
                                                        + "/subjects/"
                                                        + topic
                                                        + "-value/versions"))
                                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(r.body());
        assertThat(m.find()).as("registered %s: %s", topic, r.body()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    static String get(String path) {
        return getUrl(rest + path);
    }

    static String getUrl(String url) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            throw new IllegalStateException("GET " + url, e);
        }
    }

    /** Runs cluster.sh with the arguments; returns its stdout, fails on a non-zero exit. */
    static String cluster(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(BASE.resolve("cluster.sh").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        assertThat(rc).as("cluster.sh %s: %s", String.join(" ", args), out).isZero();
        return out;
    }

    /** How long to wait for progress: 10 min, more for big runs (1M sends: 50 min). */
    static long patienceMinutes() {
        return Math.max(10, sends / 20_000);
    }

    /** The number N of a TaskManager tm-N running tasks (a used slot), from the REST API. */
    static String busyTaskManager() {
        Matcher m =
                Pattern.compile(
                                "\"id\":\"tm-(\\d+)\"[^{}]*?\"slotsNumber\":(\\d+),\"freeSlots\":(\\d+)")
                        .matcher(get("/taskmanagers"));
        while (m.find()) {
            if (Integer.parseInt(m.group(3)) < Integer.parseInt(m.group(2))) {
                return m.group(1);
            }
        }
        throw new AssertionError("no TaskManager runs tasks: " + get("/taskmanagers"));
    }

    static long registryPid() {
        return ProcessHandle.current()
                .descendants()
                .filter(
                        h ->
                                h.info().commandLine().orElse("").contains("quarkus-run")
                                        || h.info().commandLine().orElse("").contains("apicurio"))
                .mapToLong(ProcessHandle::pid)
                .findFirst()
                .orElseThrow(() -> new AssertionError("registry process not found"));
    }

    static void signal(String sig, long pid) throws Exception {
        int rc = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor();
        assertThat(rc).as("kill -%s %d", sig, pid).isZero();
    }

    static void log(String fmt, Object... args) {
        System.out.printf("fault: " + fmt + "%n", args);
    }

    /** A Kafka broker in its own JVM ({@code kafka.Kafka server.properties}), restartable. */
    static final class BrokerProcess {
        final Path dir;
        final int port;
        Process process;

        private BrokerProcess(Path dir, int port) {
            this.dir = dir;
            this.port = port;
        }

        static BrokerProcess start(Path dir) throws Exception {
            Files.createDirectories(dir);
            int port = KafkaBroker.freePort();
            int controller = KafkaBroker.freePort();
            Properties props = KafkaBroker.config(dir, port, controller);
            KafkaBroker.format(dir, props);
            BrokerProcess b = new BrokerProcess(dir, port);
            b.launch();
            return b;
        }

        String bootstrap() {
            return "127.0.0.1:" + port;
        }

        Admin admin() {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
            return Admin.create(p);
        }

        void launch() throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb =
                    new ProcessBuilder(
                            java,
                            "-Xmx768m",
                            "-Djava.io.tmpdir=" + WORK,
                            "-cp",
                            System.getProperty("java.class.path"),
                            "kafka.Kafka",
                            dir.resolve("server.properties").toString());
            File logFile = dir.resolve("broker.log").toFile();
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile));
            process = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                try (Admin a = admin()) {
                    a.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("broker did not start, see " + logFile, e);
                    }
                    Thread.sleep(500);
                }
            }
        }

        void kill() throws Exception {
            process.destroyForcibly().waitFor();
        }

        void restart() throws Exception {
            launch();
        }

        void stop() throws Exception {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
    }
}
