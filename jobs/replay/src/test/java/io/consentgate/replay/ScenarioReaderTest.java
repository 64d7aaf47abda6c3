package io.consentgate.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.Reason;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioReaderTest {

    private static final String CONSENT =
            """
            {"kind": "consent", "id": "ce-1", "at": "2026-01-12T10:15:00Z", "tenant": "t1",
             "subject": "s1", "type": "CONSENT_GRANTED", "brand": "b1", "channel": "EMAIL",
             "purpose": "newsletter", "birthDate": "2010-05-31",
             "evidence": {"method": "DOUBLE_OPT_IN", "source": "web", "capturedAt": "2026-01-12T10:14:00Z"}}
            """;

    private static final String SEND =
            """
            {"kind": "send", "id": "m1", "at": "2026-03-02T09:00:00Z", "tenant": "t1",
             "subject": "s1", "brand": "b1", "channel": "SMS", "jurisdiction": "XX-Nowhere",
             "timeZone": "EST", "content": {"senderIdentified": true}}
            """;

    /** A scenario object with {@code events} and {@code expect} spliced in. */
    private static String scenario(String name, String events, String expect) {
        return "{\"name\": \""
                + name
                + "\", \"source\": \"test\", \"events\": ["
                + events
                + "], \"expect\": ["
                + expect
                + "]}";
    }

    private static String file(String... scenarios) {
        return "[" + String.join(",", scenarios) + "]";
    }

    private static String scenarioFile(String name, String events, String expect) {
        return file(scenario(name, events, expect));
    }

    @Test
    void mapsConsentFieldsToTheAvroRecord() throws Exception {
        Scenario s = ScenarioReader.read("a.json", scenarioFile("n", CONSENT, "")).get(0);

        assertThat(s.file()).isEqualTo("a.json");
        assertThat(s.name()).isEqualTo("n");
        assertThat(s.source()).isEqualTo("test");
        ConsentEvent e = ((ScenarioEvent.Consent) s.events().get(0)).event();
        assertThat(e.getEventId()).isEqualTo("ce-1");
        assertThat(e.getOccurredAt()).isEqualTo(Instant.parse("2026-01-12T10:15:00Z"));
        assertThat(e.getTenantId()).isEqualTo("t1");
        assertThat(e.getSubjectId()).isEqualTo("s1");
        assertThat(e.getType()).isEqualTo(ConsentEventType.CONSENT_GRANTED);
        assertThat(e.getBrand()).isEqualTo("b1");
        assertThat(e.getChannel()).isEqualTo(Channel.EMAIL);
        assertThat(e.getPurpose()).isEqualTo("newsletter");
        assertThat(e.getBirthDate()).isEqualTo(LocalDate.of(2010, 5, 31));
        assertThat(e.getEvidence().getMethod()).isEqualTo(EvidenceMethod.DOUBLE_OPT_IN);
        assertThat(e.getEvidence().getSource()).isEqualTo("web");
        assertThat(e.getEvidence().getCapturedAt())
                .isEqualTo(Instant.parse("2026-01-12T10:14:00Z"));
        assertThat(e.getEvidence().getOptOutOffered()).isFalse();
        assertThat(e.getEvidence().getOrigin()).isEqualTo(DataOrigin.DIRECT);
    }

    @Test
    void leavesAbsentConsentScopeNull() throws Exception {
        String optOut =
                """
                {"kind": "consent", "id": "ce-2", "at": "2026-01-12T10:15:00Z", "tenant": "t1",
                 "subject": "s1", "type": "OPT_OUT"}
                """;
        ConsentEvent e =
                ((ScenarioEvent.Consent)
                                ScenarioReader.read("a.json", scenarioFile("n", optOut, ""))
                                        .get(0)
                                        .events()
                                        .get(0))
                        .event();

        assertThat(e.getBrand()).isNull();
        assertThat(e.getChannel()).isNull();
        assertThat(e.getPurpose()).isNull();
        assertThat(e.getEvidence()).isNull();
    }

    @Test
    void defaultsAbsentSendFieldsToTheProtectiveChoice() throws Exception {
        SendRequest send =
                ((ScenarioEvent.Send)
                                ScenarioReader.read("a.json", scenarioFile("n", SEND, ""))
                                        .get(0)
                                        .events()
                                        .get(0))
                        .request();

        assertThat(send.getMessageId()).isEqualTo("m1");
        assertThat(send.getRequestedAt()).isEqualTo(Instant.parse("2026-03-02T09:00:00Z"));
        assertThat(send.getCategory()).isEqualTo(Category.MARKETING);
        assertThat(send.getRecipientType()).isEqualTo(RecipientType.INDIVIDUAL);
        assertThat(send.getContent().getSenderIdentified()).isTrue();
        assertThat(send.getContent().getUnsubscribe()).isFalse();
        assertThat(send.getContent().getContainsPromotion()).isFalse();
    }

    @Test
    void passesUnknownJurisdictionAndTimeZoneThroughForTheEngineToDecide() throws Exception {
        SendRequest send =
                ((ScenarioEvent.Send)
                                ScenarioReader.read("a.json", scenarioFile("n", SEND, ""))
                                        .get(0)
                                        .events()
                                        .get(0))
                        .request();

        assertThat(send.getJurisdiction()).isEqualTo("XX-Nowhere");
        assertThat(send.getTimeZone()).isEqualTo("EST");
    }

    @Test
    void readsExpectationsWithOccurrenceDefaultingToOne() throws Exception {
        Scenario s =
                ScenarioReader.read(
                                "a.json",
                                scenarioFile(
                                        "n",
                                        SEND,
                                        """
                                        {"id": "m1", "verdict": "BLOCK", "reason": "DM_OBJECTION"},
                                        {"id": "m1", "occurrence": 2, "verdict": "DEFER",
                                         "notBefore": "2026-03-03T08:00:00Z"}
                                        """))
                        .get(0);

        assertThat(s.expect())
                .containsExactly(
                        new Expectation("m1", 1, Verdict.BLOCK, null, Reason.DM_OBJECTION, null),
                        new Expectation(
                                "m1",
                                2,
                                Verdict.DEFER,
                                null,
                                null,
                                Instant.parse("2026-03-03T08:00:00Z")));
    }

    @Test
    void namesFileScenarioAndFieldForAnUnknownEnumSymbol() {
        String fax = SEND.replace("\"SMS\"", "\"FAX\"");
        String file =
                file(scenario("first", CONSENT, ""), scenario("GB fax", CONSENT + "," + fax, ""));

        assertThatThrownBy(() -> ScenarioReader.read("eu-gb.json", file))
                .isInstanceOf(ScenarioFormatException.class)
                .hasMessage(
                        "eu-gb.json: scenario #2 \"GB fax\": events[1].channel: unknown value"
                                + " \"FAX\" (expected one of EMAIL, SMS, PUSH, PHONE_CALL,"
                                + " AUTOMATED_CALL, POST)");
    }

    @Test
    void namesTheMissingRequiredField() {
        for (String field : List.of("id", "at", "kind", "tenant", "subject", "channel")) {
            String send = SEND.replaceFirst("\"" + field + "\": \"[^\"]*\",", "");
            assertThatThrownBy(() -> ScenarioReader.read("f.json", scenarioFile("n", send, "")))
                    .as(field)
                    .hasMessageStartingWith("f.json: scenario #1 \"n\": events[0]." + field + ":")
                    .hasMessageContaining("missing");
        }
        String consent = CONSENT.replace("\"type\": \"CONSENT_GRANTED\",", "");
        assertThatThrownBy(() -> ScenarioReader.read("f.json", scenarioFile("n", consent, "")))
                .hasMessage("f.json: scenario #1 \"n\": events[0].type: missing (required)");
    }

    @Test
    void rejectsABadInstant() {
        String send = SEND.replace("2026-03-02T09:00:00Z", "2026-03-02 09:00");

        assertThatThrownBy(() -> ScenarioReader.read("f.json", scenarioFile("n", send, "")))
                .hasMessageStartingWith("f.json: scenario #1 \"n\": events[0].at: bad instant")
                .hasMessageContaining("2026-03-02 09:00");
    }

    @Test
    void rejectsAnUnknownFieldInAnEvent() {
        String consent = CONSENT.replace("\"channel\"", "\"chanel\"");

        assertThatThrownBy(() -> ScenarioReader.read("f.json", scenarioFile("n", consent, "")))
                .hasMessageStartingWith(
                        "f.json: scenario #1 \"n\": events[0].chanel: unknown field");
    }

    @Test
    void rejectsANestedBadValueWithItsPath() {
        String consent = CONSENT.replace("\"DOUBLE_OPT_IN\"", "\"CHECKBOX\"");

        assertThatThrownBy(() -> ScenarioReader.read("f.json", scenarioFile("n", consent, "")))
                .hasMessageStartingWith(
                        "f.json: scenario #1 \"n\": events[0].evidence.method: unknown value"
                                + " \"CHECKBOX\"");
    }

    @Test
    void namesTheExpectationField() {
        assertThatThrownBy(
                        () ->
                                ScenarioReader.read(
                                        "f.json",
                                        scenarioFile(
                                                "n",
                                                SEND,
                                                "{\"id\": \"m1\", \"verdict\": \"OK\"}")))
                .hasMessageStartingWith(
                        "f.json: scenario #1 \"n\": expect[0].verdict: unknown value");
        assertThatThrownBy(
                        () ->
                                ScenarioReader.read(
                                        "f.json",
                                        scenarioFile(
                                                "n", SEND, "{\"id\": \"m1\", \"occurrence\": 0}")))
                .hasMessageStartingWith("f.json: scenario #1 \"n\": expect[0].occurrence:");
    }

    @Test
    void namesAnUnnamedScenarioByItsNumber() {
        String file = "[{\"events\": [{\"kind\": \"mail\"}], \"expect\": []}]";

        assertThatThrownBy(() -> ScenarioReader.read("f.json", file))
                .hasMessage(
                        "f.json: scenario #1: events[0].kind: unknown value \"mail\" (expected"
                                + " consent or send)");
    }

    @Test
    void reportsInvalidJsonWithItsLine() {
        assertThatThrownBy(() -> ScenarioReader.read("f.json", "[\n{\"name\": \"x\",,}]"))
                .hasMessageStartingWith("f.json: invalid JSON at line 2");
        assertThatThrownBy(() -> ScenarioReader.read("f.json", "{}"))
                .hasMessageStartingWith("f.json: expected a JSON array");
    }

    @Test
    void rejectsDuplicateKeys() {
        String send =
                SEND.replace(
                        "\"channel\": \"SMS\"", "\"channel\": \"SMS\", \"channel\": \"EMAIL\"");

        assertThatThrownBy(() -> ScenarioReader.read("f.json", scenarioFile("n", send, "")))
                .hasMessageContaining("Duplicate field 'channel'");
    }

    @Test
    void readsJsonLinesSkippingBlankLines() throws Exception {
        String jsonl = CONSENT.replace("\n", " ") + "\n\n" + SEND.replace("\n", " ") + "\n";

        List<ScenarioEvent> events = ScenarioReader.readEvents("in.jsonl", new StringReader(jsonl));

        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isInstanceOf(ScenarioEvent.Consent.class);
        assertThat(events.get(1)).isInstanceOf(ScenarioEvent.Send.class);
    }

    @Test
    void namesFileAndLineOfABadJsonLine() {
        String jsonl =
                CONSENT.replace("\n", " ") + "\n" + SEND.replace("\n", " ").replace("SMS", "FAX");

        assertThatThrownBy(() -> ScenarioReader.readEvents("in.jsonl", new StringReader(jsonl)))
                .isInstanceOf(ScenarioFormatException.class)
                .hasMessageStartingWith("in.jsonl: line 2: channel: unknown value \"FAX\"");
    }

    @Test
    void findsJsonFilesRecursivelyInSortedOrder(@TempDir Path dir) throws IOException, Exception {
        Files.createDirectories(dir.resolve("b"));
        Files.writeString(dir.resolve("b/z.json"), "[]");
        Files.writeString(dir.resolve("b/a.json"), "[]");
        Files.writeString(dir.resolve("c.json"), "[]");
        Files.writeString(dir.resolve("notes.md"), "");

        assertThat(ScenarioReader.findScenarioFiles(List.of(dir, dir.resolve("c.json"))))
                .containsExactly(
                        dir.resolve("b/a.json"), dir.resolve("b/z.json"), dir.resolve("c.json"));
        assertThatThrownBy(() -> ScenarioReader.findScenarioFiles(List.of(dir.resolve("nope"))))
                .hasMessageContaining("nope: no such file or folder");
    }
}
