package io.consentgate.filter.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the Confluent Schema Registry REST API: registers Avro schemas under subjects and
 * fetches them by id, caching both, retrying outages within a time budget.
 *
 * <p>Serializable as configuration only ({@link RegistryAccess}: URL, budget, credentials, TLS
 * stores); the HTTP client and the caches are rebuilt after deserialization. Thread-safe.
 *
 * <p>Against Apicurio's Confluent API, ids are content ids (one id for the same schema under
 * several subjects, with gaps), and lookups by id ignore {@code ?subject=}.
 */
public final class ConfluentRegistryClient implements Serializable {

    /** The media type of the Confluent API. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ConfluentRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration MIN_REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final int ERROR_SCHEMA_NOT_FOUND = 40403;
    private static final int MAX_MESSAGE_CHARS = 500;

    private final RegistryAccess access;
    private final String baseUrl;
    private final Duration retryBudget;

    private transient volatile HttpClient http;
    private transient Map<Integer, Schema> schemasById;
    private transient Map<SubjectSchema, Integer> idsBySubjectSchema;

    /**
     * @param baseUrl the Confluent API root, e.g. {@code http://127.0.0.1:8080/apis/ccompat/v7}
     * @param retryBudget how long one call keeps retrying connection failures and 5xx answers
     */
    public ConfluentRegistryClient(String baseUrl, Duration retryBudget) {
        this(RegistryAccess.of(baseUrl, retryBudget));
    }

    /** A client with the access's credentials and TLS stores (read at the first call). */
    public ConfluentRegistryClient(RegistryAccess access) {
        this.access = Objects.requireNonNull(access, "access");
        this.baseUrl = access.baseUrl();
        this.retryBudget = access.retryBudget();
        init();
    }

    public String baseUrl() {
        return baseUrl;
    }

    public Duration retryBudget() {
        return retryBudget;
    }

