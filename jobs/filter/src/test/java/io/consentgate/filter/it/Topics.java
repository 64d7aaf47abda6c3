package io.consentgate.filter.it;

import java.util.List;
import java.util.UUID;

/**
 * One test's own topic names: a unique prefix per call, so tests never read each other's records
 * and a re-run never reads an earlier run's.
 */
record Topics(
        String prefix,
        String sends,
        String consent,
        String policy,
        String approved,
        String deferred,
        String audit,
        String dlq) {

    static Topics fresh(String test) {
        String p = "it." + test + "." + UUID.randomUUID().toString().substring(0, 8) + ".";
        return new Topics(
                p,
                p + "sends.requested",
                p + "consent.events",
                p + "compliance.policy",
                p + "sends.approved",
                p + "sends.deferred",
                p + "compliance.audit",
                p + "compliance.dlq");
    }

    /** The topics the job reads or writes (the policy topic is read only by some tests). */
    List<String> used() {
        return List.of(sends, consent, policy, approved, deferred, audit, dlq);
    }
}
