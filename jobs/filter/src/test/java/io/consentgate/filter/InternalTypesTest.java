package io.consentgate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedPolicy;
import io.consentgate.filter.internal.DecodedSend;
import io.consentgate.filter.internal.DeferredAtTime;
import io.consentgate.filter.internal.PendingAtTime;
import io.consentgate.filter.internal.PolicyVersions;
import io.consentgate.filter.internal.RecentAllow;
import io.consentgate.filter.internal.SubjectInput;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.PolicyDocument;
import io.consentgate.schema.SendRequest;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * Everything Flink serializes in this job goes through Avro or a primitive serializer, never Kryo.
 */
class InternalTypesTest {

    @Test
    void everyRecordTypeIsSerializedByAvro() {
        for (Class<?> type :
                List.of(
                        DecodedSend.class,
                        DecodedConsent.class,
                        DecodedPolicy.class,
                        SubjectInput.class,
                        PolicyVersions.class,
                        PolicyDocument.class,
                        PendingAtTime.class,
                        DeferredAtTime.class,
                        RecentAllow.class,
                        SendRequest.class,
                        ConsentEvent.class,
                        AuditEvent.class,
                        ApprovedSend.class,
                        DeferredSend.class,
                        DeadLetter.class)) {
            TypeInformation<?> info = TypeInformation.of(type);
            assertThat(info).as(type.getSimpleName()).isInstanceOf(AvroTypeInfo.class);
            assertThat(info.createSerializer(new SerializerConfigImpl()))
                    .as(type.getSimpleName())
                    .isInstanceOf(AvroSerializer.class);
        }
    }

    @Test
    void stateDescriptorsNeverUseKryo() {
        for (StateDescriptor<?, ?> d :
                List.<StateDescriptor<?, ?>>of(
                        Descriptors.SUBJECT,
                        Descriptors.PENDING,
                        Descriptors.DEFERRED,
                        Descriptors.RECENT_ALLOWS,
                        Descriptors.PENDING_COUNT,
                        Descriptors.DEFERRED_COUNT,
                        Descriptors.WATERMARK,
                        Descriptors.POLICIES)) {
            d.initializeSerializerUnlessSet(new ExecutionConfig());
            assertThat(d.getSerializer()).as(d.getName()).isNotInstanceOf(KryoSerializer.class);
            assertThat(d.getSerializer().toString()).as(d.getName()).doesNotContain("Kryo");
        }
    }

    @Test
    void thePipelineBuildsWithGenericTypesDisabledAndStableUids() throws Exception {
        assertBuildsWithoutKryo(false);
    }

    @Test
    void thePipelineWithAPolicyTopicBuildsWithGenericTypesDisabledAndStableUids() throws Exception {
        assertBuildsWithoutKryo(true);
    }

    private static void assertBuildsWithoutKryo(boolean withPolicySource) throws Exception {
        FilterConfig config =
                FilterConfig.fromMap(
                        Map.of(
                                "bootstrap.servers",
                                "unused:9092",
                                "registry.url",
                                "http://unused"));
        // The job's configuration sets pipeline.generic-types: false, so any Kryo fallback fails
        // while the graph is built.
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        ComplianceFilterJob.flinkConfiguration(config));
        ComplianceFilterJob.defineWorkflow(
                env,
                config,
                TestIo.source(List.of(), new AvroTypeInfo<>(DecodedSend.class)),
                TestIo.source(List.of(), new AvroTypeInfo<>(DecodedConsent.class)),
                withPolicySource
                        ? TestIo.source(List.of(), new AvroTypeInfo<>(DecodedPolicy.class))
                        : null,
                TestIo.sink("types-approved"),
                TestIo.sink("types-deferred"),
                TestIo.sink("types-audit"),
                TestIo.sink("types-dlq"));
        StreamGraph graph = env.getStreamGraph();

        for (StreamNode node : graph.getStreamNodes()) {
            for (TypeSerializer<?> in : node.getTypeSerializersIn()) {
                assertThat(in).as(node.getOperatorName()).isNotInstanceOf(KryoSerializer.class);
            }
            if (node.getTypeSerializerOut() != null) {
                assertThat(node.getTypeSerializerOut())
                        .as(node.getOperatorName())
                        .isNotInstanceOf(KryoSerializer.class);
            }
        }
        assertThat(graph.getStreamNodes())
                .extracting(StreamNode::getTransformationUID)
                .contains(
                        ComplianceFilterJob.SENDS_SOURCE_UID,
                        ComplianceFilterJob.CONSENT_SOURCE_UID,
                        ComplianceFilterJob.SENDS_ROUTER_UID,
                        ComplianceFilterJob.CONSENT_ROUTER_UID,
                        ComplianceFilterJob.DECIDE_UID);
        if (withPolicySource) {
            assertThat(graph.getStreamNodes())
                    .extracting(StreamNode::getTransformationUID)
                    .contains(
                            ComplianceFilterJob.POLICY_SOURCE_UID,
                            ComplianceFilterJob.POLICY_ROUTER_UID);
        }
    }
}
