package io.consentgate.replay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.consentgate.schema.Basis;
import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.Evidence;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.Reason;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.SuppressionKind;
import io.consentgate.schema.Verdict;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads scenario files and JSON-lines event files (scenarios/FORMAT.md) into Avro records.
 *
 * <p>Strict where a slip would change a decision: unknown enum symbols, malformed instants,
 * duplicate keys and unknown fields in events, expectations, evidence and content are errors. Where
 * the format leaves a send field out, the reader picks what protects the recipient: no {@code
 * category} is MARKETING, no {@code recipientType} is INDIVIDUAL, no {@code jurisdiction} is the
 * empty string (which no regime knows). Jurisdiction and time zone are passed through unchecked: an
 * unknown one is the engine's decision (UNKNOWN_JURISDICTION, UNKNOWN_TIMEZONE), not a format
 * error.
 */
public final class ScenarioReader {

    private static final ObjectMapper JSON =
            JsonMapper.builder(
                            JsonFactory.builder()
                                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                                    .build())
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .build();

    private static final Set<String> CONSENT_FIELDS =
            fields(
                    "kind",
                    "id",
                    "at",
                    "tenant",
                    "subject",
                    "type",
                    "brand",
                    "channel",
                    "purpose",
                    "productCategory",
                    "birthDate",
                    "registry",
                    "suppression",
                    "evidence");
    private static final Set<String> SEND_FIELDS =
            fields(
                    "kind",
                    "id",
                    "at",
                    "tenant",
                    "subject",
                    "brand",
                    "channel",
                    "category",
                    "purpose",
                    "productCategory",
                    "jurisdiction",
                    "recipientType",
                    "timeZone",
                    "content",
                    "campaignId");
    private static final Set<String> EVIDENCE_FIELDS =
            fields("method", "source", "capturedAt", "wordingVersion", "optOutOffered", "origin");
    private static final Set<String> CONTENT_FIELDS =
            fields(
                    "senderIdentified",
                    "unsubscribe",
                    "oneClickUnsubscribe",
                    "firstContact",
                    "objectionNotice",
                    "containsPromotion");
    private static final Set<String> EXPECT_FIELDS =
            fields("id", "occurrence", "verdict", "basis", "reason", "notBefore");

    private ScenarioReader() {}

    /** Reads every scenario file under {@code paths}; see {@link #findScenarioFiles}. */
    public static List<Scenario> readAll(Collection<Path> paths) throws ScenarioFormatException {
        List<Scenario> all = new ArrayList<>();
        for (Path file : findScenarioFiles(paths)) {
            all.addAll(read(file));
        }
        return all;
    }

    /**
     * The scenario files named by {@code paths}: a file as given, a folder as every {@code *.json}
     * below it, sorted by path. Arguments keep their order; a file named twice is read once.
     */
    public static List<Path> findScenarioFiles(Collection<Path> paths)
            throws ScenarioFormatException {
        Set<Path> seen = new LinkedHashSet<>();
        List<Path> files = new ArrayList<>();
        for (Path path : paths) {
            List<Path> found;
            if (Files.isDirectory(path)) {
                try (Stream<Path> walk = Files.walk(path)) {
                    found =
                            walk.filter(Files::isRegularFile)
                                    .filter(p -> p.getFileName().toString().endsWith(".json"))
                                    .sorted()
                                    .collect(Collectors.toList());
                } catch (IOException e) {
                    throw new ScenarioFormatException(path + ": cannot list folder: " + e, e);
                }
                if (found.isEmpty()) {
                    throw new ScenarioFormatException(path + ": no *.json scenario files found");
                }
            } else if (Files.isRegularFile(path)) {
                found = List.of(path);
            } else {
                throw new ScenarioFormatException(path + ": no such file or folder");
            }
            for (Path file : found) {
                if (seen.add(file.toAbsolutePath().normalize())) {
                    files.add(file);
                }
            }
        }
        return files;
    }

