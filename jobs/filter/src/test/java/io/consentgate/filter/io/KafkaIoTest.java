package io.consentgate.filter.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.FilterConfig;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaIoTest {

    private static FilterConfig config(String... extra) throws Exception {
        String[] base = {"--bootstrap.servers", "localhost:9092", "--registry.url", "http://r"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return FilterConfig.fromArgs(args);
    }

    @Test
    void sinksBatchTheirWritesByDefault() throws Exception {
        Properties p = KafkaIo.producerProperties(config());
        assertThat(p)
                .containsEntry("linger.ms", "50")
                .containsEntry("batch.size", Integer.toString(256 * 1024));
    }

    @Test
    void configuredProducerSettingsWinOverTheBatchingDefaults() throws Exception {
        Properties p =
                KafkaIo.producerProperties(
                        config("--kafka.linger.ms", "0", "--kafka.batch.size", "16384"));
        assertThat(p).containsEntry("linger.ms", "0").containsEntry("batch.size", "16384");
    }

    @Test
    void exactlyOnceSinksCarryTheConfiguredTransactionTimeout() throws Exception {
        Properties p =
                KafkaIo.producerProperties(
                        config(
                                "--delivery.guarantee",
                                "EXACTLY_ONCE",
                                "--transaction.timeout",
                                "9min"));
        assertThat(p).containsEntry("transaction.timeout.ms", Long.toString(9 * 60_000L));

        Properties alo =
                KafkaIo.producerProperties(config("--delivery.guarantee", "AT_LEAST_ONCE"));
        assertThat(alo).doesNotContainKey("transaction.timeout.ms");
    }
}
