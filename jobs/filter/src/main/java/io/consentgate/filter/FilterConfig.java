package io.consentgate.filter;

import io.consentgate.filter.registry.RegistryAccess;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The filter job's configuration: every key declared once below with its default and meaning,
 * parsed from {@code --key value} / {@code --key=value} arguments and an optional properties file
 * ({@code --config FILE}; arguments win), and validated as a whole before the job is built.
 *
 * <p>Keys starting with {@code kafka.} are passed, without the prefix, to every Kafka client the
 * job creates (security.protocol, sasl.*, ssl.* and the like). This class uses no Flink type, so
 * {@code java -jar job.jar --help} works without Flink on the class path.
 */
public final class FilterConfig {

    /** Prefix of Kafka client properties that pass through unchanged. */
    public static final String KAFKA_PREFIX = "kafka.";

    /** The broker rejects transaction timeouts above its transaction.max.timeout.ms (15 min). */
    public static final long BROKER_MAX_TRANSACTION_TIMEOUT_MS = 900_000L;

    /** Delivery guarantee of the Kafka sinks (mirrors Flink's DeliveryGuarantee). */
    public enum Guarantee {
        EXACTLY_ONCE,
        AT_LEAST_ONCE
    }

    /** Where the operator's event-time timers are kept. */
    public enum Timers {
        HEAP,
        ROCKSDB
    }

    /** What to do with a send that arrives after the watermark passed its requested-at time. */
    public enum LateSends {
        /** Decide it at once against the current state and mark the audit event late. */
        DECIDE,
        /** Never decide it: write it to the dead-letter topic with code LATE_SEND. */
        DEAD_LETTER
    }

    /** Where the sources start when the consumer group has no committed offsets. */
    public enum StartingOffsets {
        COMMITTED_OR_EARLIEST,
        COMMITTED_OR_LATEST,
        EARLIEST,
        LATEST
    }

    /** One declared key: its name, default (null = required), description and parser. */
    public static final class Key<T> {
        private final String name;
        private final String defaultValue;
        private final String description;
        private final Function<String, T> parser;
        private final boolean secret;

        private Key(
                String name,
                String defaultValue,
                String description,
                Function<String, T> parser,
                boolean secret) {
            this.name = name;
            this.defaultValue = defaultValue;
            this.description = description;
            this.parser = parser;
            this.secret = secret;
        }

        public String name() {
            return name;
        }

        /** The default as text, or null when the key is required. */
        public String defaultValue() {
            return defaultValue;
        }

        public String description() {
            return description;
        }

        /** A credential: masked wherever the configuration is shown. */
        public boolean secret() {
            return secret;
        }
    }

    private static final List<Key<?>> KEYS = new ArrayList<>();

    private static <T> Key<T> key(
            String name, String defaultValue, String description, Function<String, T> parser) {
        Key<T> k = new Key<>(name, defaultValue, description, parser, false);
        KEYS.add(k);
        return k;
    }

    /** An optional credential (empty = none), never shown in {@link #toString()}. */
    private static Key<String> secret(String name, String description) {
        Key<String> k = new Key<>(name, "", description, String::trim, true);
        KEYS.add(k);
        return k;
    }

    /** An optional file path (empty = none). */
    private static Key<String> optionalPath(String name, String description) {
        return key(name, "", description, String::trim);
    }

    private static Key<String> text(String name, String defaultValue, String description) {
        return key(name, defaultValue, description, FilterConfig::nonBlank);
    }

    private static Key<Duration> duration(String name, String defaultValue, String description) {
        return key(name, defaultValue, description, FilterConfig::parseDuration);
    }

    private static Key<Integer> integer(String name, String defaultValue, String description) {
        return key(name, defaultValue, description, FilterConfig::parseInt);
    }

    private static <E extends Enum<E>> Key<E> choice(
            String name, E defaultValue, String description, Class<E> type) {
        return key(
                name,
                defaultValue.name(),
                description + " One of " + Arrays.toString(type.getEnumConstants()) + ".",
                v -> parseEnum(type, v));
    }

