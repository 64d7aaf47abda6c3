package io.consentgate.bench.harness;

import io.consentgate.demo.GeneratedRecord;
import io.consentgate.demo.TopicKind;
import io.consentgate.demo.TrafficGenerator;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.SendRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The benchmark's traffic: the demo's {@link TrafficGenerator} (same seed, same records), written
 * through an {@link InputWriter} either as fast as possible (the preloaded backlog) or paced on the
 * wall clock (the latency runs).
 *
 * <p>One change to the generated stream, so that the filter and the Kafka Streams peer must agree
 * on every decision: a live consent event is dated 1 ms before the send slot it precedes. The
 * filter applies a consent event before a send at the same instant, while Kafka Streams picks
 * between two partitions' records with equal timestamps in no defined order; with the backlog's
 * event-time rate (sends 2 ms apart) no consent event then shares its instant with a send. At paced
 * rates several sends share a millisecond, and records are consumed as they are written, so the
 * Kafka Streams peer (which does not wait for out-of-order records, unlike the filter's watermark)
 * can see a consent event after a send that it precedes by a few milliseconds. Such ties are
 * detected within a window and reported: from a tie on, a subject may legitimately be decided
 * differently by the two.
 *
 * <p>The history (every subject's consent events, all before the first send) is sorted by event
 * time, and so is the live stream: every partition is in event-time order, which is what lets Kafka
 * Streams' timestamp-ordered merge of a task's two partitions see each subject's events in the
 * filter's order.
 */
final class Traffic {
    private final TrafficGenerator generator;
    private final long eventStart;
    private final long tieWindow;
    private final HashMap<Long, Long> lastConsentAt = new HashMap<>();
    private final HashMap<Long, Long> lastSendAt = new HashMap<>();
    private final LongLongMap tiedSince = new LongLongMap(1024);
    private long prunedAt = Long.MIN_VALUE;

    /** Production time per send, by decision key and by value hash; null unless tracked. */
    private LongLongMap producedByDecision;

    private LongLongMap producedByValue;

    long historyEvents;
    long liveConsents;
    long sends;
    long validSends;
    long corrupt;
    long sendBytes;
    long consentBytes;
    long ties;
    long lastEventTime = Long.MIN_VALUE;

    /**
     * @param tieWindow a live consent event and a send of the same subject at most this many ms
     *     apart count as a tie (0: the same instant)
     */
    Traffic(TrafficGenerator.Config config, long tieWindow) {
        this.generator = new TrafficGenerator(config);
        this.eventStart = config.startMillis();
        this.tieWindow = tieWindow;
    }

    /** Keeps the production time of every valid send from now on (for latency lookups). */
    void trackProduction(int expectedSends) {
        producedByDecision = new LongLongMap(expectedSends);
        producedByValue = new LongLongMap(expectedSends);
    }

    LongLongMap producedByDecision() {
        return producedByDecision;
    }

    LongLongMap producedByValue() {
        return producedByValue;
    }

    /**
     * The instant from which a subject's decisions may differ between the filter and Kafka Streams
     * (a consent event and a send at the same instant), or Long.MAX_VALUE.
     */
    long tiedSince(long subjectHash) {
        return tiedSince.get(subjectHash, Long.MAX_VALUE);
    }

    /** Writes the consent history only (every subject's events before the first send). */
    void writeHistory(InputWriter out) throws IOException {
        while (generator.inHistory()) {
            writeNext(out, -1);
        }
        out.flush();
    }

    /** Writes history and live traffic as fast as the broker takes it, until {@code maxSends}. */
    void writeBacklog(InputWriter out, long maxSends, Progress progress) throws IOException {
        long written = 0;
        while (generator.counters().sends() < maxSends) {
            writeNext(out, -1);
            if ((++written & 0x7ffff) == 0) {
                progress.report(this);
            }
        }
        out.flush();
    }

    /**
     * Writes live traffic (after the history) with every record at its event time on the wall
     * clock: event time {@code t} is written at {@code wallStart + (t - eventStart)}; with {@code
     * wallStart < 0}, as fast as the broker takes it.
     */
    void writePaced(InputWriter out, long maxSends, long wallStart) throws IOException {
        while (generator.counters().sends() < maxSends) {
            writeNext(out, wallStart);
        }
        out.flush();
    }

    interface Progress {
        void report(Traffic t);
    }

    private void writeNext(InputWriter out, long wallStart) throws IOException {
        GeneratedRecord r = generator.next();
        long at = r.eventTimeMillis();
        byte[] value;
        long subject = LongLongMap.mix(LongLongMap.hash(r.key()));
        if (r.corrupt()) {
            value = r.corruptValue();
            corrupt++;
        } else if (r.topic() == TopicKind.SENDS) {
            SendRequest send = (SendRequest) r.value();
            value = out.encode(send);
            validSends++;
            checkTie(lastConsentAt, subject, at);
            lastSendAt.put(subject, at);
        } else {
            ConsentEvent event = (ConsentEvent) r.value();
            if (!r.history()) {
                at -= 1;
                event =
                        ConsentEvent.newBuilder(event)
                                .setOccurredAt(Instant.ofEpochMilli(at))
                                .build();
            }
            value = out.encode(event);
            if (!r.history()) {
                checkTie(lastSendAt, subject, at);
                lastConsentAt.put(subject, at);
            }
        }
        if (r.topic() == TopicKind.SENDS) {
            sends++;
            sendBytes += value.length + r.key().length;
        } else {
            if (r.history()) {
                historyEvents++;
            } else {
                liveConsents++;
            }
            consentBytes += value.length + r.key().length;
        }
        if (wallStart >= 0 && !r.history()) {
            sleepUntil(wallStart + (at - eventStart));
        }
        out.write(r, value, at);
        if (producedByDecision != null && r.topic() == TopicKind.SENDS && !r.corrupt()) {
            SendRequest send = (SendRequest) r.value();
            long now = System.currentTimeMillis();
            producedByDecision.putOccurrence(
                    Decisions.key(send.getMessageId(), send.getRequestedAt().toEpochMilli()), now);
            producedByValue.putOccurrence(LongLongMap.mix(LongLongMap.hash(value)), now);
        }
        lastEventTime = Math.max(lastEventTime, at);
    }

    /**
     * Live records arrive in event-time order (within a millisecond): compare with the other kind.
     */
    private void checkTie(HashMap<Long, Long> other, long subject, long at) {
        if (at - prunedAt > 4 * Math.max(1, tieWindow)) {
            long horizon = at - tieWindow;
            lastConsentAt.values().removeIf(t -> t < horizon);
            lastSendAt.values().removeIf(t -> t < horizon);
            prunedAt = at;
        }
        Long t = other.get(subject);
        if (t != null && Math.abs(at - t) <= tieWindow) {
            ties++;
            if (!tiedSince.containsKey(subject)) {
                tiedSince.put(subject, Math.min(at, t));
            }
        }
    }

    private static void sleepUntil(long wallMillis) {
        long ahead;
        while ((ahead = wallMillis - System.currentTimeMillis()) > 1) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(ahead, 100)));
        }
    }
}
