package io.consentgate.filter.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Captures every log event of this JVM at {@code level} and above (the job on the MiniCluster,
 * Kafka clients, the in-process broker) as formatted lines, stack traces included, while it is
 * open. The appenders configured before keep the root level they had (a threshold), so the captured
 * INFO chatter does not reach the test's console.
 */
final class CapturedLogs implements AutoCloseable {

    private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    private final LoggerContext context;
    private final Level previousLevel;
    private final Map<String, Appender> previousAppenders;
    private final AbstractAppender appender;

    CapturedLogs(Level level) {
        context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        LoggerConfig root = config.getRootLogger();
        previousLevel = root.getLevel();
        previousAppenders = Map.copyOf(root.getAppenders());
        PatternLayout layout =
                PatternLayout.newBuilder()
                        .withPattern("%d{HH:mm:ss.SSS} %-5p [%t] %c - %m%n%throwable")
                        .withConfiguration(config)
                        .build();
        appender =
                new AbstractAppender(
                        "captured-" + System.identityHashCode(this),
                        null,
                        layout,
                        true,
                        Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        lines.add(((PatternLayout) getLayout()).toSerializable(event));
                    }
                };
        appender.start();
        config.addAppender(appender);
        for (String name : previousAppenders.keySet()) {
            root.removeAppender(name);
            root.addAppender(previousAppenders.get(name), previousLevel, null);
        }
        root.addAppender(appender, level, null);
        root.setLevel(level);
        context.updateLoggers();
    }

    /** The lines captured so far. */
    List<String> lines() {
        return new ArrayList<>(lines);
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        LoggerConfig root = config.getRootLogger();
        root.removeAppender(appender.getName());
        for (String name : previousAppenders.keySet()) {
            root.removeAppender(name);
            root.addAppender(previousAppenders.get(name), null, null);
        }
        root.setLevel(previousLevel);
        context.updateLoggers();
        appender.stop();
    }
}