    // ---- Kafka and registry ----
    public static final Key<String> BOOTSTRAP_SERVERS =
            text("bootstrap.servers", null, "Kafka brokers, host:port[,host:port...]. Required.");
    public static final Key<String> REGISTRY_URL =
            text(
                    "registry.url",
                    null,
                    "Base URL of a Confluent-compatible schema registry REST API. Required.");
    public static final Key<Duration> REGISTRY_RETRY_BUDGET =
            duration(
                    "registry.retry-budget",
                    "30s",
                    "How long a registry call retries before the job fails and restarts (records"
                            + " are never dead-lettered because the registry is down).");
    public static final Key<String> REGISTRY_BASIC_AUTH =
            secret(
                    "registry.basic-auth.user-info",
                    "USER:PASSWORD sent to the registry with HTTP basic authentication (like"
                            + " Confluent's basic.auth.user.info). Empty = none. Keep it in the"
                            + " --config file rather than on the command line.");
    public static final Key<String> REGISTRY_TRUSTSTORE =
            optionalPath(
                    "registry.ssl.truststore.location",
                    "Trust store for an https registry URL, read on every TaskManager. Empty ="
                            + " the JVM's default trust.");
    public static final Key<String> REGISTRY_TRUSTSTORE_PASSWORD =
            secret("registry.ssl.truststore.password", "Password of the trust store, if any.");
    public static final Key<String> REGISTRY_TRUSTSTORE_TYPE =
            text("registry.ssl.truststore.type", "PKCS12", "Trust store type (PKCS12 or JKS).");
    public static final Key<String> REGISTRY_KEYSTORE =
            optionalPath(
                    "registry.ssl.keystore.location",
                    "Key store with the client's key and certificate, for a registry that asks"
                            + " for them (mutual TLS). Empty = none.");
    public static final Key<String> REGISTRY_KEYSTORE_PASSWORD =
            secret(
                    "registry.ssl.keystore.password",
                    "Password of the key store and of the key in it; required with a key store.");
    public static final Key<String> REGISTRY_KEYSTORE_TYPE =
            text("registry.ssl.keystore.type", "PKCS12", "Key store type (PKCS12 or JKS).");
    public static final Key<String> GROUP_ID =
            text("group.id", "consentgate-filter", "Kafka consumer group id of both sources.");
    public static final Key<StartingOffsets> STARTING_OFFSETS =
            choice(
                    "source.starting-offsets",
                    StartingOffsets.COMMITTED_OR_EARLIEST,
                    "Where the sources start on a fresh start (a restore uses the checkpoint).",
                    StartingOffsets.class);

    // ---- Topics (DESIGN section 1) ----
    public static final Key<String> TOPIC_SENDS =
            text("topic.sends", "sends.requested", "Input: SendRequest records.");
    public static final Key<String> TOPIC_CONSENT =
            text("topic.consent", "consent.events", "Input: ConsentEvent records.");
    public static final Key<String> TOPIC_POLICY =
            key(
                    "topic.policy",
                    "compliance.policy",
                    "Input: PolicyDocument records keyed by policy id; newer versions of the"
                            + " active and shadow policies are swapped in by event time. It must"
                            + " exist and keep every record (no compaction); read from the"
                            + " earliest offset on a fresh start. Empty = no policy topic.",
                    v -> v.trim());
    public static final Key<String> TOPIC_APPROVED =
            text("topic.approved", "sends.approved", "Output: ApprovedSend records.");
    public static final Key<String> TOPIC_DEFERRED =
            text("topic.deferred", "sends.deferred", "Output: DeferredSend records.");
    public static final Key<String> TOPIC_AUDIT =
            text("topic.audit", "compliance.audit", "Output: AuditEvent records.");
    public static final Key<String> TOPIC_DLQ =
            text("topic.dlq", "compliance.dlq", "Output: DeadLetter records.");

