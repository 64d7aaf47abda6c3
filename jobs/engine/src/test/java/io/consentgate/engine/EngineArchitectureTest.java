package io.consentgate.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The law has no Flink or Kafka in it, and the decision path does no text work. */
class EngineArchitectureTest {
    private static final JavaClasses ENGINE =
            new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages("io.consentgate.engine");

    @Test
    void engineHasNoFlinkOrKafkaDependency() {
        noClasses()
                .that()
                .resideInAPackage("io.consentgate.engine..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.flink..", "org.apache.kafka..")
                .check(ENGINE);
    }

    @Test
    void decisionPathUsesNoRegexFormattingOrStreams() {
        noClasses()
                .that()
                .resideInAPackage("io.consentgate.engine..")
                .and()
                .doNotHaveSimpleName("Policy") // parsed once, at load
                .and()
                .doNotHaveSimpleName("Policy$Fields")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("java.util.regex..", "java.util.stream..")
                .orShould()
                .callMethod(String.class, "format", String.class, Object[].class)
                .orShould()
                .callMethod(String.class, "formatted", Object[].class)
                .check(ENGINE);
    }
}
