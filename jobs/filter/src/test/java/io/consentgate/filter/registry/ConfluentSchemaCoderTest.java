package io.consentgate.filter.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgate.local.LocalInfra;
import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.formats.avro.RegistryAvroDeserializationSchema;
import org.apache.flink.formats.avro.RegistryAvroSerializationSchema;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConfluentSchemaCoderTest {

    private static final Duration BUDGET = Duration.ofSeconds(10);

    private static String url;

    @BeforeAll
    static void registry() {
        url = LocalInfra.registry().confluentApiUrl();
    }

    @Test
    void sendRequestRoundTripsThroughFlinkAvroInTheConfluentFormat() throws Exception {
        String topic = "sends.requested." + UUID.randomUUID();
        // Cloned as Flink ships them to the task managers.
        RegistryAvroSerializationSchema<SendRequest> ser =
                InstantiationUtil.clone(
                        RegistryAvroSerializationSchema.forSpecific(
                                SendRequest.class,
                                ConfluentSchemaCoderProvider.forTopicValues(url, topic, BUDGET)));
        RegistryAvroDeserializationSchema<SendRequest> de =
                InstantiationUtil.clone(reader(SendRequest.class));
        SendRequest request = sendRequest();

        byte[] bytes = ser.serialize(request);

        assertThat(bytes[0]).isEqualTo((byte) 0);
        int id = ConfluentSchemaCoder.readSchemaId(new ByteArrayInputStream(bytes));
        int registered =
                new ConfluentRegistryClient(url, BUDGET)
                        .register(
                                ConfluentSchemaCoderProvider.valueSubject(topic),
                                SendRequest.getClassSchema());
        assertThat(id).isEqualTo(registered);
        assertThat(de.deserialize(bytes)).isEqualTo(request);
        assertThat(de.deserialize(ser.serialize(request))).isEqualTo(request);
    }

    @Test
    void readsWithTheWriterSchemaFromTheRegistry() throws Exception {
        // An older writer without campaignId: the reader fills in the default.
        Schema full = SendRequest.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : full.getFields()) {
            if (!f.name().equals("campaignId")) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema older =
                Schema.createRecord(
                        full.getName(), full.getDoc(), full.getNamespace(), false, fields);
        SendRequest request = sendRequest();
        GenericRecord old = new GenericData.Record(older);
        for (Schema.Field f : older.getFields()) {
            old.put(f.name(), request.get(f.name()));
        }
        // Generic data has no logical-type conversions.
        old.put("requestedAt", request.getRequestedAt().toEpochMilli());
        String topic = "sends.requested.older." + UUID.randomUUID();
        RegistryAvroSerializationSchema<GenericRecord> ser =
                RegistryAvroSerializationSchema.forGeneric(
                        older, ConfluentSchemaCoderProvider.forTopicValues(url, topic, BUDGET));

        SendRequest read = reader(SendRequest.class).deserialize(ser.serialize(old));

        assertThat(read.getCampaignId()).isNull();
        assertThat(read.getMessageId()).isEqualTo(request.getMessageId());
        assertThat(read.getRequestedAt()).isEqualTo(request.getRequestedAt());
        assertThat(read.getPayload()).isEqualTo(request.getPayload());
    }

    @Test
    void badMagicByte() {
        RegistryAvroDeserializationSchema<SendRequest> de = reader(SendRequest.class);

        assertThatThrownBy(() -> de.deserialize(new byte[] {1, 0, 0, 0, 1, 2, 3}))
                .isInstanceOf(BadMagicByteException.class)
                .satisfies(e -> assertThat(((BadMagicByteException) e).magicByte()).isEqualTo(1));
        assertThatThrownBy(() -> de.deserialize("{\"json\":true}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadMagicByteException.class);
    }

    @Test
    void truncatedHeader() {
        RegistryAvroDeserializationSchema<SendRequest> de = reader(SendRequest.class);

        assertThatThrownBy(() -> de.deserialize(new byte[] {0, 0, 0}))
                .isInstanceOf(TruncatedHeaderException.class)
                .satisfies(e -> assertThat(((TruncatedHeaderException) e).length()).isEqualTo(3));
        assertThatThrownBy(() -> de.deserialize(new byte[0]))
                .isInstanceOf(TruncatedHeaderException.class);
    }

    @Test
    void unknownSchemaId() {
        RegistryAvroDeserializationSchema<SendRequest> de = reader(SendRequest.class);

        assertThatThrownBy(() -> de.deserialize(new byte[] {0, 0x7f, -1, -1, -2, 2, 3}))
                .isInstanceOf(UnknownSchemaIdException.class);
    }

    @Test
    void headerIsBigEndian() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ConfluentSchemaCoder.writeHeader(0x01020304, out);

        assertThat(out.toByteArray()).containsExactly(0, 1, 2, 3, 4);
        assertThat(ConfluentSchemaCoder.readSchemaId(new ByteArrayInputStream(out.toByteArray())))
                .isEqualTo(0x01020304);
    }

    @Test
    void aReaderOnlyCoderDoesNotWrite() {
        ConfluentSchemaCoder coder = new ConfluentSchemaCoderProvider(url, null, BUDGET).get();

        assertThatThrownBy(
                        () ->
                                coder.writeSchema(
                                        SendRequest.getClassSchema(), new ByteArrayOutputStream()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void providersAreEqualByConfiguration() {
        assertThat(ConfluentSchemaCoderProvider.forTopicValues(url, "t", BUDGET))
                .isEqualTo(new ConfluentSchemaCoderProvider(url, "t-value", BUDGET))
                .hasSameHashCodeAs(new ConfluentSchemaCoderProvider(url, "t-value", BUDGET))
                .isNotEqualTo(new ConfluentSchemaCoderProvider(url, null, BUDGET));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord>
            RegistryAvroDeserializationSchema<T> reader(Class<T> type) {
        return new RegistryAvroDeserializationSchema<>(
                type, null, new ConfluentSchemaCoderProvider(url, null, BUDGET));
    }

    private static SendRequest sendRequest() {
        return SendRequest.newBuilder()
                .setMessageId("m-" + UUID.randomUUID())
                .setTenantId("tenant-a")
                .setBrand("brand-a")
                .setSubjectId("s-0001")
                .setChannel(Channel.EMAIL)
                .setCategory(Category.MARKETING)
                .setPurpose("newsletter")
                .setProductCategory("shoes")
                .setJurisdiction("GB")
                .setRecipientType(RecipientType.INDIVIDUAL)
                .setTimeZone("Europe/London")
                .setContent(
                        ContentFacts.newBuilder()
                                .setSenderIdentified(true)
                                .setUnsubscribe(true)
                                .build())
                .setRequestedAt(Instant.ofEpochMilli(1_767_225_600_123L))
                .setCampaignId("c-1")
                .setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .build();
    }
}
