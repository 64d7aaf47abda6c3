package io.consentgate.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaRegistryServerTest {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir Path dir;

    @Test
    void answersTheConfluentApiAndSurvivesAMaintenanceRestartEmpty() throws Exception {
        SchemaRegistryServer registry = SchemaRegistryServer.start(dir);
        try {
            assertThat(registry.confluentApiUrl())
                    .isEqualTo("http://127.0.0.1:" + registry.port() + "/apis/ccompat/v7");
            assertThat(get(registry.confluentApiUrl() + "/subjects").statusCode()).isEqualTo(200);

            HttpResponse<String> reg =
                    HTTP.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    registry.confluentApiUrl()
                                                            + "/subjects/t-value/versions"))
                                    .header(
                                            "Content-Type",
                                            "application/vnd.schemaregistry.v1+json")
                                    .POST(
                                            HttpRequest.BodyPublishers.ofString(
                                                    "{\"schema\":\"\\\"string\\\"\"}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(reg.statusCode()).isEqualTo(200);
            assertThat(get(registry.confluentApiUrl() + "/subjects").body()).contains("t-value");

            int port = registry.port();
            registry.stopForMaintenance();
            assertThat(registry.isRunning()).isFalse();
            assertThatThrownBy(() -> get(registry.confluentApiUrl() + "/subjects"))
                    .isInstanceOf(IOException.class);

            registry.restart();
            assertThat(registry.port()).isEqualTo(port);
            HttpResponse<String> after = get(registry.confluentApiUrl() + "/subjects");
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(after.body()).doesNotContain("t-value"); // in-memory storage
        } finally {
            registry.close();
        }
        assertThat(registry.isRunning()).isFalse();
        // LocalInfra's registry may run in this JVM too: look only for this test's child.
        assertThat(
                        ProcessHandle.current()
                                .descendants()
                                .filter(ProcessHandle::isAlive)
                                .filter(
                                        p ->
                                                p.info()
                                                        .arguments()
                                                        .map(a -> String.join(" ", a))
                                                        .orElse("")
                                                        .contains(dir.toString())))
                .isEmpty();
    }

    @Test
    void findsAJava21OrNewerHere() {
        assertThat(SchemaRegistryServer.Distribution.findJava(21)).isPresent();
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
