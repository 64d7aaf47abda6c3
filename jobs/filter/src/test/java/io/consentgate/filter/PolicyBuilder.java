package io.consentgate.filter;

import io.consentgate.engine.Policy;
import io.consentgate.schema.PolicyDocument;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Policy documents for tests: the engine's default policy with another id, version, effectiveFrom
 * and top-level fields, as published on the policy topic. The record's header follows the YAML
 * unless set apart ({@link #header}).
 */
public final class PolicyBuilder {
    private String id = "default";
    private int version = 2;
    private String effectiveFrom = "2026-03-02T12:00:00Z";
    private final Map<String, String> fields = new LinkedHashMap<>();
    private String headerId;
    private Integer headerVersion;
    private String rawYaml;

    private PolicyBuilder() {}

    public static PolicyBuilder aPolicy() {
        return new PolicyBuilder();
    }

    public PolicyBuilder id(String id) {
        this.id = id;
        return this;
    }

    public PolicyBuilder version(int version) {
        this.version = version;
        return this;
    }

    public PolicyBuilder effectiveFrom(String instant) {
        this.effectiveFrom = instant;
        return this;
    }

    /** Replaces a top-level scalar field of the default policy, e.g. consentRefreshMonths. */
    public PolicyBuilder with(String field, String value) {
        fields.put(field, value);
        return this;
    }

    /** Consent older than one month is stale: blocks a GB email on a January consent in March. */
    public PolicyBuilder strict() {
        return with("consentRefreshMonths", "1");
    }

    /** A record header that disagrees with the YAML. */
    public PolicyBuilder header(String policyId, int version) {
        this.headerId = policyId;
        this.headerVersion = version;
        return this;
    }

    /** The YAML as given, instead of the default policy's. */
    public PolicyBuilder yaml(String yaml) {
        this.rawYaml = yaml;
        return this;
    }

    public String yaml() {
        if (rawYaml != null) {
            return rawYaml;
        }
        String y = Policy.defaultPolicy().yaml();
        y = replace(y, "id", id);
        y = replace(y, "version", Integer.toString(version));
        y = replace(y, "effectiveFrom", "\"" + effectiveFrom + "\"");
        for (Map.Entry<String, String> f : fields.entrySet()) {
            y = replace(y, f.getKey(), f.getValue());
        }
        return y;
    }

    private static String replace(String yaml, String field, String value) {
        String out =
                yaml.replaceFirst(
                        "(?m)^" + field + ":.*$", Matcher.quoteReplacement(field + ": " + value));
        if (out.equals(yaml) && !yaml.contains(field + ": " + value)) {
            throw new IllegalArgumentException("no top-level field " + field);
        }
        return out;
    }

    public PolicyDocument build() {
        return new PolicyDocument(
                headerId != null ? headerId : id,
                headerVersion != null ? headerVersion : version,
                Instant.parse(effectiveFrom),
                yaml());
    }
}
