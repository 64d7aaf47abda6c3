package io.consentgate.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LocalInfraTest {

    @Test
    void startsOneBrokerAndOneRegistryPerJvm() throws Exception {
        KafkaBroker broker = LocalInfra.broker();
        SchemaRegistryServer registry = LocalInfra.registry();

        assertThat(LocalInfra.broker()).isSameAs(broker);
        assertThat(LocalInfra.registry()).isSameAs(registry);
        assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
        assertThat(registry.isRunning()).isTrue();
        assertThat(
                        SchemaRegistryServerTest.get(registry.confluentApiUrl() + "/subjects")
                                .statusCode())
                .isEqualTo(200);
    }
}