    // ---- Event time ----
    public static final Key<Duration> MAX_OUT_OF_ORDERNESS =
            duration(
                    "watermark.max-out-of-orderness",
                    "300ms",
                    "How late (in event time) a record may arrive and still be ordered with the"
                            + " others of its subject.");
    public static final Key<Duration> SOURCE_IDLENESS =
            duration(
                    "source.idleness",
                    "60s",
                    "A sends or consent partition without records for this long stops holding"
                            + " back the watermark. Keep it above the time a partition can be"
                            + " unavailable (broker failover or restart): a partition that comes"
                            + " back after the others finds the watermark past its records, which"
                            + " are then late (a 5s idleness misordered 3,299 of 1M sends across a"
                            + " broker crash). Producers of quiet topics can write heartbeats to"
                            + " keep decisions flowing; see docs/reliability.md.");
    public static final Key<Duration> ALIGNMENT_MAX_DRIFT =
            duration(
                    "source.alignment.max-drift",
                    "0s",
                    "Watermark alignment of the sends source to the consent source: a sends"
                            + " partition more than this far ahead of the slowest input in event"
                            + " time is paused until the others catch up, so a catch-up buffers at"
                            + " most about this much of the sends topic in state. The consent"
                            + " source is never paused. 0 (the default) = off: measured slower"
                            + " (a 400k-send catch-up with state beyond memory took 156 s with a"
                            + " 30s drift, 146 s without)."
                            + " Use it to bound the buffered sends (and heap timers) of a long"
                            + " catch-up. Off for bounded sources: Flink 2.2 fails a restored job"
                            + " whose finished source tasks receive alignment events.");
    public static final Key<Duration> POLICY_IDLENESS =
            duration(
                    "source.idleness.policy",
                    "2s",
                    "Idleness of the policy topic's partitions, which are quiet nearly always: a"
                            + " version arriving after the watermark passed its effectiveFrom is"
                            + " still accepted (its alert is marked late).");
    public static final Key<LateSends> LATE_SENDS =
            choice(
                    "late.sends",
                    LateSends.DECIDE,
                    "Handling of sends behind the watermark.",
                    LateSends.class);
    public static final Key<Duration> RETRO_WINDOW =
            duration(
                    "retro.window",
                    "30d",
                    "How long an ALLOW is kept for retroactive-violation alerts on late consent"
                            + " events.");
    public static final Key<Integer> RETRO_MAX_ALLOWS =
            integer(
                    "retro.max-allows",
                    "64",
                    "How many recent ALLOWs are kept per subject for those alerts (oldest"
                            + " dropped first).");

    // ---- Input validation ----
    public static final Key<Integer> MAX_RECORD_BYTES =
            integer(
                    "input.max-record-bytes",
                    "1048576",
                    "Records whose key plus value exceed this are dead-lettered (OVERSIZE).");
    public static final Key<String> MIN_EVENT_TIME =
            text(
                    "input.min-event-time",
                    "2000-01-01T00:00:00Z",
                    "Event times before this instant are dead-lettered"
                            + " (TIMESTAMP_OUT_OF_RANGE).");
    public static final Key<Duration> MAX_EVENT_TIME_SKEW =
            duration(
                    "input.max-event-time-skew",
                    "1d",
                    "Event times further than this after the Kafka record timestamp are"
                            + " dead-lettered (TIMESTAMP_OUT_OF_RANGE); deterministic on replay.");

    // ---- Policy ----
    public static final Key<String> POLICY_FILE =
            key(
                    "policy.file",
                    "",
                    "Policy YAML file; empty = the engine's default policy. Newer versions of"
                            + " its id come from the policy topic.",
                    v -> v.trim());
    public static final Key<String> POLICY_SHADOW_FILE =
            key(
                    "policy.shadow.file",
                    "",
                    "Shadow policy YAML file: decided beside the active policy for every send,"
                            + " recorded in the audit event, never deciding. Empty = none.",
                    v -> v.trim());
    public static final Key<String> POLICY_SHADOW_ID =
            key(
                    "policy.shadow.id",
                    "",
                    "Id of the shadow policy: versions with this id on the policy topic become"
                            + " the shadow. Empty = the id of policy.shadow.file (if any).",
                    v -> v.trim());
    public static final Key<Integer> POLICY_MAX_VERSIONS =
            integer(
                    "policy.max-versions",
                    "16",
                    "Versions per policy id kept from the policy topic (lowest dropped first);"
                            + " sends older than every kept version get the configured policy.");

