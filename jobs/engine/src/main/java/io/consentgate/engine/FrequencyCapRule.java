package io.consentgate.engine;

import io.consentgate.schema.Reason;

/** Sender policy, off by default: at most N allowed marketing sends per channel per window. */
final class FrequencyCapRule {
    private FrequencyCapRule() {}

    // Sender policy (no statute); policy frequencyCaps. Yields FREQUENCY_CAP.
    static void check(Facts f, Findings out) {
        Policy.FrequencyCap cap = f.policy.frequencyCap(f.channel);
        long[] times = cap == null ? null : f.ledger.allowTimes(f.channel);
        if (times == null) {
            return;
        }
        long from = f.at - cap.windowMillis();
        int count = 0;
        for (long t : times) {
            if (t > from && t <= f.at) {
                count++;
            }
        }
        if (count >= cap.max()) {
            out.fail(Reason.FREQUENCY_CAP);
        }
    }
}
