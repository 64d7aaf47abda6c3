package io.consentgate.filter.io;

import io.consentgate.filter.FilterConfig;
import java.io.Serializable;

/**
 * Validation bounds for input records.
 *
 * @param maxRecordBytes key plus value above this is OVERSIZE
 * @param minEventTimeMillis event times before this are TIMESTAMP_OUT_OF_RANGE
 * @param maxSkewMillis event times more than this after the Kafka record timestamp are
 *     TIMESTAMP_OUT_OF_RANGE (the record timestamp is stored in the topic, so this is deterministic
 *     on replay)
 */
public record InputLimits(int maxRecordBytes, long minEventTimeMillis, long maxSkewMillis)
        implements Serializable {

    public static InputLimits of(FilterConfig config) {
        return new InputLimits(
                config.maxRecordBytes(),
                config.minEventTimeMillis(),
                config.maxEventTimeSkew().toMillis());
    }
}