    /** Reads one scenario file. */
    public static List<Scenario> read(Path file) throws ScenarioFormatException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(file.toString(), in);
        } catch (NoSuchFileException e) {
            throw new ScenarioFormatException(file + ": no such file", e);
        } catch (IOException e) {
            throw new ScenarioFormatException(file + ": cannot read: " + e, e);
        }
    }

    /** Reads a scenario file's content; {@code file} names it in messages and results. */
    public static List<Scenario> read(String file, InputStream json)
            throws ScenarioFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ScenarioFormatException(file + ": " + describe(e), e);
        } catch (IOException e) {
            throw new ScenarioFormatException(file + ": cannot read: " + e, e);
        }
        return read(file, root);
    }

    /** Reads a scenario file's content given as a string (tests, embedded suites). */
    public static List<Scenario> read(String file, String json) throws ScenarioFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ScenarioFormatException(file + ": " + describe(e), e);
        }
        return read(file, root);
    }

    private static List<Scenario> read(String file, JsonNode root) throws ScenarioFormatException {
        if (root == null || root.isMissingNode()) {
            throw new ScenarioFormatException(file + ": empty file");
        }
        if (!root.isArray()) {
            throw new ScenarioFormatException(
                    file + ": expected a JSON array of scenario objects, found " + kindOf(root));
        }
        List<Scenario> scenarios = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            scenarios.add(readScenario(file, i + 1, root.get(i)));
        }
        return scenarios;
    }

    private static Scenario readScenario(String file, int number, JsonNode node)
            throws ScenarioFormatException {
        String label = "scenario #" + number;
        if (node.isObject() && node.path("name").isTextual()) {
            label += " \"" + node.get("name").asText() + "\"";
        }
        Fields s = new Fields(file + ": " + label, "", node);
        s.requireObject();
        // Extra keys at this level (tags, notes) cannot change a decision: they are ignored.
        String name = s.optString("name");
        String source = s.optString("source");

        Fields eventsNode = s.reqArray("events");
        List<ScenarioEvent> events = new ArrayList<>(eventsNode.node.size());
        for (int i = 0; i < eventsNode.node.size(); i++) {
            events.add(readEvent(eventsNode.element(i)));
        }
        Fields expectNode = s.reqArray("expect");
        List<Expectation> expect = new ArrayList<>(expectNode.node.size());
        for (int i = 0; i < expectNode.node.size(); i++) {
            expect.add(readExpectation(expectNode.element(i)));
        }
        return new Scenario(
                file, name != null ? name : "scenario #" + number, source, events, expect);
    }

    /** Reads a JSON-lines file of events, one object per line; blank lines are skipped. */
    public static List<ScenarioEvent> readEvents(Path jsonl) throws ScenarioFormatException {
        try (Reader in = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
            return readEvents(jsonl.toString(), in);
        } catch (NoSuchFileException e) {
            throw new ScenarioFormatException(jsonl + ": no such file", e);
        } catch (IOException e) {
            throw new ScenarioFormatException(jsonl + ": cannot read: " + e, e);
        }
    }

    /** Reads JSON-lines events; {@code file} names the input in messages. */
    public static List<ScenarioEvent> readEvents(String file, Reader jsonl)
            throws ScenarioFormatException {
        BufferedReader lines = jsonl instanceof BufferedReader br ? br : new BufferedReader(jsonl);
        List<ScenarioEvent> events = new ArrayList<>();
        int number = 0;
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                number++;
                if (!line.isBlank()) {
                    events.add(readEventLine(file, number, line));
                }
            }
        } catch (IOException e) {
            throw new ScenarioFormatException(
                    file + ": line " + (number + 1) + ": cannot read: " + e, e);
        }
        return events;
    }

    /** Reads one JSON-lines event; {@code line} is 1-based. */
    public static ScenarioEvent readEventLine(String file, int line, String json)
            throws ScenarioFormatException {
        String where = file + ": line " + line;
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ScenarioFormatException(where + ": " + describe(e), e);
        }
        return readEvent(new Fields(where, "", node));
    }

    private static ScenarioEvent readEvent(Fields e) throws ScenarioFormatException {
        e.requireObject();
        String kind = e.reqString("kind");
        switch (kind) {
            case "consent":
                return ScenarioEvent.of(readConsent(e));
            case "send":
                return ScenarioEvent.of(readSend(e));
            default:
                throw e.error("kind", "unknown value \"" + kind + "\" (expected consent or send)");
        }
    }

    private static ConsentEvent readConsent(Fields e) throws ScenarioFormatException {
        e.onlyFields(CONSENT_FIELDS, "consent event");
        ConsentEvent.Builder b =
                ConsentEvent.newBuilder()
                        .setEventId(e.reqString("id"))
                        .setOccurredAt(e.reqInstant("at"))
                        .setTenantId(e.reqString("tenant"))
                        .setSubjectId(e.reqString("subject"))
                        .setType(e.reqEnum("type", ConsentEventType.class))
                        .setBrand(e.optString("brand"))
                        .setChannel(e.optEnum("channel", Channel.class))
                        .setPurpose(e.optString("purpose"))
                        .setProductCategory(e.optString("productCategory"))
                        .setBirthDate(e.optDate("birthDate"))
                        .setRegistry(e.optEnum("registry", PreferenceRegistry.class))
                        .setSuppression(e.optEnum("suppression", SuppressionKind.class));
        Fields ev = e.optObject("evidence");
        if (ev != null) {
            ev.onlyFields(EVIDENCE_FIELDS, "evidence");
            DataOrigin origin = ev.optEnum("origin", DataOrigin.class);
            b.setEvidence(
                    Evidence.newBuilder()
                            .setMethod(ev.optEnum("method", EvidenceMethod.class))
                            .setSource(ev.optString("source"))
                            .setCapturedAt(ev.optInstant("capturedAt"))
                            .setWordingVersion(ev.optString("wordingVersion"))
                            .setOptOutOffered(ev.optBoolean("optOutOffered"))
                            .setOrigin(origin != null ? origin : DataOrigin.DIRECT)
                            .build());
        }
        return b.build();
    }

    private static SendRequest readSend(Fields e) throws ScenarioFormatException {
        e.onlyFields(SEND_FIELDS, "send");
        Category category = e.optEnum("category", Category.class);
        RecipientType recipientType = e.optEnum("recipientType", RecipientType.class);
        String jurisdiction = e.optString("jurisdiction");
        ContentFacts.Builder content = ContentFacts.newBuilder();
        Fields c = e.optObject("content");
        if (c != null) {
            c.onlyFields(CONTENT_FIELDS, "content");
            content.setSenderIdentified(c.optBoolean("senderIdentified"))
                    .setUnsubscribe(c.optBoolean("unsubscribe"))
                    .setOneClickUnsubscribe(c.optBoolean("oneClickUnsubscribe"))
                    .setFirstContact(c.optBoolean("firstContact"))
                    .setObjectionNotice(c.optBoolean("objectionNotice"))
                    .setContainsPromotion(c.optBoolean("containsPromotion"));
        }
        return SendRequest.newBuilder()
                .setMessageId(e.reqString("id"))
                .setRequestedAt(e.reqInstant("at"))
                .setTenantId(e.reqString("tenant"))
                .setSubjectId(e.reqString("subject"))
                .setBrand(e.optString("brand"))
                .setChannel(e.reqEnum("channel", Channel.class))
                .setCategory(category != null ? category : Category.MARKETING)
                .setPurpose(e.optString("purpose"))
                .setProductCategory(e.optString("productCategory"))
                .setJurisdiction(jurisdiction != null ? jurisdiction : "")
                .setRecipientType(recipientType != null ? recipientType : RecipientType.INDIVIDUAL)
                .setTimeZone(e.optString("timeZone"))
                .setContent(content.build())
                .setCampaignId(e.optString("campaignId"))
                .build();
    }

    private static Expectation readExpectation(Fields x) throws ScenarioFormatException {
        x.requireObject();
        x.onlyFields(EXPECT_FIELDS, "expectation");
        Integer occurrence = x.optPositiveInt("occurrence");
        return new Expectation(
                x.reqString("id"),
                occurrence != null ? occurrence : 1,
                x.optEnum("verdict", Verdict.class),
                x.optEnum("basis", Basis.class),
                x.optEnum("reason", Reason.class),
                x.optInstant("notBefore"));
    }

    private static String describe(JsonProcessingException e) {
        var loc = e.getLocation();
        String at =
                loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        return "invalid JSON" + at + ": " + e.getOriginalMessage();
    }

    private static String kindOf(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static Set<String> fields(String... names) {
        return new LinkedHashSet<>(Arrays.asList(names));
    }

    /** A JSON object being read, with where it is (file and scenario or line) and its path. */
    private static final class Fields {
        final String where;
        final String path;
        final JsonNode node;

        Fields(String where, String path, JsonNode node) {
            this.where = where;
            this.path = path;
            this.node = node;
        }

        String pathOf(String field) {
            return path.isEmpty() ? field : path + "." + field;
        }

        ScenarioFormatException error(String field, String problem) {
            String p = field == null ? path : pathOf(field);
            return new ScenarioFormatException(
                    where + ": " + (p.isEmpty() ? "" : p + ": ") + problem);
        }

        void requireObject() throws ScenarioFormatException {
            if (!node.isObject()) {
                throw error(null, "expected an object, found " + kindOf(node));
            }
        }

        void onlyFields(Set<String> allowed, String what) throws ScenarioFormatException {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!allowed.contains(name)) {
                    throw error(
                            name,
                            "unknown field for a "
                                    + what
                                    + " (expected one of "
                                    + String.join(", ", allowed)
                                    + ")");
                }
            }
        }

        Fields element(int index) {
            return new Fields(where, path + "[" + index + "]", node.get(index));
        }

        /** The field, or null when it is absent or JSON null. */
        JsonNode opt(String field) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : v;
        }

        Fields reqArray(String field) throws ScenarioFormatException {
            requireObject();
            JsonNode v = opt(field);
            if (v == null) {
                throw error(field, "missing (an array is required)");
            }
            if (!v.isArray()) {
                throw error(field, "expected an array, found " + kindOf(v));
            }
            return new Fields(where, pathOf(field), v);
        }

        Fields optObject(String field) throws ScenarioFormatException {
            JsonNode v = opt(field);
            if (v == null) {
                return null;
            }
            if (!v.isObject()) {
                throw error(field, "expected an object, found " + kindOf(v));
            }
            return new Fields(where, pathOf(field), v);
        }

        String optString(String field) throws ScenarioFormatException {
            JsonNode v = opt(field);
            if (v == null) {
                return null;
            }
            if (!v.isTextual()) {
                throw error(field, "expected a string, found " + kindOf(v));
            }
            return v.asText();
        }

        String reqString(String field) throws ScenarioFormatException {
            String v = optString(field);
            if (v == null) {
                throw error(field, "missing (required)");
            }
            if (v.isBlank()) {
                throw error(field, "must not be empty");
            }
            return v;
        }

        boolean optBoolean(String field) throws ScenarioFormatException {
            JsonNode v = opt(field);
            if (v == null) {
                return false;
            }
            if (!v.isBoolean()) {
                throw error(field, "expected true or false, found " + v);
            }
            return v.booleanValue();
        }

        Integer optPositiveInt(String field) throws ScenarioFormatException {
            JsonNode v = opt(field);
            if (v == null) {
                return null;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
                throw error(field, "expected a whole number from 1, found " + v);
            }
            return v.intValue();
        }

        Instant optInstant(String field) throws ScenarioFormatException {
            String v = optString(field);
            if (v == null) {
                return null;
            }
            try {
                return Instant.parse(v);
            } catch (DateTimeParseException ex) {
                throw error(
                        field,
                        "bad instant \""
                                + v
                                + "\" (expected ISO-8601 UTC, e.g. 2026-03-02T09:00:00Z)");
            }
        }

        Instant reqInstant(String field) throws ScenarioFormatException {
            Instant v = optInstant(field);
            if (v == null) {
                throw error(field, "missing (required)");
            }
            return v;
        }

        LocalDate optDate(String field) throws ScenarioFormatException {
            String v = optString(field);
            if (v == null) {
                return null;
            }
            try {
                return LocalDate.parse(v);
            } catch (DateTimeParseException ex) {
                throw error(field, "bad date \"" + v + "\" (expected YYYY-MM-DD)");
            }
        }

        <E extends Enum<E>> E optEnum(String field, Class<E> type) throws ScenarioFormatException {
            String v = optString(field);
            if (v == null) {
                return null;
            }
            for (E symbol : type.getEnumConstants()) {
                if (symbol.name().equals(v)) {
                    return symbol;
                }
            }
            throw error(
                    field,
                    "unknown value \""
                            + v
                            + "\" (expected one of "
                            + Arrays.stream(type.getEnumConstants())
                                    .map(Enum::name)
                                    .collect(Collectors.joining(", "))
                            + ")");
        }

        <E extends Enum<E>> E reqEnum(String field, Class<E> type) throws ScenarioFormatException {
            E v = optEnum(field, type);
            if (v == null) {
                throw error(field, "missing (required)");
            }
            return v;
        }
    }
}
