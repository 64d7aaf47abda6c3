package io.consentgate.filter;

/**
 * Entry point of the shaded job jar: answers {@code --help} with nothing but {@link FilterConfig}
 * on the class path (Flink is provided by the cluster, so {@code java -jar job.jar --help} has
 * none), and hands everything else to {@link ComplianceFilterJob#main}. It must not mention a Flink
 * type: the JVM resolves the main class's method signatures before calling main.
 */
public final class FilterLauncher {
    private FilterLauncher() {}

    public static void main(String[] args) throws Exception {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                System.out.print(FilterConfig.helpText());
                return;
            }
        }
        try {
            Class.forName("org.apache.flink.streaming.api.environment.StreamExecutionEnvironment");
        } catch (ClassNotFoundException e) {
            System.err.println(
                    "Flink is not on the class path: submit this jar with `flink run`"
                            + " (see --help for the options).");
            System.exit(2);
        }
        ComplianceFilterJob.main(args);
    }
}
