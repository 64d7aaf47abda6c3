package io.consentgate.demo;

import io.consentgate.filter.SubjectKey;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps event time moving after a bounded run's traffic ends, so the filter decides the sends it
 * still buffers (those within the out-of-orderness bound of the last one).
 *
 * <p>Why it is needed: the filter decides a send when the watermark passes it, and watermarks only
 * move with new records. Once the traffic stops, the sources mark their partitions idle after
 * {@code source.idleness}; and ending the job with stop-with-savepoint --drain does not help,
 * because Flink 2.2 drops every watermark an idle output emits, the end-of-event-time one included.
 * So one consent event per partition every 200 ms, dated now, keeps the consent source active and
 * its watermark past every send.
 *
 * <p>The events belong to a reserved tenant, {@value #TENANT}, one synthetic subject per partition,
 * and are AGE_DECLARED facts (the ledger keeps only the latest), so they decide nothing and leave
 * one small ledger per partition. They are not counted as generated traffic.
 */
final class EventTimeHeartbeat implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(EventTimeHeartbeat.class);
    static final String TENANT = "demo-clock";
    private static final long INTERVAL_MS = 200;
    private static final LocalDate BIRTH = LocalDate.of(1970, 1, 1);

    private final AvroKafkaProducer producer;
    private final int partitions;
    private volatile boolean stopRequested;
    private long sent;

    EventTimeHeartbeat(AvroKafkaProducer producer) {
        this.producer = producer;
        this.partitions = producer.partitions(TopicKind.CONSENT);
    }

    @Override
    public void run() {
        try {
            while (!stopRequested) {
                long now = System.currentTimeMillis();
                for (int p = 0; p < partitions; p++) {
                    String subject = String.format("sub-%016x", p);
                    producer.sendConsentTo(
                            p,
                            SubjectKey.bytes(TENANT, subject),
                            ConsentEvent.newBuilder()
                                    .setEventId(String.format("evt-clock-%d-%d", p, sent))
                                    .setTenantId(TENANT)
                                    .setSubjectId(subject)
                                    .setType(ConsentEventType.AGE_DECLARED)
                                    .setOccurredAt(Instant.ofEpochMilli(now))
                                    .setBirthDate(BIRTH)
                                    .build());
                }
                sent++;
                TimeUnit.MILLISECONDS.sleep(INTERVAL_MS);
            }
        } catch (Exception e) {
            if (!stopRequested) {
                LOG.warn("Event-time heartbeat stopped: {}", e.toString());
            }
        }
    }

    void stop() {
        stopRequested = true;
    }

    /** Heartbeat rounds written (one event per partition each). */
    long rounds() {
        return sent;
    }
}
