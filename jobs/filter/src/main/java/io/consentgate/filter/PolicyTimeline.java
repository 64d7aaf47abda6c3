package io.consentgate.filter;

import io.consentgate.engine.Policy;
import io.consentgate.engine.PolicyException;
import io.consentgate.schema.PolicyDocument;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The versions of one policy id that the decision operator knows, and the choice among them by
 * event time (DESIGN section 5): for a decision at t, the highest version whose effectiveFrom is at
 * or before t. The configured policy (from {@code policy.file} or {@code policy.shadow.file}) is
 * one of the candidates and also the floor: it decides every instant that no other version covers,
 * whatever its own effectiveFrom, as the job did before policies were versioned. Versions accepted
 * from the policy topic are kept, at most {@code maxVersions}, dropping the lowest version first.
 *
 * <p>Choosing by event time rather than by arrival keeps decisions reproducible: a replay months
 * later decides every send with the version that was in force at its requested-at time, however
 * fast it reads the policy topic. Not thread-safe; one per operator instance.
 */
final class PolicyTimeline {
    /** A document from the policy topic, checked: the parsed policy, or why it is rejected. */
    record Checked(Policy policy, String problem) {
        boolean accepted() {
            return policy != null;
        }
    }

    private final String id;
    private final Policy configured;
    private final int maxVersions;

    /** Versions accepted from the policy topic, lowest version first. */
    private final List<Policy> accepted = new ArrayList<>();

    /** Every candidate, configured one included, highest version first. */
    private Policy[] newestFirst;

    /**
     * @param configured the configured policy of this id, or null (a shadow policy that only comes
     *     from the topic)
     */
    PolicyTimeline(String id, Policy configured, int maxVersions) {
        this.id = id;
        this.configured = configured;
        this.maxVersions = maxVersions;
        index();
    }

    String id() {
        return id;
    }

    /**
     * The policy for a decision at {@code eventTime}: the highest version effective by then, else
     * the configured one (null only for a topic-only shadow before its first version).
     */
    Policy at(long eventTime) {
        for (Policy p : newestFirst) {
            if (p.effectiveFrom().toEpochMilli() <= eventTime) {
                return p;
            }
        }
        return configured;
    }

    /** The highest version known, or -1 when none is. */
    int newestVersion() {
        return newestFirst.length == 0 ? -1 : newestFirst[0].version();
    }

    /**
     * Checks a document for this id: valid YAML of a valid policy ({@link Policy#fromYaml}, whose
     * message names the bad field), a header (policyId, version, effectiveFrom) equal to the
     * YAML's, and a version above every version known.
     */
    Checked check(PolicyDocument doc) {
        Policy p;
        try {
            p = Policy.fromYaml(doc.getYaml());
        } catch (PolicyException e) {
            return new Checked(null, e.getMessage());
        } catch (RuntimeException e) {
            return new Checked(
                    null, "policy: the document cannot be read (" + e.getClass().getName() + ")");
        }
        if (!p.id().equals(doc.getPolicyId())) {
            return new Checked(
                    null,
                    "policyId '"
                            + doc.getPolicyId()
                            + "' differs from the document's id '"
                            + p.id()
                            + "'");
        }
        if (p.version() != doc.getVersion()) {
            return new Checked(
                    null,
                    "version "
                            + doc.getVersion()
                            + " differs from the document's version "
                            + p.version());
        }
        if (!p.effectiveFrom().equals(doc.getEffectiveFrom())) {
            return new Checked(
                    null,
                    "effectiveFrom "
                            + doc.getEffectiveFrom()
                            + " differs from the document's effectiveFrom "
                            + p.effectiveFrom());
        }
        if (p.version() <= newestVersion()) {
            return new Checked(
                    null,
                    "version "
                            + p.version()
                            + " is not newer than version "
                            + newestVersion()
                            + " of policy '"
                            + id
                            + "'");
        }
        return new Checked(p, null);
    }

    /** Adds a checked (or restored) version; the lowest versions beyond the bound are dropped. */
    void add(Policy p) {
        accepted.add(p);
        accepted.sort(Comparator.comparingInt(Policy::version));
        while (accepted.size() > maxVersions) {
            accepted.remove(0);
        }
        index();
    }

    /** The accepted versions as stored in broadcast state, lowest version first. */
    List<PolicyDocument> documents() {
        List<PolicyDocument> docs = new ArrayList<>(accepted.size());
        for (Policy p : accepted) {
            docs.add(new PolicyDocument(p.id(), p.version(), p.effectiveFrom(), p.yaml()));
        }
        return docs;
    }

    private void index() {
        List<Policy> all = new ArrayList<>(accepted);
        if (configured != null) {
            all.add(configured);
        }
        all.sort(Comparator.comparingInt(Policy::version).reversed());
        newestFirst = all.toArray(new Policy[0]);
    }
}
