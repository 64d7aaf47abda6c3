package io.consentgate.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every schema stays BACKWARD compatible with every released snapshot: a reader with the current
 * schema can read what a writer with the released one wrote (so consumers upgrade first).
 */
class SchemaCompatibilityTest {
    private static final Path SNAPSHOTS = Paths.get("src/test/resources/compat");
    private static final List<Schema> CURRENT =
            List.of(
                    SendRequest.getClassSchema(),
                    ConsentEvent.getClassSchema(),
                    AuditEvent.getClassSchema(),
                    ApprovedSend.getClassSchema(),
                    DeferredSend.getClassSchema(),
                    DeadLetter.getClassSchema(),
                    PolicyDocument.getClassSchema());

    @TestFactory
    Stream<DynamicTest> everySchemaReadsEveryReleasedVersion() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> versions = Files.list(SNAPSHOTS)) {
            for (Path version : versions.filter(Files::isDirectory).sorted().toList()) {
                Schema.Parser parser = parse(version);
                for (Schema current : CURRENT) {
                    tests.add(
                            DynamicTest.dynamicTest(
                                    current.getName() + " reads " + version.getFileName(),
                                    () -> {
                                        Schema released =
                                                parser.getTypes().get(current.getFullName());
                                        assertThat(released)
                                                .as("released %s", current.getFullName())
                                                .isNotNull();
                                        var result =
                                                SchemaCompatibility.checkReaderWriterCompatibility(
                                                        current, released);
                                        assertThat(result.getType())
                                                .as(result.getDescription())
                                                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
                                    }));
                }
            }
        }
        assertThat(tests).isNotEmpty();
        return tests.stream();
    }

    /** Parses a snapshot in dependency order: enums, shared records, SendRequest, the rest. */
    private static Schema.Parser parse(Path version) throws IOException {
        Schema.Parser parser = new Schema.Parser();
        try (Stream<Path> files = Files.walk(version)) {
            List<Path> avsc =
                    files.filter(p -> p.toString().endsWith(".avsc"))
                            .sorted(
                                    Comparator.comparing((Path p) -> rank(p))
                                            .thenComparing(Path::toString))
                            .toList();
            for (Path p : avsc) {
                parser.parse(p.toFile());
            }
        }
        return parser;
    }

    private static int rank(Path p) {
        String s = p.toString();
        if (s.contains("/enums/")) {
            return 0;
        }
        if (s.contains("/records/")) {
            return 1;
        }
        return s.endsWith("SendRequest.avsc") ? 2 : 3; // wrapped by ApprovedSend, DeferredSend
    }
}
