package io.consentgate.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoCommandTest {
    private static CommandLine cli() {
        return new CommandLine(
                new DemoCommand(new PrintStream(PrintStream.nullOutputStream()), Path.of("run")));
    }

    @Test
    void helpDocumentsEveryFlag() {
        String help = cli().getUsageMessage(CommandLine.Help.Ansi.OFF);
        for (String flag :
                new String[] {
                    "--count",
                    "--duration",
                    "--rate",
                    "--subjects",
                    "--seed",
                    "--corrupt-fraction",
                    "--late-fraction",
                    "--parallelism",
                    "--partitions",
                    "--checkpoint-interval",
                    "--bootstrap-servers",
                    "--registry-url",
                    "--headless",
                    "--keep-running",
                    "--help"
                }) {
            assertThat(help).contains(flag);
        }
        assertThat(help.replaceAll("\\s+", " "))
                .contains("on the wall clock. Default: 1000.")
                .doesNotContain("${DEFAULT-VALUE}");
    }

    @Test
    void parsesBoundsAndDefaults() {
        CommandLine cli = cli();
        cli.parseArgs(
                "--duration",
                "90s",
                "--rate",
                "500",
                "--bootstrap-servers",
                " ",
                "--kafka",
                "security.protocol=SSL");
        Demo.Options o = ((DemoCommand) cli.getCommand()).options();
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(90));
        assertThat(o.count()).isZero();
        assertThat(o.rate()).isEqualTo(500);
        assertThat(o.subjects()).isEqualTo(10_000);
        assertThat(o.checkpointInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.bootstrapServers()).isNull();
        assertThat(o.runDir()).isEqualTo(Path.of("run"));
        assertThat(o.kafka()).containsEntry("security.protocol", "SSL");
    }

    @Test
    void durationsTakeUnitsOrIso() {
        DemoCommand.DurationConverter c = new DemoCommand.DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.convert("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(c.convert("PT2M")).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> c.convert("soon")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsImpossibleOptions() {
        CommandLine cli = cli();
        cli.parseArgs("--late-fraction", "2");
        assertThatThrownBy(() -> ((DemoCommand) cli.getCommand()).options())
                .isInstanceOf(CommandLine.ParameterException.class);
    }
}
