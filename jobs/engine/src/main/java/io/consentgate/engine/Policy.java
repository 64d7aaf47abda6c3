package io.consentgate.engine;

import java.io.InputStream;

/** A versioned policy document (DESIGN section 5), loaded from YAML and validated. */
public final class Policy {
    private final String id;
    private final int version;

    private Policy(String id, int version) {
        this.id = id;
        this.version = version;
    }

    /** The default policy shipped in the engine's resources ({@code policy/default.yaml}). */
    public static Policy defaultPolicy() {
        return new Policy("default", 1);
    }

    /** Parses and validates a policy; throws {@link PolicyException} naming the bad field. */
    public static Policy fromYaml(InputStream yaml) throws PolicyException {
        throw new PolicyException("not yet");
    }

    public static Policy fromYaml(String yaml) throws PolicyException {
        throw new PolicyException("not yet");
    }

    public String id() {
        return id;
    }

    public int version() {
        return version;
    }

    /** How long a message id stays a duplicate, in millis (default 7 days). */
    public long dedupeWindowMillis() {
        return 7L * 24 * 3600 * 1000;
    }
}
