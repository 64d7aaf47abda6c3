package io.consentgate.filter.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Wraps the job's own input deserializer with two test seams that need no hook in production code:
 * a pause before a record that carries the {@value #PAUSE_HEADER} header (milliseconds), and an
 * {@link InjectedFault} (which also delays records until it fires) checked before a record is
 * decoded.
 *
 * <p>The pause blocks the source task between two records, so processing-time work scheduled on
 * that task (periodic watermarks, checkpoint barriers) runs in between: it stretches a bounded
 * input over wall-clock time. A fault thrown here fails the source task before the record is
 * emitted, so after recovery the record is read again from the checkpointed offset.
 */
final class InstrumentedDeserializer<W> implements KafkaRecordDeserializationSchema<W> {
    private static final long serialVersionUID = 1L;

    static final String PAUSE_HEADER = "it.pause-ms";

    private final KafkaRecordDeserializationSchema<W> inner;
    private final String faultName;

    /**
     * @param faultName the {@link InjectedFault} to fire, or null for none
     */
    InstrumentedDeserializer(KafkaRecordDeserializationSchema<W> inner, String faultName) {
        this.inner = inner;
        this.faultName = faultName;
    }

    static byte[] pause(long millis) {
        return Long.toString(millis).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        inner.open(context);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<W> out)
            throws IOException {
        Header pause = record.headers().lastHeader(PAUSE_HEADER);
        try {
            if (pause != null) {
                Thread.sleep(Long.parseLong(new String(pause.value(), StandardCharsets.UTF_8)));
            }
            if (faultName != null) {
                InjectedFault.beforeRecord(faultName);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted in a test pause", e);
        }
        inner.deserialize(record, out);
    }

    @Override
    public TypeInformation<W> getProducedType() {
        return inner.getProducedType();
    }
}