    /**
     * Registers {@code schema} under {@code subject} (once per client; the registry answers with
     * the existing id for a schema it already holds) and returns its id.
     *
     * @throws IncompatibleSchemaException the registry's compatibility rule refuses it
     * @throws RegistryUnavailableException the registry was unreachable for the whole budget
     * @throws SchemaRegistryException any other refusal
     */
    public int register(String subject, Schema schema) throws IOException {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        String url = baseUrl + "/subjects/" + encode(subject) + "/versions";
        String body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
        HttpResponse<String> r =
                call(
                        request(url)
                                .header("Content-Type", CONTENT_TYPE)
                                .header("Accept", CONTENT_TYPE)
                                .POST(HttpRequest.BodyPublishers.ofString(body)),
                        url);
        if (r.statusCode() == 409) {
            throw new IncompatibleSchemaException(subject, registryMessage(r));
        }
        if (r.statusCode() != 200) {
            throw unexpected("registering under subject " + subject, url, r);
        }
        JsonNode id = parse(r, url).get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new SchemaRegistryException("no schema id in the answer from " + url);
        }
        int schemaId = id.intValue();
        idsBySubjectSchema.put(key, schemaId);
        schemasById.putIfAbsent(schemaId, schema);
        return schemaId;
    }

    /**
     * The schema with this id; every id is fetched once per client.
     *
     * @throws UnknownSchemaIdException the registry has no such id (not retried)
     * @throws RegistryUnavailableException the registry was unreachable for the whole budget
     * @throws NotAvroSchemaException the schema is of another type or does not parse
     * @throws SchemaRegistryException any other refusal
     */
    public Schema schemaById(int id) throws IOException {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        String url = baseUrl + "/schemas/ids/" + id;
        HttpResponse<String> r = call(request(url).header("Accept", CONTENT_TYPE).GET(), url);
        if (r.statusCode() == 404 && errorCode(r) == ERROR_SCHEMA_NOT_FOUND) {
            throw new UnknownSchemaIdException(id, baseUrl);
        }
        if (r.statusCode() != 200) {
            throw unexpected("fetching schema id " + id, url, r);
        }
        JsonNode json = parse(r, url);
        JsonNode type = json.get("schemaType");
        if (type != null && !type.isNull() && !"AVRO".equals(type.asText())) {
            throw new NotAvroSchemaException(
                    id, "schema id " + id + " is " + type.asText() + ", not AVRO", null);
        }
        JsonNode text = json.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException("no schema in the answer from " + url);
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new NotAvroSchemaException(id, "schema id " + id + " is not valid Avro", e);
        }
        // Keep one instance per id: Avro caches resolvers by schema identity.
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    private HttpRequest.Builder request(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        access.authorization().ifPresent(a -> b.header("Authorization", a));
        return b;
    }

    /** The HTTP client, built at the first call: a TLS store that cannot be read fails it. */
    private HttpClient http() throws SchemaRegistryException {
        HttpClient h = http;
        if (h == null) {
            synchronized (this) {
                h = http;
                if (h == null) {
                    HttpClient.Builder b =
                            HttpClient.newBuilder()
                                    .version(HttpClient.Version.HTTP_1_1)
                                    .connectTimeout(CONNECT_TIMEOUT);
                    access.sslContext().ifPresent(b::sslContext);
                    h = b.build();
                    http = h;
                }
            }
        }
        return h;
    }

    /**
     * Sends, retrying connection failures, 5xx, 429 and 408 with exponential backoff (or the
     * registry's Retry-After) within the budget.
     */
    private HttpResponse<String> call(HttpRequest.Builder request, String url) throws IOException {
        HttpClient http = http();
        long start = System.nanoTime();
        long deadline = start + retryBudget.toNanos();
        long backoffMs = FIRST_BACKOFF_MS;
        int attempts = 0;
        String lastProblem;
        IOException lastError = null;
        while (true) {
            attempts++;
            long remaining = deadline - System.nanoTime();
            Duration timeout = Duration.ofNanos(remaining);
            if (timeout.compareTo(MIN_REQUEST_TIMEOUT) < 0) {
                timeout = MIN_REQUEST_TIMEOUT;
            } else if (timeout.compareTo(MAX_REQUEST_TIMEOUT) > 0) {
                timeout = MAX_REQUEST_TIMEOUT;
            }
            try {
                HttpResponse<String> r =
                        http.send(
                                request.timeout(timeout).build(),
                                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (!retriable(r.statusCode())) {
                    return r;
                }
                lastProblem = "HTTP " + r.statusCode();
                lastError = null;
                // A rate limit (hosted registries answer 429 to a burst of lookups when many
                // subtasks start at once) says when to come back.
                backoffMs = Math.max(backoffMs, retryAfterMillis(r));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException ie =
                        new InterruptedIOException("interrupted while calling " + url);
                ie.initCause(e);
                throw ie;
            } catch (IOException e) {
                lastProblem = e.getClass().getSimpleName();
                lastError = e;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new RegistryUnavailableException(
                        "schema registry at "
                                + url
                                + " unavailable ("
                                + lastProblem
                                + ") after "
                                + attempts
                                + " attempts in "
                                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                                + " ms",
                        lastError);
            }
            long sleepMs = Math.min(backoffMs, TimeUnit.NANOSECONDS.toMillis(left) + 1);
            if (attempts == 1) {
                LOG.warn(
                        "Schema registry at {} unavailable ({}); retrying for up to {} ms",
                        url,
                        lastProblem,
                        retryBudget.toMillis());
            } else {
                LOG.debug("Schema registry at {} still unavailable ({})", url, lastProblem);
            }
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException ie =
                        new InterruptedIOException("interrupted while retrying " + url);
                ie.initCause(e);
                throw ie;
            }
            backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
    }

    /** Server errors, rate limits and request timeouts pass; other answers are final. */
    private static boolean retriable(int status) {
        return status >= 500 || status == 429 || status == 408;
    }

    /** The Retry-After header in seconds (capped at the longest backoff), or 0. */
    private static long retryAfterMillis(HttpResponse<String> r) {
        String v = r.headers().firstValue("Retry-After").orElse("").trim();
        if (v.isEmpty() || v.length() > 6) {
            return 0; // absent, or an HTTP date: fall back to the exponential backoff
        }
        for (int i = 0; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return 0;
            }
        }
        return Math.min(Long.parseLong(v) * 1000, MAX_BACKOFF_MS);
    }

    private static JsonNode parse(HttpResponse<String> r, String url)
            throws SchemaRegistryException {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new SchemaRegistryException("unreadable answer from " + url, e);
        }
    }

    private static int errorCode(HttpResponse<String> r) {
        try {
            JsonNode code = JSON.readTree(r.body()).get("error_code");
            return code == null ? -1 : code.asInt(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String registryMessage(HttpResponse<String> r) {
        String message;
        try {
            JsonNode m = JSON.readTree(r.body()).get("message");
            message = m == null ? r.body() : m.asText();
        } catch (IOException | RuntimeException e) {
            message = r.body();
        }
        if (message == null) {
            return "";
        }
        return message.length() > MAX_MESSAGE_CHARS
                ? message.substring(0, MAX_MESSAGE_CHARS) + "..."
                : message;
    }

    private static SchemaRegistryException unexpected(
            String what, String url, HttpResponse<String> r) {
        int code = errorCode(r);
        return new SchemaRegistryException(
                "schema registry refused "
                        + what
                        + ": HTTP "
                        + r.statusCode()
                        + (code > 0 ? " error_code " + code : "")
                        + (r.statusCode() == 401 || r.statusCode() == 403
                                ? " (the registry refuses this client's credentials)"
                                : "")
                        + " from "
                        + url
                        + ": "
                        + registryMessage(r));
    }

    private static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void init() {
        http = null;
        schemasById = new ConcurrentHashMap<>();
        idsBySubjectSchema = new ConcurrentHashMap<>();
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        init();
    }

    @Override
    public String toString() {
        return "ConfluentRegistryClient[" + access + "]";
    }

    private record SubjectSchema(String subject, Schema schema) {}
}
