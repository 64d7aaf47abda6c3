package io.consentgate.replay;

import java.util.List;

/**
 * One scenario of a scenario file (scenarios/FORMAT.md): a history and what the default policy must
 * decide for its sends.
 *
 * @param file the file as it was named to the reader
 * @param name the scenario's name, or {@code scenario #n} (1-based) when the file gives none
 * @param source the legal source it illustrates, or null
 * @param events in file order; {@link AppliedOrder} gives the order they apply in
 */
public record Scenario(
        String file,
        String name,
        String source,
        List<ScenarioEvent> events,
        List<Expectation> expect) {

    public Scenario {
        events = List.copyOf(events);
        expect = List.copyOf(expect);
    }
}
