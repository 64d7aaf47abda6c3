package io.consentgate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedPolicy;
import io.consentgate.filter.internal.DecodedSend;
import java.util.List;
import java.util.Map;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.runtime.partitioner.BroadcastPartitioner;
import org.apache.flink.streaming.runtime.partitioner.KeyGroupStreamPartitioner;
import org.junit.jupiter.api.Test;

class DecideOperatorTest {

    @Test
    void theDecisionStepFiresTimersInterruptiblyOverKeyedInputsAndBroadcastPolicies()
            throws Exception {
        FilterConfig config =
                FilterConfig.fromMap(
                        Map.of("bootstrap.servers", "unused:9092", "registry.url", "http://u"));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        ComplianceFilterJob.flinkConfiguration(config));
        ComplianceFilterJob.defineWorkflow(
                env,
                config,
                TestIo.source(List.of(), new AvroTypeInfo<>(DecodedSend.class)),
                TestIo.source(List.of(), new AvroTypeInfo<>(DecodedConsent.class)),
                TestIo.source(List.of(), new AvroTypeInfo<>(DecodedPolicy.class)),
                TestIo.sink("op-approved"),
                TestIo.sink("op-deferred"),
                TestIo.sink("op-audit"),
                TestIo.sink("op-dlq"));
        StreamGraph graph = env.getStreamGraph();

        StreamNode decide =
                graph.getStreamNodes().stream()
                        .filter(n -> n.getOperatorName().equals(ComplianceFilterJob.DECIDE_NAME))
                        .findFirst()
                        .orElseThrow();
        Object operator = ((SimpleOperatorFactory<?>) decide.getOperatorFactory()).getOperator();
        assertThat(operator).isInstanceOf(DecideOperator.class);
        assertThat(((DecideOperator) operator).useInterruptibleTimers()).isTrue();
        assertThat(decide.getTransformationUID()).isEqualTo(ComplianceFilterJob.DECIDE_UID);
        // Keyed by subject: state is keyed on the first input only.
        assertThat(decide.getStatePartitioners()[0]).isNotNull();
        assertThat(decide.getStatePartitioners()[1]).isNull();

        List<StreamEdge> in = decide.getInEdges();
        assertThat(in)
                .filteredOn(e -> e.getTypeNumber() == 1)
                .isNotEmpty()
                .allSatisfy(
                        e ->
                                assertThat(e.getPartitioner())
                                        .isInstanceOf(KeyGroupStreamPartitioner.class));
        assertThat(in)
                .filteredOn(e -> e.getTypeNumber() == 2)
                .hasSize(1)
                .allSatisfy(
                        e ->
                                assertThat(e.getPartitioner())
                                        .isInstanceOf(BroadcastPartitioner.class));
    }
}