    // ---- Checkpoints, state, delivery ----
    public static final Key<Duration> CHECKPOINT_INTERVAL =
            duration(
                    "checkpoint.interval",
                    "10s",
                    "Checkpoint interval; exactly-once outputs become visible at each checkpoint.");
    public static final Key<Duration> CHECKPOINT_MIN_PAUSE =
            duration("checkpoint.min-pause", "1s", "Minimum pause between two checkpoints.");
    public static final Key<Duration> CHECKPOINT_TIMEOUT =
            duration("checkpoint.timeout", "2min", "A checkpoint taking longer is aborted.");
    public static final Key<Integer> CHECKPOINT_TOLERABLE_FAILURES =
            integer(
                    "checkpoint.tolerable-failures",
                    "3",
                    "Consecutive failed checkpoints tolerated before the job restarts: a catch-up"
                            + " under backpressure can time a checkpoint out, and a restart would"
                            + " only repeat the work. Exactly-once outputs stay invisible until a"
                            + " checkpoint completes.");
    public static final Key<Duration> CHECKPOINT_UNALIGNED_AFTER =
            duration(
                    "checkpoint.unaligned-after",
                    "2s",
                    "A checkpoint starts aligned and turns unaligned (in-flight records are"
                            + " stored with it) when its barrier has waited this long behind"
                            + " backpressure; 0 = unaligned from the start.");
    public static final Key<String> CHECKPOINT_DIR =
            key(
                    "checkpoint.dir",
                    "",
                    "Checkpoint storage URI (e.g. s3://bucket/path, file:///path); empty = the"
                            + " cluster's configuration.",
                    v -> v.trim());
    public static final Key<String> ROCKSDB_LOCAL_DIR =
            key(
                    "rocksdb.local-dir",
                    "",
                    "Local working directory of RocksDB; empty = the TaskManager's temp dirs.",
                    v -> v.trim());
    public static final Key<Timers> ROCKSDB_TIMERS =
            choice(
                    "rocksdb.timers",
                    Timers.ROCKSDB,
                    "Where event-time timers live: ROCKSDB (off heap, a put, a cached-queue update"
                            + " and a delete per buffered record) or HEAP (checkpointed with the"
                            + " keyed state, about 150 bytes of heap per buffered instant of a"
                            + " subject). HEAP took a third less CPU in a 400k-send catch-up with"
                            + " state beyond managed memory, but a catch-up that buffers millions"
                            + " of sends (a first start on a long consent history) then needs"
                            + " that much heap.",
                    Timers.class);
    public static final Key<Double> ROCKSDB_WRITE_BUFFER_RATIO =
            key(
                    "rocksdb.write-buffer-ratio",
                    "0.7",
                    "Share of RocksDB's managed memory for write buffers (the rest caches"
                            + " blocks; Flink's default is 0.5). Most buffered records are"
                            + " written and deleted again within seconds (the pending map, its"
                            + " timers), so larger memtables let the two cancel before a flush:"
                            + " with state beyond managed memory a 400k-send catch-up took half"
                            + " the time and CPU at 0.7 (with partitioned index and filter"
                            + " blocks) than at 0.5, and twice as long at 0.2.",
                    FilterConfig::parseRatio);
    public static final Key<Integer> PARALLELISM =
            integer("parallelism", "0", "Job parallelism; 0 = the cluster's default.");
    public static final Key<Guarantee> DELIVERY_GUARANTEE =
            choice(
                    "delivery.guarantee",
                    Guarantee.EXACTLY_ONCE,
                    "Guarantee of every Kafka sink; EXACTLY_ONCE also reads inputs"
                            + " read_committed.",
                    Guarantee.class);
    public static final Key<Duration> TRANSACTION_TIMEOUT =
            duration(
                    "transaction.timeout",
                    "600000ms",
                    "Kafka transaction timeout of the exactly-once sinks: must exceed"
                            + " (checkpoint.tolerable-failures + 1) x (checkpoint.interval +"
                            + " checkpoint.timeout), the longest a transaction can wait for a"
                            + " completed checkpoint, and stay below the broker's"
                            + " transaction.max.timeout.ms (default 900000ms).");
    public static final Key<String> TRANSACTIONAL_ID_PREFIX =
            text(
                    "transactional-id.prefix",
                    "consentgate-filter",
                    "Prefix of the sinks' transactional ids; each sink appends its own suffix."
                            + " Must be unique per job on the cluster.");
    public static final Key<String> JOB_NAME =
            text("job.name", "consentgate-filter", "Flink job name.");

    private static final Map<String, Key<?>> BY_NAME = new LinkedHashMap<>();

    static {
        for (Key<?> k : KEYS) {
            BY_NAME.put(k.name, k);
        }
    }

    /** Kafka properties the job sets itself, with the key to use instead. */
    private static final Map<String, String> RESERVED_KAFKA =
            Map.of(
                    "bootstrap.servers",
                    BOOTSTRAP_SERVERS.name,
                    "group.id",
                    GROUP_ID.name,
                    "transaction.timeout.ms",
                    TRANSACTION_TIMEOUT.name,
                    "transactional.id",
                    TRANSACTIONAL_ID_PREFIX.name,
                    "key.deserializer",
                    "(set by the job)",
                    "value.deserializer",
                    "(set by the job)",
                    "key.serializer",
                    "(set by the job)",
                    "value.serializer",
                    "(set by the job)");

    /** Thrown for {@code --help}: the caller prints {@link #helpText()}. */
    public static final class HelpRequested extends Exception {
        private HelpRequested() {
            super("help requested", null, false, false);
        }
    }

    /** A configuration that cannot run; the message lists every problem found. */
    public static final class InvalidConfigException extends IllegalArgumentException {
        private InvalidConfigException(String message) {
            super(message);
        }
    }

    private final Map<String, String> raw;
    private final Map<String, String> kafka;

