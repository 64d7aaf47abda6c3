package io.consentgate.demo;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.Properties;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Flink's Prometheus reporter, serving {@code /metrics} on one address (the loopback interface by
 * default) instead of every interface.
 *
 * <p>Flink's {@code PrometheusReporterFactory} always binds the wildcard address, which would put
 * the demo's metrics on the network. This reporter reuses Flink's metric translation ({@link
 * AbstractPrometheusReporter}) and only replaces the HTTP server. Options: {@code port} (default
 * 9249) and {@code host} (default 127.0.0.1).
 */
public final class LoopbackPrometheusReporterFactory implements MetricReporterFactory {

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        String host = properties.getProperty("host", "127.0.0.1");
        int port = Integer.parseInt(properties.getProperty("port", "9249").trim());
        return new Reporter(host, port);
    }

    /** The reporter; its collector registry is Flink's, filled by the base class. */
    static final class Reporter extends AbstractPrometheusReporter {
        private final HTTPServer server;

        Reporter(String host, int port) {
            try {
                server = new HTTPServer(new InetSocketAddress(host, port), registry(this), true);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot serve Prometheus metrics on " + host + ":" + port, e);
            }
            log.info("Prometheus metrics on http://{}:{}/metrics", host, port);
        }

        @Override
        public void close() {
            server.stop();
            super.close();
        }

        // The base class keeps its registry package-private (flink-metrics-prometheus 2.2.1).
        private static CollectorRegistry registry(AbstractPrometheusReporter reporter) {
            try {
                Field f = AbstractPrometheusReporter.class.getDeclaredField("registry");
                f.setAccessible(true);
                return (CollectorRegistry) f.get(reporter);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(
                        "this flink-metrics-prometheus version has no 'registry' field", e);
            }
        }
    }
}
