package io.consentgate.replay;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code consentgate} command line: offline tools over the decision engine. */
@Command(
        name = "consentgate",
        mixinStandardHelpOptions = true,
        versionProvider = ConsentgateCli.Version.class,
        description = "Consent and opt-out compliance for marketing sends.",
        subcommands = {EvaluateCommand.class, CommandLine.HelpCommand.class})
public final class ConsentgateCli implements Runnable {

    /** Every check met. */
    public static final int EXIT_OK = 0;

    /** Some expectation was not met, or the engine failed. */
    public static final int EXIT_FAILED = 1;

    /** Unreadable input: bad file, bad policy, bad command line. */
    public static final int EXIT_INVALID_INPUT = 2;

    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it with their own writers. */
    public static CommandLine commandLine() {
        return new CommandLine(new ConsentgateCli());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** The version from the jar's Maven metadata. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = "unknown";
            try (InputStream in =
                    ConsentgateCli.class.getResourceAsStream(
                            "/META-INF/maven/io.consentgate/consentgate-replay/pom.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    version = p.getProperty("version", version);
                }
            } catch (IOException e) {
                // fall through to "unknown"
            }
            return new String[] {"consentgate " + version};
        }
    }
}
