package io.consentgate.demo;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Moves records from a {@link TrafficGenerator} to an {@link AvroKafkaProducer} on its own thread:
 * the history as fast as the producer takes it, then every live record no earlier than its event
 * time on the wall clock (which is what makes the send rate the generator's rate, and keeps event
 * times never ahead of the Kafka record timestamps). Stops after {@code maxSends} records on the
 * sends topic, after {@code maxLiveMillis} of live traffic, or when asked.
 */
final class TrafficPump implements Runnable {
    /** Ahead of the clock by less than this, a record is written without sleeping. */
    private static final long SLACK_MS = 2;

    private final TrafficGenerator generator;
    private final AvroKafkaProducer producer;
    private final long maxSends;
    private final long maxLiveMillis;
    private final LongSupplier clock;
    private volatile boolean stopRequested;
    private volatile boolean finished;
    private volatile Exception failure;
    private volatile long liveStartedAt = -1;
    private volatile long lastEventTime = Long.MIN_VALUE;

    /**
     * @param maxSends stop after this many sends-topic records; 0 for no bound
     * @param maxLiveMillis stop after this much live traffic; 0 for no bound
     */
    TrafficPump(
            TrafficGenerator generator,
            AvroKafkaProducer producer,
            long maxSends,
            long maxLiveMillis,
            LongSupplier clock) {
        this.generator = generator;
        this.producer = producer;
        this.maxSends = maxSends;
        this.maxLiveMillis = maxLiveMillis;
        this.clock = clock;
    }

    @Override
    public void run() {
        try {
            pump();
            producer.flush();
        } catch (Exception e) {
            failure = e;
        } finally {
            finished = true;
        }
    }

    private void pump() throws Exception {
        TrafficGenerator.Counters counters = generator.counters();
        long start = generator.config().startMillis();
        while (!stopRequested) {
            if (maxSends > 0 && counters.sends() >= maxSends) {
                return;
            }
            if (!generator.inHistory()) {
                if (liveStartedAt < 0) {
                    // The history is written; the first send is due at the configured start.
                    producer.flush();
                    sleepUntil(start);
                    liveStartedAt = clock.getAsLong();
                }
                if (maxLiveMillis > 0 && clock.getAsLong() - liveStartedAt >= maxLiveMillis) {
                    return;
                }
            }
            GeneratedRecord r = generator.next();
            if (!r.history() && !r.late()) {
                sleepUntil(r.eventTimeMillis());
            }
            producer.send(r);
            lastEventTime = Math.max(lastEventTime, r.eventTimeMillis());
            if (producer.failure() != null) {
                throw producer.failure();
            }
        }
    }

    private void sleepUntil(long wallMillis) {
        long ahead;
        while (!stopRequested && (ahead = wallMillis - clock.getAsLong()) > SLACK_MS) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(ahead, 100)));
        }
    }

    void stop() {
        stopRequested = true;
    }

    boolean finished() {
        return finished;
    }

    /** Why the pump stopped early, if it failed. */
    Exception failure() {
        return failure;
    }

    /** The latest event time written so far. */
    long lastEventTime() {
        return lastEventTime;
    }

    /** Wall-clock time the first send was written, or -1 before. */
    long liveStartedAt() {
        return liveStartedAt;
    }
}
