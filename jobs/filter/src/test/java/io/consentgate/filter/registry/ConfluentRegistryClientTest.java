package io.consentgate.filter.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.consentgate.local.LocalInfra;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConfluentRegistryClientTest {

    private static String url;

    @BeforeAll
    static void registry() {
        url = LocalInfra.registry().confluentApiUrl();
    }

    @Test
    void registersAndLooksUpById() throws Exception {
        Schema schema = record("Registered", false);
        int id = client().register(subject(), schema);

        // A fresh client has no cache: the schema comes from the registry.
        assertThat(client().schemaById(id)).isEqualTo(schema);
    }

    @Test
    void registeringTheSameSchemaAgainGivesTheSameId() throws Exception {
        String subject = subject();
        Schema schema = record("Again", false);
        int first = client().register(subject, schema);

        assertThat(client().register(subject, schema)).isEqualTo(first);
        assertThat(client().register(subject, new Schema.Parser().parse(schema.toString())))
                .isEqualTo(first);
    }

    @Test
    void refusesAnIncompatibleChangeAndAcceptsACompatibleOne() throws Exception {
        String subject = subject();
        ConfluentRegistryClient client = client();
        int v1 = client.register(subject, record("Evolving", false));

        // A new field without a default cannot read old data: not BACKWARD compatible.
        Schema breaking =
                SchemaBuilder.record("Evolving")
                        .namespace("io.consentgate.test")
                        .fields()
                        .requiredString("a")
                        .requiredInt("b")
                        .endRecord();
        assertThatThrownBy(() -> client.register(subject, breaking))
                .isInstanceOf(IncompatibleSchemaException.class)
                .hasMessageContaining(subject)
                .satisfies(
                        e ->
                                assertThat(((IncompatibleSchemaException) e).subject())
                                        .isEqualTo(subject));

        int v2 = client.register(subject, record("Evolving", true));
        assertThat(v2).isNotEqualTo(v1);
    }

    @Test
    void unknownIdFailsAtOnce() {
        ConfluentRegistryClient client = new ConfluentRegistryClient(url, Duration.ofSeconds(30));
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> client.schemaById(Integer.MAX_VALUE - 1))
                .isInstanceOf(UnknownSchemaIdException.class)
                .satisfies(
                        e ->
                                assertThat(((UnknownSchemaIdException) e).schemaId())
                                        .isEqualTo(Integer.MAX_VALUE - 1));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void unreachableRegistryFailsAfterTheBudget() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + closedPort + "/apis/ccompat/v7";
        ConfluentRegistryClient client = new ConfluentRegistryClient(dead, Duration.ofMillis(800));
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("127.0.0.1:" + closedPort);
        assertThatThrownBy(() -> client.register("x-value", record("Unreached", false)))
                .isInstanceOf(RegistryUnavailableException.class);
        Duration both = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(both).isBetween(Duration.ofMillis(1600), Duration.ofSeconds(6));
    }

    @Test
    void retriesServerErrorsWithinTheBudget() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext(
                "/",
                ex -> {
                    boolean fail =
                            calls.incrementAndGet() <= 2
                                    || ex.getRequestURI().getPath().endsWith("/9");
                    byte[] body =
                            (fail
                                            ? "{\"error_code\":50001,\"message\":\"down\"}"
                                            : "{\"schema\":\"\\\"string\\\"\"}")
                                    .getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(fail ? 503 : 200, body.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(body);
                    }
                });
        stub.start();
        try {
            String base = "http://127.0.0.1:" + stub.getAddress().getPort();
            ConfluentRegistryClient client =
                    new ConfluentRegistryClient(base, Duration.ofSeconds(10));

            assertThat(client.schemaById(7)).isEqualTo(Schema.create(Schema.Type.STRING));
            assertThat(calls).hasValue(3);
            // Cached: no further call.
            client.schemaById(7);
            assertThat(calls).hasValue(3);

            ConfluentRegistryClient impatient =
                    new ConfluentRegistryClient(base, Duration.ofMillis(500));
            assertThatThrownBy(() -> impatient.schemaById(9))
                    .isInstanceOf(RegistryUnavailableException.class)
                    .hasMessageContaining("HTTP 503");
        } finally {
            stub.stop(0);
        }
    }

    @Test
    void aRateLimitedLookupWaitsAsToldAndRetries() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext(
                "/",
                ex -> {
                    boolean limited = calls.incrementAndGet() <= 2;
                    byte[] body =
                            (limited
                                            ? "{\"error_code\":42901,\"message\":\"slow down\"}"
                                            : "{\"schema\":\"\\\"string\\\"\"}")
                                    .getBytes(StandardCharsets.UTF_8);
                    if (limited) {
                        ex.getResponseHeaders().add("Retry-After", "1");
                    }
                    ex.sendResponseHeaders(limited ? 429 : 200, body.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(body);
                    }
                });
        stub.start();
        try {
            String base = "http://127.0.0.1:" + stub.getAddress().getPort();
            long t0 = System.nanoTime();

            Schema schema = new ConfluentRegistryClient(base, Duration.ofSeconds(20)).schemaById(3);

            assertThat(schema).isEqualTo(Schema.create(Schema.Type.STRING));
            assertThat(calls).hasValue(3);
            // Two answers said "come back in 1 s"; the exponential backoff alone waits 0.3 s.
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        } finally {
            stub.stop(0);
        }
    }

    @Test
    void aSchemaThatIsNotAvroIsReportedAsSuch() throws Exception {
        HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext(
                "/",
                ex -> {
                    String body =
                            ex.getRequestURI().getPath().endsWith("/1")
                                    ? "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"
                                    : "{\"schema\":\"{not avro\"}";
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(200, bytes.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(bytes);
                    }
                });
        stub.start();
        try {
            ConfluentRegistryClient client =
                    new ConfluentRegistryClient(
                            "http://127.0.0.1:" + stub.getAddress().getPort(),
                            Duration.ofSeconds(5));

            assertThatThrownBy(() -> client.schemaById(1))
                    .isInstanceOf(NotAvroSchemaException.class)
                    .hasMessageContaining("PROTOBUF");
            assertThatThrownBy(() -> client.schemaById(2))
                    .isInstanceOf(NotAvroSchemaException.class)
                    .satisfies(
                            e -> assertThat(((NotAvroSchemaException) e).schemaId()).isEqualTo(2));
        } finally {
            stub.stop(0);
        }
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        ConfluentRegistryClient original = client();
        int id = original.register(subject(), record("Shipped", false));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(original);
        }
        ConfluentRegistryClient copy;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (ConfluentRegistryClient) in.readObject();
        }
        assertThat(copy.baseUrl()).isEqualTo(url);
        assertThat(copy.schemaById(id).getName()).isEqualTo("Shipped");
    }

    private static ConfluentRegistryClient client() {
        return new ConfluentRegistryClient(url, Duration.ofSeconds(10));
    }

    private static String subject() {
        return "registry-test-" + UUID.randomUUID() + "-value";
    }

    static Schema record(String name, boolean withOptionalField) {
        SchemaBuilder.FieldAssembler<Schema> f =
                SchemaBuilder.record(name)
                        .namespace("io.consentgate.test")
                        .fields()
                        .requiredString("a");
        if (withOptionalField) {
            f = f.name("b").type().intType().intDefault(0);
        }
        return f.endRecord();
    }
}
