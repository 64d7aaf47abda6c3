package io.consentgate.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.consentgate.schema.Channel;
import io.consentgate.schema.PreferenceRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A versioned policy document (DESIGN section 5): every parameter of the rules, loaded from YAML
 * and validated once, then held in lookup tables so that {@link DecisionEngine#decide} does no
 * parsing or string work.
 */
public final class Policy {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String DEFAULT_RESOURCE = "/policy/default.yaml";
    private static final Set<String> TOP_LEVEL_FIELDS =
            Set.of(
                    "id",
                    "version",
                    "effectiveFrom",
                    "regimes",
                    "defaultRegime",
                    "ageOfDigitalConsent",
                    "consentRefreshMonths",
                    "softOptInWindowMonths",
                    "casl",
                    "registryDelayDays",
                    "usQuietHours",
                    "caCallingHours",
                    "dedupeWindowDays",
                    "frequencyCaps",
                    "oneClickUnsubscribeRequired");

    private static volatile Policy defaultPolicy;

    private final String id;
    private final int version;
    private final Instant effectiveFrom;
    private final String yaml;

    /** Regime by country index (see {@link #countryIndex}); null = unknown. */
    private final Regime[] regimeByCountry = new Regime[26 * 26];

    private final Regime defaultRegime;
    private final byte[] ageByCountry = new byte[26 * 26];
    private final int consentRefreshMonths;
    private final int softOptInWindowMonths;
    private final int caslPurchaseWindowMonths;
    private final int caslInquiryWindowMonths;
    private final int[] registryDelayDays = new int[PreferenceRegistry.values().length];
    private final TimeWindow usQuietHours;
    private final Map<String, TimeWindow> usQuietHoursBySubdivision;
    private final TimeWindow caWeekdayHours;
    private final TimeWindow caWeekendHours;
    private final int dedupeWindowDays;
    private final FrequencyCap[] frequencyCaps = new FrequencyCap[Channel.values().length];
    private final boolean oneClickUnsubscribeRequired;

    /** A local-time window [start, end), in minutes of the day. */
    record TimeWindow(int startMinute, int endMinute) {
        boolean contains(int minuteOfDay) {
            return minuteOfDay >= startMinute && minuteOfDay < endMinute;
        }
    }

    /** At most {@code max} allowed marketing sends per channel per rolling window. */
    record FrequencyCap(int max, long windowMillis) {}

    private Policy(JsonNode root, String yaml) throws PolicyException {
        Fields f = new Fields(root);
        f.onlyKnown("", TOP_LEVEL_FIELDS);
        this.yaml = yaml;
        this.id = f.text("id");
        this.version = f.intInRange("version", 0, Integer.MAX_VALUE);
        this.effectiveFrom = f.instant("effectiveFrom");

        JsonNode regimes = f.object("regimes");
        Fields rf = new Fields(regimes, "regimes.");
        for (Iterator<Map.Entry<String, JsonNode>> it = regimes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Regime regime = rf.enumValue(e.getKey(), e.getKey(), Regime.class);
            JsonNode list = e.getValue();
            if (!list.isArray()) {
                throw f.bad("regimes." + e.getKey(), "must be a list of country codes");
            }
            for (int i = 0; i < list.size(); i++) {
                String path = "regimes." + e.getKey() + "[" + i + "]";
                int idx = f.country(path, list.get(i).asText());
                if (regimeByCountry[idx] != null) {
                    throw f.bad(path, "country " + list.get(i).asText() + " is listed twice");
                }
                regimeByCountry[idx] = regime;
            }
        }
        JsonNode dr = root.get("defaultRegime");
        this.defaultRegime =
                dr == null || dr.isNull()
                        ? null
                        : f.enumValue("defaultRegime", dr.asText(), Regime.class);

        JsonNode age = f.object("ageOfDigitalConsent");
        Fields af = new Fields(age, "ageOfDigitalConsent.");
        af.onlyKnown("ageOfDigitalConsent", Set.of("default", "byCountry"));
        byte defaultAge = (byte) af.intInRange("default", 0, 21);
        java.util.Arrays.fill(ageByCountry, defaultAge);
        JsonNode byCountry = af.object("byCountry");
        for (Iterator<Map.Entry<String, JsonNode>> it = byCountry.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = "ageOfDigitalConsent.byCountry." + e.getKey();
            int idx = f.country(path, e.getKey());
            ageByCountry[idx] = (byte) f.intValue(path, e.getValue(), 0, 21);
        }

        this.consentRefreshMonths = f.intInRange("consentRefreshMonths", 1, 1200);
        this.softOptInWindowMonths = f.intInRange("softOptInWindowMonths", 1, 1200);
        JsonNode casl = f.object("casl");
        Fields cf = new Fields(casl, "casl.");
        cf.onlyKnown("casl", Set.of("purchaseWindowMonths", "inquiryWindowMonths"));
        this.caslPurchaseWindowMonths = cf.intInRange("purchaseWindowMonths", 0, 1200);
        this.caslInquiryWindowMonths = cf.intInRange("inquiryWindowMonths", 0, 1200);

        JsonNode delays = f.object("registryDelayDays");
        Fields df = new Fields(delays, "registryDelayDays.");
        for (PreferenceRegistry r : PreferenceRegistry.values()) {
            registryDelayDays[r.ordinal()] = df.intInRange(r.name(), 0, 3650);
        }
        df.onlyKnown("registryDelayDays", names(PreferenceRegistry.values()));

        JsonNode us = f.object("usQuietHours");
        Fields uf = new Fields(us, "usQuietHours.");
        uf.onlyKnown("usQuietHours", Set.of("start", "end", "bySubdivision"));
        this.usQuietHours = uf.window("", us);
        Map<String, TimeWindow> bySub = new HashMap<>();
        JsonNode subs = us.get("bySubdivision");
        if (subs != null && !subs.isNull()) {
            if (!subs.isObject()) {
                throw f.bad("usQuietHours.bySubdivision", "must be a map");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = subs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = "usQuietHours.bySubdivision." + e.getKey();
                if (!e.getKey().startsWith("US-") || e.getKey().length() < 4) {
                    throw f.bad(path, "must be a US subdivision such as US-FL");
                }
                TimeWindow w = uf.window("bySubdivision." + e.getKey() + ".", e.getValue());
                if (w.startMinute() < usQuietHours.startMinute()
                        || w.endMinute() > usQuietHours.endMinute()) {
                    throw f.bad(path, "may only narrow the federal window");
                }
                bySub.put(e.getKey(), w);
            }
        }
        this.usQuietHoursBySubdivision = Map.copyOf(bySub);

        JsonNode ca = f.object("caCallingHours");
        Fields caf = new Fields(ca, "caCallingHours.");
        caf.onlyKnown("caCallingHours", Set.of("weekday", "weekend"));
        this.caWeekdayHours = caf.window("weekday.", caf.object("weekday"));
        this.caWeekendHours = caf.window("weekend.", caf.object("weekend"));

        this.dedupeWindowDays = f.intInRange("dedupeWindowDays", 0, 3650);

        JsonNode caps = root.get("frequencyCaps");
        if (caps != null && !caps.isNull()) {
            if (!caps.isObject()) {
                throw f.bad("frequencyCaps", "must be a map of channel to {max, windowHours}");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = caps.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = "frequencyCaps." + e.getKey();
                Channel channel = f.enumValue(path, e.getKey(), Channel.class);
                Fields capf = new Fields(e.getValue(), path + ".");
                capf.onlyKnown(path, Set.of("max", "windowHours"));
                int max = capf.intInRange("max", 1, SubjectLedger.MAX_ALLOWS_PER_CHANNEL);
                int hours = capf.intInRange("windowHours", 1, 24 * 366);
                frequencyCaps[channel.ordinal()] = new FrequencyCap(max, hours * 3_600_000L);
            }
        }
        JsonNode oneClick = root.get("oneClickUnsubscribeRequired");
        if (oneClick != null && !oneClick.isNull() && !oneClick.isBoolean()) {
            throw f.bad("oneClickUnsubscribeRequired", "must be true or false");
        }
        this.oneClickUnsubscribeRequired = oneClick != null && oneClick.asBoolean(false);
    }

    /** The default policy shipped in the engine's resources ({@code policy/default.yaml}). */
    public static Policy defaultPolicy() {
        Policy p = defaultPolicy;
        if (p == null) {
            try (InputStream in = Policy.class.getResourceAsStream(DEFAULT_RESOURCE)) {
                p = fromYaml(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (PolicyException e) {
                throw new IllegalStateException("The shipped default policy is invalid", e);
            }
            defaultPolicy = p;
        }
        return p;
    }

    /** Parses and validates a policy; throws {@link PolicyException} naming the bad field. */
    public static Policy fromYaml(InputStream yaml) throws PolicyException {
        if (yaml == null) {
            throw new PolicyException("policy: no document");
        }
        try {
            return fromYaml(new String(yaml.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PolicyException("policy: cannot read document: " + e.getMessage());
        }
    }

    public static Policy fromYaml(String yaml) throws PolicyException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new PolicyException("policy: not valid YAML: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new PolicyException("policy: the document must be a YAML map");
        }
        return new Policy(root, yaml);
    }

    public String id() {
        return id;
    }

    public int version() {
        return version;
    }

    public Instant effectiveFrom() {
        return effectiveFrom;
    }

    /** The document this policy was read from, as published on the policy topic. */
    public String yaml() {
        return yaml;
    }

    /** How long a message id stays a duplicate, in millis (default 7 days). */
    public long dedupeWindowMillis() {
        return dedupeWindowDays * 86_400_000L;
    }

    int dedupeWindowDays() {
        return dedupeWindowDays;
    }

    /**
     * The regime of a jurisdiction such as {@code GB} or {@code US-CA}, or null when the country is
     * not covered and the policy names no default.
     */
    Regime regimeOf(String jurisdiction) {
        int idx = countryIndex(jurisdiction);
        Regime r = idx < 0 ? null : regimeByCountry[idx];
        return r != null ? r : defaultRegime;
    }

    int ageOfDigitalConsent(String jurisdiction) {
        int idx = countryIndex(jurisdiction);
        return idx < 0 ? ageByCountry[0] : ageByCountry[idx];
    }

    int consentRefreshMonths() {
        return consentRefreshMonths;
    }

    int softOptInWindowMonths() {
        return softOptInWindowMonths;
    }

    int caslPurchaseWindowMonths() {
        return caslPurchaseWindowMonths;
    }

    int caslInquiryWindowMonths() {
        return caslInquiryWindowMonths;
    }

    int registryDelayDays(PreferenceRegistry registry) {
        return registryDelayDays[registry.ordinal()];
    }

    TimeWindow usQuietHours(String jurisdiction) {
        if (!usQuietHoursBySubdivision.isEmpty()) {
            TimeWindow w = usQuietHoursBySubdivision.get(jurisdiction);
            if (w != null) {
                return w;
            }
        }
        return usQuietHours;
    }

    TimeWindow caWeekdayHours() {
        return caWeekdayHours;
    }

    TimeWindow caWeekendHours() {
        return caWeekendHours;
    }

    FrequencyCap frequencyCap(Channel channel) {
        return frequencyCaps[channel.ordinal()];
    }

    boolean oneClickUnsubscribeRequired() {
        return oneClickUnsubscribeRequired;
    }

    /**
     * Index of the two upper-case letters that start a jurisdiction ({@code GB}, {@code CA-ON}), or
     * -1 when it is not of that form. No allocation.
     */
    static int countryIndex(String jurisdiction) {
        if (jurisdiction == null) {
            return -1;
        }
        int len = jurisdiction.length();
        if (len != 2 && (len < 4 || jurisdiction.charAt(2) != '-')) {
            return -1;
        }
        char a = jurisdiction.charAt(0);
        char b = jurisdiction.charAt(1);
        if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') {
            return -1;
        }
        return (a - 'A') * 26 + (b - 'A');
    }

    private static Set<String> names(Enum<?>[] values) {
        java.util.HashSet<String> s = new java.util.HashSet<>();
        for (Enum<?> v : values) {
            s.add(v.name());
        }
        return s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public String toString() {
        return "Policy[" + id + " v" + version + "]";
    }

    /** Path-aware field access: every error names the field that is wrong. */
    private static final class Fields {
        private final JsonNode node;
        private final String prefix;

        Fields(JsonNode node) {
            this(node, "");
        }

        Fields(JsonNode node, String prefix) {
            this.node = node;
            this.prefix = prefix;
        }

        PolicyException bad(String path, String problem) {
            return new PolicyException("policy field '" + path + "': " + problem);
        }

        JsonNode required(String name) throws PolicyException {
            if (node == null || !node.isObject()) {
                throw bad(
                        prefix.isEmpty() ? name : prefix.substring(0, prefix.length() - 1),
                        "must be a map");
            }
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                throw bad(prefix + name, "is required");
            }
            return v;
        }

        void onlyKnown(String where, Set<String> known) throws PolicyException {
            if (node == null || !node.isObject()) {
                throw bad(where, "must be a map");
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!known.contains(name)) {
                    throw bad(
                            prefix + name,
                            "unknown field (known: "
                                    + String.join(", ", new java.util.TreeSet<>(known))
                                    + ")");
                }
            }
        }

        String text(String name) throws PolicyException {
            JsonNode v = required(name);
            if (!v.isTextual() || v.asText().isBlank()) {
                throw bad(prefix + name, "must be a non-empty string");
            }
            return v.asText();
        }

        JsonNode object(String name) throws PolicyException {
            JsonNode v = required(name);
            if (!v.isObject()) {
                throw bad(prefix + name, "must be a map");
            }
            return v;
        }

        int intInRange(String name, int min, int max) throws PolicyException {
            return intValue(prefix + name, required(name), min, max);
        }

        int intValue(String path, JsonNode v, int min, int max) throws PolicyException {
            if (!v.isIntegralNumber()) {
                throw bad(path, "must be a whole number");
            }
            long value = v.asLong();
            if (value < min || value > max) {
                throw bad(path, "must be between " + min + " and " + max + ", was " + value);
            }
            return (int) value;
        }

        Instant instant(String name) throws PolicyException {
            String s = text(name);
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                throw bad(
                        prefix + name, "must be an ISO-8601 instant such as 2025-01-01T00:00:00Z");
            }
        }

        <E extends Enum<E>> E enumValue(String path, String value, Class<E> type)
                throws PolicyException {
            try {
                return Enum.valueOf(type, value);
            } catch (IllegalArgumentException e) {
                throw bad(
                        path,
                        "unknown value '"
                                + value
                                + "' (expected one of "
                                + java.util.Arrays.toString(type.getEnumConstants())
                                + ")");
            }
        }

        int country(String path, String code) throws PolicyException {
            int idx = code != null && code.length() == 2 ? countryIndex(code) : -1;
            if (idx < 0) {
                throw bad(path, "must be an ISO 3166-1 alpha-2 country code, was '" + code + "'");
            }
            return idx;
        }

        TimeWindow window(String sub, JsonNode w) throws PolicyException {
            Fields wf = new Fields(w, prefix + sub);
            int start = wf.minuteOfDay("start");
            int end = wf.minuteOfDay("end");
            if (end <= start) {
                throw bad(prefix + sub + "end", "must be after start");
            }
            return new TimeWindow(start, end);
        }

        int minuteOfDay(String name) throws PolicyException {
            String s = text(name);
            try {
                LocalTime t = LocalTime.parse(s);
                return t.getHour() * 60 + t.getMinute();
            } catch (DateTimeParseException e) {
                throw bad(prefix + name, "must be a local time such as 08:00, was '" + s + "'");
            }
        }
    }

    /** Exposed for tests and tooling: the regime table as country code to regime. */
    Map<String, Regime> regimeTable() {
        Map<String, Regime> m = new HashMap<>();
        for (int i = 0; i < regimeByCountry.length; i++) {
            if (regimeByCountry[i] != null) {
                m.put("" + (char) ('A' + i / 26) + (char) ('A' + i % 26), regimeByCountry[i]);
            }
        }
        return m;
    }
}
