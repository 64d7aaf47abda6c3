package io.consentgate.bench.peers;

import io.consentgate.filter.ComplianceFilterJob;
import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.io.KafkaIo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Variant (a), the floor: both input topics' records copied byte for byte (key and value) to two
 * output topics, with the filter's parallelism, delivery guarantee, checkpointing, state backend
 * and Kafka client settings ({@link ComplianceFilterJob#flinkConfiguration} of the same {@link
 * FilterConfig}). No decoding, no keyBy, no state: what moving these bytes through this broker with
 * Flink costs.
 *
 * <p>Arguments: {@code --out.sends TOPIC --out.consent TOPIC}, then the filter's own keys (the
 * input topics are {@code topic.sends} and {@code topic.consent}).
 */
public final class PassthroughJob {
    public static final String OUT_SENDS = "--out.sends";
    public static final String OUT_CONSENT = "--out.consent";

    private static final TypeInformation<Tuple2<byte[], byte[]>> RAW =
            new TupleTypeInfo<>(
                    PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
                    PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private PassthroughJob() {}

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        String outSends = take(rest, OUT_SENDS);
        String outConsent = take(rest, OUT_CONSENT);
        FilterConfig config = FilterConfig.fromArgs(rest.toArray(new String[0]));
        int parallelism = Math.max(1, config.parallelism());
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        LocalFlink.configuration(
                                ComplianceFilterJob.flinkConfiguration(config), parallelism));
        env.setParallelism(parallelism);
        defineWorkflow(env, config, outSends, outConsent);
        LocalFlink.runUntilStopped(env.executeAsync("consentgate-passthrough"));
    }

    /**
     * Two independent copies: sends topic to {@code outSends}, consent topic to {@code outConsent}.
     */
    public static void defineWorkflow(
            StreamExecutionEnvironment env,
            FilterConfig config,
            String outSends,
            String outConsent) {
        copy(env, config, config.sendsTopic(), outSends, "sends");
        copy(env, config, config.consentTopic(), outConsent, "consent");
    }

    private static void copy(
            StreamExecutionEnvironment env,
            FilterConfig config,
            String from,
            String to,
            String name) {
        boolean exactlyOnce = config.deliveryGuarantee() == FilterConfig.Guarantee.EXACTLY_ONCE;
        var source =
                KafkaSource.<Tuple2<byte[], byte[]>>builder()
                        .setProperties(config.kafkaProperties())
                        .setBootstrapServers(config.bootstrapServers())
                        .setGroupId(config.groupId())
                        .setClientIdPrefix(config.groupId() + "-" + name)
                        .setTopics(from)
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setDeserializer(new RawRecords());
        if (exactlyOnce) {
            source.setProperty("isolation.level", "read_committed");
        }
        // The filter's producer settings (batching included), so the floor is measured alike.
        Properties producer = KafkaIo.producerProperties(config);
        KafkaSink<Tuple2<byte[], byte[]>> sink =
                KafkaSink.<Tuple2<byte[], byte[]>>builder()
                        .setKafkaProducerConfig(producer)
                        .setBootstrapServers(config.bootstrapServers())
                        .setRecordSerializer(new ToTopic(to))
                        .setDeliveryGuarantee(
                                exactlyOnce
                                        ? DeliveryGuarantee.EXACTLY_ONCE
                                        : DeliveryGuarantee.AT_LEAST_ONCE)
                        .setTransactionalIdPrefix(config.transactionalIdPrefix() + "-" + name)
                        .build();
        env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), "Read " + name)
                .uid("passthrough-source-" + name)
                .sinkTo(sink)
                .uid("passthrough-sink-" + name)
                .name("Write " + name);
    }

    private static String take(List<String> args, String option) {
        int i = args.indexOf(option);
        if (i < 0 || i + 1 >= args.size()) {
            throw new IllegalArgumentException(option + " TOPIC is required");
        }
        String value = args.get(i + 1);
        args.subList(i, i + 2).clear();
        return value;
    }

    /** Key and value bytes of a Kafka record, untouched. */
    static final class RawRecords
            implements KafkaRecordDeserializationSchema<Tuple2<byte[], byte[]>> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(
                ConsumerRecord<byte[], byte[]> record, Collector<Tuple2<byte[], byte[]>> out) {
            out.collect(Tuple2.of(record.key(), record.value()));
        }

        @Override
        public TypeInformation<Tuple2<byte[], byte[]>> getProducedType() {
            return RAW;
        }
    }

    /**
     * Writes key and value to one topic; like the filter's sinks, no partition (the key hashes to
     * the same partition number) and no timestamp (the producer's clock).
     */
    static final class ToTopic implements KafkaRecordSerializationSchema<Tuple2<byte[], byte[]>> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        ToTopic(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                Tuple2<byte[], byte[]> record, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, null, record.f0, record.f1);
        }
    }
}
