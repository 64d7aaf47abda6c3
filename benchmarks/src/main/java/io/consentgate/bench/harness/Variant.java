package io.consentgate.bench.harness;

/** The three systems the harness runs on the same input, in this order. */
enum Variant {
    /** (a) Flink, bytes in, bytes out: the floor. */
    PASSTHROUGH("passthrough", "pt"),
    /** (b) The compliance filter as it ships. */
    FILTER("filter", "flt"),
    /** (c) The same decisions with Kafka Streams. */
    STREAMS("streams", "ks");

    final String id;
    final String shortId;

    Variant(String id, String shortId) {
        this.id = id;
        this.shortId = shortId;
    }

    static Variant of(String id) {
        for (Variant v : values()) {
            if (v.id.equalsIgnoreCase(id.trim())) {
                return v;
            }
        }
        throw new IllegalArgumentException(
                "unknown variant '" + id + "' (passthrough, filter, streams)");
    }
}
