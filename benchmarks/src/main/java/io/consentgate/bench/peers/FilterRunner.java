package io.consentgate.bench.peers;

import io.consentgate.filter.ComplianceFilterJob;
import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.io.KafkaIo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Variant (b): the compliance filter as it ships, on a local Flink cluster in this JVM. Exactly
 * {@link ComplianceFilterJob#main}, except that the environment is local and gets the resources of
 * {@link LocalFlink}; the pipeline, the configuration keys and the Kafka IO are the job's own.
 *
 * <p>Arguments: the filter's own ({@code --bootstrap.servers ... --parallelism 2 ...}).
 */
public final class FilterRunner {
    private FilterRunner() {}

    public static void main(String[] args) throws Exception {
        FilterConfig config = FilterConfig.fromArgs(args);
        int parallelism = Math.max(1, config.parallelism());
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        LocalFlink.configuration(
                                ComplianceFilterJob.flinkConfiguration(config), parallelism));
        env.setParallelism(parallelism);
        ComplianceFilterJob.defineWorkflow(
                env,
                config,
                KafkaIo.sendsSource(config),
                KafkaIo.consentSource(config),
                KafkaIo.approvedSink(config),
                KafkaIo.deferredSink(config),
                KafkaIo.auditSink(config),
                KafkaIo.deadLetterSink(config));
        LocalFlink.runUntilStopped(env.executeAsync(config.jobName()));
    }
}
