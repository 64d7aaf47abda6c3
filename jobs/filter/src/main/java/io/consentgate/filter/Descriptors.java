package io.consentgate.filter;

import io.consentgate.filter.internal.DeferredAtTime;
import io.consentgate.filter.internal.PendingAtTime;
import io.consentgate.filter.internal.PolicyVersions;
import io.consentgate.filter.internal.RecentAllow;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.PolicyDocument;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.OutputTag;

/**
 * Every state descriptor and side-output tag of the job, in one place. State names are part of the
 * savepoint format: never rename one. Every value type is an Avro record, bytes or a primitive, so
 * nothing falls back to Kryo.
 *
 * <p>Keyed state of {@link ComplianceFunction}, per subject key:
 *
 * <ul>
 *   <li>{@link #SUBJECT}: the {@code SubjectState} bytes: the engine's ledger plus the cleanup
 *       timer and the recent-ALLOW and deferred counts; cleared when all of it is empty.
 *   <li>{@link #PENDING}: event time to the consent events and sends buffered at it, until the
 *       watermark passes; one event-time timer per entry.
 *   <li>{@link #DEFERRED}: notBefore to the sends deferred until then; one timer per entry.
 *   <li>{@link #RECENT_ALLOWS}: the latest ALLOWs, for retroactive-violation checks; appended to (a
 *       RocksDB merge, no read) on every ALLOW, read by late refusals and the cleanup timer.
 * </ul>
 *
 * <p>Broadcast state of {@link ComplianceFunction}, the same on every subtask: {@link #POLICIES}.
 */
public final class Descriptors {
    private Descriptors() {}

    public static final ValueStateDescriptor<byte[]> SUBJECT =
            new ValueStateDescriptor<>(
                    "subject", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    public static final MapStateDescriptor<Long, PendingAtTime> PENDING =
            new MapStateDescriptor<>(
                    "pending", Types.LONG, new AvroTypeInfo<>(PendingAtTime.class));

    public static final MapStateDescriptor<Long, DeferredAtTime> DEFERRED =
            new MapStateDescriptor<>(
                    "deferred", Types.LONG, new AvroTypeInfo<>(DeferredAtTime.class));

    public static final ListStateDescriptor<RecentAllow> RECENT_ALLOWS =
            new ListStateDescriptor<>("recent-allow-list", new AvroTypeInfo<>(RecentAllow.class));

    /**
     * Broadcast state: policy id to the versions of that id accepted from the policy topic, oldest
     * first, at most {@code policy.max-versions} (the configured policies are not stored: they come
     * from the configuration on every start).
     */
    public static final MapStateDescriptor<String, PolicyVersions> POLICIES =
            new MapStateDescriptor<>(
                    "policies", Types.STRING, new AvroTypeInfo<>(PolicyVersions.class));

    /**
     * Operator state: this subtask's count of buffered records and deferred sends, for the gauges
     * (each checkpointed as list entries; after rescaling the per-subtask values are approximate,
     * their sum stays exact).
     */
    public static final ListStateDescriptor<Long> PENDING_COUNT =
            new ListStateDescriptor<>("pending-count", Types.LONG);

    public static final ListStateDescriptor<Long> DEFERRED_COUNT =
            new ListStateDescriptor<>("deferred-count", Types.LONG);

    /**
     * Operator (union) state: the highest watermark each subtask had seen at the checkpoint; after
     * a restore lateness is judged against the lowest of them until the sources catch up.
     */
    public static final ListStateDescriptor<Long> WATERMARK =
            new ListStateDescriptor<>("watermark", Types.LONG);

    /** Side output of the decision operator: allowed sends. */
    public static final OutputTag<ApprovedSend> APPROVED =
            new OutputTag<>("approved", new AvroTypeInfo<>(ApprovedSend.class));

    /** Side output of the decision operator: deferred sends. */
    public static final OutputTag<DeferredSend> DEFERRED_SENDS =
            new OutputTag<>("deferred", new AvroTypeInfo<>(DeferredSend.class));

    /** Side output of the input routers (and of late sends with late.sends=DEAD_LETTER). */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    /**
     * A side output of the sends router that nothing is written to: without a policy topic it
     * stands in for the policy stream, so the broadcast input carries the sends' watermarks and
     * never holds decisions back.
     */
    public static final OutputTag<PolicyDocument> NO_POLICIES =
            new OutputTag<>("no-policies", new AvroTypeInfo<>(PolicyDocument.class));
}
