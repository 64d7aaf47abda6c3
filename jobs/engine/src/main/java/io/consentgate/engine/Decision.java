package io.consentgate.engine;

import io.consentgate.schema.Basis;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.util.List;

/**
 * The result of {@link DecisionEngine#decide}: verdict, every failing reason (primary first),
 * lawful basis, the consent events that decided it and the policy that applied.
 *
 * @param reasons every failing rule in precedence order; empty for ALLOW
 * @param basis the lawful basis of an ALLOW; {@link Basis#NONE} otherwise
 * @param decidingEventIds ids of the consent events the verdict rests on
 * @param notBefore epoch millis of the earliest allowed instant for a DEFER, else -1
 */
public record Decision(
        Verdict verdict,
        List<Reason> reasons,
        Basis basis,
        List<String> decidingEventIds,
        String policyId,
        int policyVersion,
        long notBefore) {

    /** The highest-precedence failing rule, or null for ALLOW. */
    public Reason primaryReason() {
        return reasons.isEmpty() ? null : reasons.get(0);
    }

    public boolean allowed() {
        return verdict == Verdict.ALLOW;
    }
}
