package io.consentgate.replay;

import io.consentgate.schema.Basis;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.time.Instant;

/**
 * What one send's decision must be. A null field is absent in the file and is not checked.
 *
 * @param occurrence which send with this id, 1 = first in applied order
 * @param reason the expected primary reason
 */
public record Expectation(
        String id, int occurrence, Verdict verdict, Basis basis, Reason reason, Instant notBefore) {

    /** The checked fields as in the file, e.g. {@code BLOCK reason=DM_OBJECTION}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(verdict == null ? "(any verdict)" : verdict.name());
        if (basis != null) {
            sb.append(" basis=").append(basis);
        }
        if (reason != null) {
            sb.append(" reason=").append(reason);
        }
        if (notBefore != null) {
            sb.append(" notBefore=").append(notBefore);
        }
        return sb.toString();
    }
}
