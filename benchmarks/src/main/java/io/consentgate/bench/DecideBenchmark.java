package io.consentgate.bench;

import io.consentgate.engine.Decision;
import io.consentgate.engine.DecisionEngine;
import io.consentgate.engine.Policy;
import io.consentgate.engine.SubjectLedger;
import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.Evidence;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * decide() and the ledger's (de)serialization over ledgers of realistic shapes: empty, one consent,
 * a typical customer (a dozen events), and a long history (150 events). Each invocation decides one
 * of a rotating set of sends (every channel, EU/CA/US).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar DecideBenchmark -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecideBenchmark {
    private static final long T0 = Instant.parse("2025-06-01T00:00:00Z").toEpochMilli();
    private static final String[][] PLACES = {
        {"GB", "Europe/London"},
        {"DE", "Europe/Berlin"},
        {"CA-ON", "America/Toronto"},
        {"US-NY", "America/New_York"}
    };

    @Param({"0", "1", "12", "150"})
    public int historySize;

    private final Policy policy = Policy.defaultPolicy();
    private SubjectLedger ledger;
    private byte[] ledgerBytes;
    private SendRequest[] sends;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(42);
        ledger = SubjectLedger.empty();
        for (int i = 0; i < historySize; i++) {
            ledger.apply(event(random, i));
        }
        ledgerBytes = ledger.toBytes();
        sends = new SendRequest[64];
        for (int i = 0; i < sends.length; i++) {
            sends[i] = send(random, i);
        }
    }

    @Benchmark
    public Decision decide() {
        SendRequest send = sends[next++ & 63];
        return DecisionEngine.decide(send, ledger, policy);
    }

    @Benchmark
    public byte[] serializeLedger() {
        return ledger.toBytes();
    }

    @Benchmark
    public SubjectLedger deserializeLedger() {
        return SubjectLedger.fromBytes(ledgerBytes);
    }

    /** Ledger read, decide, record and write: the per-send work of the Flink operator. */
    @Benchmark
    public byte[] decideWithStateRoundTrip() {
        SendRequest send = sends[next++ & 63];
        SubjectLedger l = SubjectLedger.fromBytes(ledgerBytes);
        l.recordSend(send, DecisionEngine.decide(send, l, policy));
        return l.toBytes();
    }

    private static ConsentEvent event(Random random, int i) {
        ConsentEventType[] types = {
            ConsentEventType.CONSENT_GRANTED,
            ConsentEventType.CONSENT_GRANTED,
            ConsentEventType.PURCHASE,
            ConsentEventType.INQUIRY,
            ConsentEventType.CONSENT_WITHDRAWN,
            ConsentEventType.OPT_OUT,
            ConsentEventType.SUPPRESSION_ADDED,
            ConsentEventType.SUPPRESSION_REMOVED,
            ConsentEventType.ART14_NOTICE_GIVEN
        };
        ConsentEventType type =
                i == 0 ? ConsentEventType.CONSENT_GRANTED : types[random.nextInt(types.length)];
        long at = T0 + i * 3_600_000L;
        return ConsentEvent.newBuilder()
                .setEventId("ce-" + Long.toHexString(random.nextLong()))
                .setTenantId("t-1")
                .setSubjectId("sub-1")
                .setType(type)
                .setOccurredAt(Instant.ofEpochMilli(at))
                .setBrand(random.nextInt(3) == 0 ? null : "brand-" + random.nextInt(3))
                .setChannel(random.nextBoolean() ? null : Channel.values()[random.nextInt(6)])
                .setPurpose(random.nextBoolean() ? null : "purpose-" + random.nextInt(4))
                .setProductCategory("cat-" + random.nextInt(5))
                .setEvidence(
                        Evidence.newBuilder()
                                .setMethod(EvidenceMethod.DOUBLE_OPT_IN)
                                .setSource("web:form")
                                .setCapturedAt(Instant.ofEpochMilli(at))
                                .setWordingVersion("w-3")
                                .setOptOutOffered(true)
                                .setOrigin(DataOrigin.DIRECT)
                                .build())
                .build();
    }

    private static SendRequest send(Random random, int i) {
        String[] place = PLACES[i % PLACES.length];
        return SendRequest.newBuilder()
                .setMessageId("msg-" + i)
                .setTenantId("t-1")
                .setSubjectId("sub-1")
                .setBrand("brand-" + random.nextInt(3))
                .setChannel(Channel.values()[i % 6])
                .setCategory(i % 10 == 0 ? Category.SERVICE : Category.MARKETING)
                .setPurpose("purpose-" + random.nextInt(4))
                .setProductCategory("cat-" + random.nextInt(5))
                .setJurisdiction(place[0])
                .setTimeZone(place[1])
                .setRecipientType(RecipientType.values()[i % 3])
                .setContent(
                        ContentFacts.newBuilder()
                                .setSenderIdentified(true)
                                .setUnsubscribe(true)
                                .setOneClickUnsubscribe(true)
                                .setObjectionNotice(true)
                                .build())
                .setRequestedAt(Instant.ofEpochMilli(T0 + 400L * 3_600_000L + i * 60_000L))
                .build();
    }
}
