package io.consentgate.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureKafkaBrokerTest {

    @TempDir Path dir;

    @Test
    void saslSslListenerAcceptsItsUserRefusesOthersAndPlaintextStillWorks() throws Exception {
        SecuritySettings security =
                SecuritySettings.selfSigned(dir.resolve("tls"), "store-pw-1", "alice", "pw-a1");
        assertThat(security.toString()).doesNotContain("store-pw-1", "pw-a1");
        try (KafkaBroker broker = KafkaBroker.startSecure(dir.resolve("kafka"), security)) {
            assertThat(broker.secureBootstrapServers()).isNotEqualTo(broker.bootstrapServers());
            broker.createTopics(1, "secure.test");

            Properties secure = security.clientProperties();
            secure.put(
                    CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.secureBootstrapServers());
            Properties pp = new Properties();
            pp.putAll(secure);
            pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
                producer.send(
                                new ProducerRecord<>(
                                        "secure.test", "hello".getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }
            assertThat(read(secure)).containsExactly("hello");

            // The PLAINTEXT listener is unchanged.
            Properties plain = new Properties();
            plain.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            assertThat(read(plain)).containsExactly("hello");

            Properties wrong = new Properties();
            wrong.putAll(secure);
            wrong.put("sasl.jaas.config", SecuritySettings.clientJaasConfig("alice", "nope"));
            wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
            wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            try (Admin admin = Admin.create(wrong)) {
                assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                        .hasStackTraceContaining("Authentication failed");
            }
        }
    }

    @Test
    void aPlainBrokerHasNoSecureListener() {
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("plain"))) {
            assertThatThrownBy(broker::secureBootstrapServers)
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    private static List<String> read(Properties client) {
        Properties cp = new Properties();
        cp.putAll(client);
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "secure-test-" + System.nanoTime());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            consumer.subscribe(List.of("secure.test"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return seen;
    }
}