    private FilterConfig(Map<String, String> raw, Map<String, String> kafka) {
        this.raw = Collections.unmodifiableMap(new TreeMap<>(raw));
        this.kafka = Collections.unmodifiableMap(new TreeMap<>(kafka));
        validate();
    }

    /** Parses command-line arguments (and the {@code --config} file they name). */
    public static FilterConfig fromArgs(String... args) throws HelpRequested {
        Map<String, String> fromArgs = new LinkedHashMap<>();
        String configFile = null;
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new HelpRequested();
            }
            if (!a.startsWith("--") || a.length() == 2) {
                problems.add("unexpected argument '" + a + "' (options look like --key value)");
                continue;
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                name = a.substring(2);
                value = args[++i];
            } else {
                problems.add("--" + a.substring(2) + " needs a value");
                continue;
            }
            if (name.equals("config")) {
                configFile = value;
            } else {
                fromArgs.put(name, value);
            }
        }
        Map<String, String> all = new LinkedHashMap<>();
        if (configFile != null) {
            try {
                all.putAll(readProperties(Path.of(configFile)));
            } catch (IOException e) {
                problems.add("cannot read --config " + configFile + ": " + e.getMessage());
            }
        }
        all.putAll(fromArgs);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(report(problems));
        }
        return fromMap(all);
    }

    /** Builds a configuration from key-value pairs (unset keys take their defaults). */
    public static FilterConfig fromMap(Map<String, String> values) {
        Map<String, String> raw = new LinkedHashMap<>();
        Map<String, String> kafka = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String name = e.getKey().trim();
            if (name.startsWith(KAFKA_PREFIX)) {
                String kafkaName = name.substring(KAFKA_PREFIX.length());
                String instead = RESERVED_KAFKA.get(kafkaName);
                if (instead != null) {
                    problems.add(name + " is set by the job; use " + instead + " instead");
                } else {
                    kafka.put(kafkaName, e.getValue());
                }
            } else if (BY_NAME.containsKey(name)) {
                raw.put(name, e.getValue());
            } else {
                problems.add("unknown key '" + name + "' (see --help)");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(report(problems));
        }
        return new FilterConfig(raw, kafka);
    }

    private static Map<String, String> readProperties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            out.put(name, p.getProperty(name));
        }
        return out;
    }

    /** Every key with its default and description, for {@code --help}. */
    public static String helpText() {
        StringBuilder sb = new StringBuilder();
        sb.append("consentgate compliance filter (Flink job)\n\n")
                .append("Usage: flink run consentgate-filter-job.jar [--config FILE]")
                .append(" [--key value | --key=value]...\n\n")
                .append("Options (a --config properties file uses the same keys; arguments")
                .append(" win):\n");
        for (Key<?> k : KEYS) {
            sb.append("  --").append(k.name);
            sb.append(" (default: ");
            sb.append(k.defaultValue == null ? "required" : quoteDefault(k.defaultValue));
            sb.append(")\n      ").append(k.description).append('\n');
        }
        sb.append("  --")
                .append(KAFKA_PREFIX)
                .append("<property> (default: none)\n")
                .append("      Passed to every Kafka client without the prefix, e.g.")
                .append(" --kafka.security.protocol SASL_SSL, --kafka.sasl.mechanism PLAIN,")
                .append(" --kafka.ssl.truststore.location FILE.\n")
                .append("  --help\n      Prints this text.\n");
        return sb.toString();
    }

    private static String quoteDefault(String v) {
        return v.isEmpty() ? "\"\"" : v;
    }

    private <T> T get(Key<T> key) {
        String v = raw.get(key.name);
        if (v == null) {
            v = key.defaultValue;
        }
        return key.parser.apply(v);
    }

    private void validate() {
        List<String> problems = new ArrayList<>();
        for (Key<?> k : KEYS) {
            String v = raw.get(k.name);
            if (v == null && k.defaultValue == null) {
                problems.add("--" + k.name + " is required: " + k.description);
                continue;
            }
            try {
                get(k);
            } catch (IllegalArgumentException e) {
                problems.add("--" + k.name + ": " + e.getMessage());
            }
        }
        if (problems.isEmpty()) {
            checkRelations(problems);
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(report(problems));
        }
    }

    private void checkRelations(List<String> problems) {
        try {
            RegistryAccess.of(registryUrl(), registryRetryBudget());
        } catch (IllegalArgumentException e) {
            problems.add("--" + REGISTRY_URL.name + ": " + e.getMessage());
        }
        if (get(REGISTRY_TRUSTSTORE).isEmpty() && !get(REGISTRY_TRUSTSTORE_PASSWORD).isEmpty()) {
            problems.add(
                    "--" + REGISTRY_TRUSTSTORE_PASSWORD.name + " is set without a trust store");
        }
        if (get(REGISTRY_KEYSTORE).isEmpty() != get(REGISTRY_KEYSTORE_PASSWORD).isEmpty()) {
            problems.add(
                    "--"
                            + REGISTRY_KEYSTORE.name
                            + " and --"
                            + REGISTRY_KEYSTORE_PASSWORD.name
                            + " go together");
        }
        if (!get(REGISTRY_BASIC_AUTH).isEmpty() && get(REGISTRY_BASIC_AUTH).indexOf(':') < 0) {
            problems.add("--" + REGISTRY_BASIC_AUTH.name + " must be USER:PASSWORD");
        }
        positive(problems, MAX_OUT_OF_ORDERNESS, true);
        positive(problems, SOURCE_IDLENESS, false);
        positive(problems, POLICY_IDLENESS, false);
        positive(problems, ALIGNMENT_MAX_DRIFT, true);
        positive(problems, RETRO_WINDOW, false);
        positive(problems, CHECKPOINT_INTERVAL, false);
        positive(problems, CHECKPOINT_MIN_PAUSE, true);
        positive(problems, CHECKPOINT_TIMEOUT, false);
        positive(problems, CHECKPOINT_UNALIGNED_AFTER, true);
        if (checkpointTolerableFailures() < 0) {
            problems.add("--" + CHECKPOINT_TOLERABLE_FAILURES.name + " must be 0 or more");
        }
        positive(problems, MAX_EVENT_TIME_SKEW, true);
        positive(problems, REGISTRY_RETRY_BUDGET, true);
        if (retroMaxAllows() < 1 || retroMaxAllows() > 10_000) {
            problems.add("--" + RETRO_MAX_ALLOWS.name + " must be between 1 and 10000");
        }
        if (maxRecordBytes() < 1024) {
            problems.add("--" + MAX_RECORD_BYTES.name + " must be at least 1024");
        }
        if (parallelism() < 0) {
            problems.add("--" + PARALLELISM.name + " must be 0 (cluster default) or more");
        }
        try {
            minEventTimeMillis();
        } catch (RuntimeException e) {
            problems.add("--" + MIN_EVENT_TIME.name + " must be an ISO-8601 instant");
        }
        long txMs = transactionTimeout().toMillis();
        if (txMs >= BROKER_MAX_TRANSACTION_TIMEOUT_MS) {
            problems.add(
                    "--"
                            + TRANSACTION_TIMEOUT.name
                            + " must be below the broker's default transaction.max.timeout.ms ("
                            + BROKER_MAX_TRANSACTION_TIMEOUT_MS
                            + "ms), or the sinks cannot start");
        }
        // A transaction opened at one checkpoint commits when the next checkpoint completes; with
        // tolerated failures that can be (failures + 1) attempts later, each up to interval +
        // timeout. Kafka aborts it if the timeout ends first, and its records are then lost.
        long attempts = Math.max(0, checkpointTolerableFailures()) + 1L;
        long openMs = attempts * (checkpointInterval().toMillis() + checkpointTimeout().toMillis());
        if (deliveryGuarantee() == Guarantee.EXACTLY_ONCE && txMs <= openMs) {
            problems.add(
                    "--"
                            + TRANSACTION_TIMEOUT.name
                            + " ("
                            + txMs
                            + "ms) must exceed (checkpoint.tolerable-failures + 1) x"
                            + " (checkpoint.interval + checkpoint.timeout) ("
                            + openMs
                            + "ms), the longest a transaction can stay open, or Kafka aborts"
                            + " transactions before they commit");
        }
        List<String> outputs =
                List.of(approvedTopic(), deferredTopic(), auditTopic(), deadLetterTopic());
        List<String> inputs = List.of(sendsTopic(), consentTopic(), policyTopic());
        for (int i = 0; i < outputs.size(); i++) {
            if (inputs.contains(outputs.get(i)) || outputs.indexOf(outputs.get(i)) != i) {
                problems.add("output topic '" + outputs.get(i) + "' is used twice");
            }
        }
        if (sendsTopic().equals(consentTopic())) {
            problems.add("--topic.sends and --topic.consent must differ");
        }
        if (policyTopic().equals(sendsTopic()) || policyTopic().equals(consentTopic())) {
            problems.add("--topic.policy must differ from --topic.sends and --topic.consent");
        }
        if (!policyFile().isEmpty() && !Files.isReadable(Path.of(policyFile()))) {
            problems.add("--" + POLICY_FILE.name + ": cannot read " + policyFile());
        }
        if (!shadowPolicyFile().isEmpty() && !Files.isReadable(Path.of(shadowPolicyFile()))) {
            problems.add("--" + POLICY_SHADOW_FILE.name + ": cannot read " + shadowPolicyFile());
        }
        if (policyMaxVersions() < 1 || policyMaxVersions() > 1000) {
            problems.add("--" + POLICY_MAX_VERSIONS.name + " must be between 1 and 1000");
        }
    }

    private void positive(List<String> problems, Key<Duration> key, boolean zeroAllowed) {
        Duration d = get(key);
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            problems.add("--" + key.name + " must be " + (zeroAllowed ? "0 or more" : "positive"));
        }
    }

    private static String report(List<String> problems) {
        return "Invalid configuration:\n  - " + String.join("\n  - ", problems);
    }

    // ---- Parsers ----

    private static String nonBlank(String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return v.trim();
    }

    private static double parseRatio(String v) {
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not a number");
        }
        if (!(d > 0 && d < 1)) {
            throw new IllegalArgumentException("'" + v + "' is not between 0 and 1 (exclusive)");
        }
        return d;
    }

    private static int parseInt(String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not an integer");
        }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String v) {
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "'" + v + "' is not one of " + Arrays.toString(type.getEnumConstants()));
        }
    }

    /**
     * Parses a duration: a number with a unit (ms, s, min, h, d), a bare number of milliseconds, or
     * ISO-8601 (PT10S).
     */
    static Duration parseDuration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        try {
            if (s.startsWith("pt") || s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            int i = 0;
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i == 0) {
                throw new NumberFormatException();
            }
            long n = Long.parseLong(s.substring(0, i));
            switch (s.substring(i)) {
                case "", "ms":
                    return Duration.ofMillis(n);
                case "s":
                    return Duration.ofSeconds(n);
                case "min":
                    return Duration.ofMinutes(n);
                case "h":
                    return Duration.ofHours(n);
                case "d":
                    return Duration.ofDays(n);
                default:
                    throw new NumberFormatException();
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "'" + v + "' is not a duration (e.g. 300ms, 2s, 10min, 1h, 30d)");
        }
    }

    // ---- Typed accessors ----

    public String bootstrapServers() {
        return get(BOOTSTRAP_SERVERS);
    }

    public String registryUrl() {
        return get(REGISTRY_URL);
    }

    public Duration registryRetryBudget() {
        return get(REGISTRY_RETRY_BUDGET);
    }

    /** The registry's URL, retry budget, and credentials and TLS stores when configured. */
    public RegistryAccess registryAccess() {
        RegistryAccess access = RegistryAccess.of(registryUrl(), registryRetryBudget());
        if (!get(REGISTRY_BASIC_AUTH).isEmpty()) {
            access = access.withBasicAuth(get(REGISTRY_BASIC_AUTH));
        }
        if (!get(REGISTRY_TRUSTSTORE).isEmpty()) {
            access =
                    access.withTruststore(
                            new RegistryAccess.Store(
                                    get(REGISTRY_TRUSTSTORE),
                                    get(REGISTRY_TRUSTSTORE_PASSWORD),
                                    get(REGISTRY_TRUSTSTORE_TYPE)));
        }
        if (!get(REGISTRY_KEYSTORE).isEmpty()) {
            access =
                    access.withKeystore(
                            new RegistryAccess.Store(
                                    get(REGISTRY_KEYSTORE),
                                    get(REGISTRY_KEYSTORE_PASSWORD),
                                    get(REGISTRY_KEYSTORE_TYPE)));
        }
        return access;
    }

    public String groupId() {
        return get(GROUP_ID);
    }

    public StartingOffsets startingOffsets() {
        return get(STARTING_OFFSETS);
    }

    public String sendsTopic() {
        return get(TOPIC_SENDS);
    }

    public String consentTopic() {
        return get(TOPIC_CONSENT);
    }

    /** The policy topic, or "" when the job reads none. */
    public String policyTopic() {
        return get(TOPIC_POLICY);
    }

    public String approvedTopic() {
        return get(TOPIC_APPROVED);
    }

    public String deferredTopic() {
        return get(TOPIC_DEFERRED);
    }

    public String auditTopic() {
        return get(TOPIC_AUDIT);
    }

    public String deadLetterTopic() {
        return get(TOPIC_DLQ);
    }

    public Duration maxOutOfOrderness() {
        return get(MAX_OUT_OF_ORDERNESS);
    }

    public Duration alignmentMaxDrift() {
        return get(ALIGNMENT_MAX_DRIFT);
    }

    public Duration policyIdleness() {
        return get(POLICY_IDLENESS);
    }

    public Duration sourceIdleness() {
        return get(SOURCE_IDLENESS);
    }

    public LateSends lateSends() {
        return get(LATE_SENDS);
    }

    public Duration retroWindow() {
        return get(RETRO_WINDOW);
    }

    public int retroMaxAllows() {
        return get(RETRO_MAX_ALLOWS);
    }

    public int maxRecordBytes() {
        return get(MAX_RECORD_BYTES);
    }

    public long minEventTimeMillis() {
        return Instant.parse(get(MIN_EVENT_TIME)).toEpochMilli();
    }

    public Duration maxEventTimeSkew() {
        return get(MAX_EVENT_TIME_SKEW);
    }

    /** The policy file, or "" for the engine's default policy. */
    public String policyFile() {
        return get(POLICY_FILE);
    }

    /** The policy YAML text, or null for the engine's default policy. */
    public String policyYaml() throws IOException {
        String file = policyFile();
        return file.isEmpty() ? null : Files.readString(Path.of(file), StandardCharsets.UTF_8);
    }

    /** The shadow policy file, or "" for none. */
    public String shadowPolicyFile() {
        return get(POLICY_SHADOW_FILE);
    }

    /** The shadow policy YAML text, or null for none. */
    public String shadowPolicyYaml() throws IOException {
        String file = shadowPolicyFile();
        return file.isEmpty() ? null : Files.readString(Path.of(file), StandardCharsets.UTF_8);
    }

    /** The shadow policy id, or "" (the shadow file's id, or no shadow). */
    public String shadowPolicyId() {
        return get(POLICY_SHADOW_ID);
    }

    public int policyMaxVersions() {
        return get(POLICY_MAX_VERSIONS);
    }

    public Duration checkpointInterval() {
        return get(CHECKPOINT_INTERVAL);
    }

    public Duration checkpointMinPause() {
        return get(CHECKPOINT_MIN_PAUSE);
    }

    public Duration checkpointTimeout() {
        return get(CHECKPOINT_TIMEOUT);
    }

    public int checkpointTolerableFailures() {
        return get(CHECKPOINT_TOLERABLE_FAILURES);
    }

    public Duration checkpointUnalignedAfter() {
        return get(CHECKPOINT_UNALIGNED_AFTER);
    }

    /** Checkpoint storage URI, or "" for the cluster's configuration. */
    public String checkpointDir() {
        return get(CHECKPOINT_DIR);
    }

    /** Where event-time timers live. */
    public double rocksDbWriteBufferRatio() {
        return get(ROCKSDB_WRITE_BUFFER_RATIO);
    }

    public Timers rocksDbTimers() {
        return get(ROCKSDB_TIMERS);
    }

    /** RocksDB local directory, or "" for the TaskManager's temp dirs. */
    public String rocksDbLocalDir() {
        return get(ROCKSDB_LOCAL_DIR);
    }

    public int parallelism() {
        return get(PARALLELISM);
    }

    public Guarantee deliveryGuarantee() {
        return get(DELIVERY_GUARANTEE);
    }

    public Duration transactionTimeout() {
        return get(TRANSACTION_TIMEOUT);
    }

    public String transactionalIdPrefix() {
        return get(TRANSACTIONAL_ID_PREFIX);
    }

    public String jobName() {
        return get(JOB_NAME);
    }

    /** Kafka client properties from {@code kafka.*} keys, prefix removed. */
    public Properties kafkaProperties() {
        Properties p = new Properties();
        p.putAll(kafka);
        return p;
    }

    /** Every declared key, in declaration order. */
    public static List<Key<?>> keys() {
        return Collections.unmodifiableList(KEYS);
    }

    /**
     * The effective values for logging: every key with its value; secrets, Kafka pass-through
     * values and credentials in URLs are masked.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("FilterConfig{");
        for (Key<?> k : KEYS) {
            String v = raw.getOrDefault(k.name, k.defaultValue);
            if (k.secret && v != null && !v.isEmpty()) {
                v = "***";
            } else if (v != null) {
                v = v.replaceAll("://[^/@]*@", "://***@"); // credentials in a URL
            }
            sb.append(k.name).append('=').append(v).append(", ");
        }
        for (String name : kafka.keySet()) {
            sb.append(KAFKA_PREFIX).append(name).append("=***, ");
        }
        sb.setLength(sb.length() - 2);
        return sb.append('}').toString();
    }
}
