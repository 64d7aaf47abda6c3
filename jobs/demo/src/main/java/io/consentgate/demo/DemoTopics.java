package io.consentgate.demo;

import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.filter.registry.ConfluentSchemaCoderProvider;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.PolicyDocument;
import io.consentgate.schema.SendRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The filter's topics (DESIGN section 1, names as configured in {@link FilterConfig}) with the
 * contract each carries, and the admin operations the demo needs on them.
 */
final class DemoTopics {

    /** Topic name to value schema, inputs first. */
    static Map<String, Schema> contracts(FilterConfig c) {
        Map<String, Schema> m = new LinkedHashMap<>();
        m.put(c.sendsTopic(), SendRequest.getClassSchema());
        m.put(c.consentTopic(), ConsentEvent.getClassSchema());
        m.put(c.policyTopic(), PolicyDocument.getClassSchema());
        m.put(c.approvedTopic(), ApprovedSend.getClassSchema());
        m.put(c.deferredTopic(), DeferredSend.getClassSchema());
        m.put(c.auditTopic(), AuditEvent.getClassSchema());
        m.put(c.deadLetterTopic(), DeadLetter.getClassSchema());
        return m;
    }

    private DemoTopics() {}

    static Admin admin(String bootstrapServers, Properties clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(p);
    }

    /**
     * Creates the topics that do not exist (the cluster's default replication factor) and waits
     * until they are visible; existing topics are used as they are.
     */
    static void create(Admin admin, List<String> names, int partitions)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            topics.add(new NewTopic(n, Optional.of(partitions), Optional.empty()));
        }
        for (var e : admin.createTopics(topics).values().entrySet()) {
            try {
                e.getValue().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw ex;
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<String, TopicDescription> d =
                        admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                boolean ready = true;
                for (TopicDescription td : d.values()) {
                    for (var p : td.partitions()) {
                        ready &= p.leader() != null && !p.leader().isEmpty();
                    }
                }
                if (ready) {
                    return;
                }
            } catch (ExecutionException notYet) {
                // Metadata not propagated yet.
            }
            if (System.nanoTime() > deadline) {
                throw new java.util.concurrent.TimeoutException("topics not ready: " + names);
            }
            Thread.sleep(100);
        }
    }

    /** Registers every topic's value schema under {@code <topic>-value}; returns subject to id. */
    static Map<String, Integer> registerAll(ConfluentRegistryClient registry, FilterConfig c)
            throws IOException {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (var e : contracts(c).entrySet()) {
            String subject = ConfluentSchemaCoderProvider.valueSubject(e.getKey());
            ids.put(subject, registry.register(subject, e.getValue()));
        }
        return ids;
    }

    /** The current end offsets of the topics' partitions (where a reader of new data starts). */
    static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        for (TopicDescription td :
                admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
            for (var p : td.partitions()) {
                request.put(new TopicPartition(td.name(), p.partition()), OffsetSpec.latest());
            }
        }
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        for (var e : admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet()) {
            out.put(e.getKey(), e.getValue().offset());
        }
        return out;
    }

    /** True when the consumer group has committed at least {@code ends} on every partition. */
    static boolean committedAtLeast(Admin admin, String groupId, Map<TopicPartition, Long> ends)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(groupId)
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS);
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            if (c == null || c.offset() < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
