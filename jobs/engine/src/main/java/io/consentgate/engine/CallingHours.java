package io.consentgate.engine;

import io.consentgate.schema.Channel;
import io.consentgate.schema.Reason;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;

/** Local-time limits on calls and texts, and the time zones they need. */
final class CallingHours {
    private CallingHours() {}

    /**
     * Known zones: IANA region ids ({@code Area/Location}) and {@code UTC}. Abbreviations, raw
     * offsets and old-style ids such as {@code EST5EDT} are not. Built once; read-only after.
     */
    private static final Map<String, ZoneId> ZONES = new HashMap<>();

    static {
        for (String id : ZoneId.getAvailableZoneIds()) {
            if (id.equals("UTC") || (id.indexOf('/') > 0 && !id.startsWith("SystemV/"))) {
                ZONES.put(id, ZoneId.of(id));
            }
        }
    }

    /** Whether calling hours apply: CA calls, US texts and calls. */
    static boolean apply(Facts f) {
        return switch (f.regime) {
            case US ->
                    f.channel == Channel.SMS
                            || f.channel == Channel.PHONE_CALL
                            || f.channel == Channel.AUTOMATED_CALL;
            case CASL -> f.channel == Channel.PHONE_CALL || f.channel == Channel.AUTOMATED_CALL;
            default -> false;
        };
    }

    /**
     * The send's zone, or null after failing UNKNOWN_TIMEZONE: where calling hours apply, a missing
     * or unknown zone cannot be placed (fail closed).
     */
    static ZoneId zone(Facts f, Findings out) {
        String tz = f.send.getTimeZone();
        ZoneId zone = tz == null ? null : ZONES.get(tz);
        if (zone == null) {
            out.fail(Reason.UNKNOWN_TIMEZONE);
        }
        return zone;
    }

    // US: 47 CFR 64.1200(c)(1) (no calls before 8am or after 9pm local); CA: CRTC Unsolicited
    // Telecommunications Rules Part III (calling hours): weekdays 9:00-21:30, weekends 10:00-18:00.
    // Yields
    // QUIET_HOURS (DEFER) with notBefore the next allowed instant.
    static void quietHours(Facts f, ZoneId zone, Findings out) {
        ZonedDateTime local = Instant.ofEpochMilli(f.at).atZone(zone);
        int minute = local.getHour() * 60 + local.getMinute();
        LocalDate day = local.toLocalDate();
        long next;
        if (f.regime == Regime.US) {
            Policy.TimeWindow w = f.policy.usQuietHours(f.send.getJurisdiction());
            if (w.contains(minute)) {
                return;
            }
            next = startOf(minute < w.startMinute() ? day : day.plusDays(1), w, zone);
        } else {
            next = -1;
            for (int d = 0; d <= 7 && next < 0; d++) {
                LocalDate candidate = day.plusDays(d);
                Policy.TimeWindow w = caWindow(f.policy, candidate.getDayOfWeek());
                if (d > 0 || minute < w.startMinute()) {
                    next = startOf(candidate, w, zone);
                } else if (w.contains(minute)) {
                    return;
                }
            }
        }
        out.fail(Reason.QUIET_HOURS);
        out.notBefore = next;
    }

    private static Policy.TimeWindow caWindow(Policy p, DayOfWeek day) {
        return day == DayOfWeek.SATURDAY || day == DayOfWeek.SUNDAY
                ? p.caWeekendHours()
                : p.caWeekdayHours();
    }

    private static long startOf(LocalDate day, Policy.TimeWindow w, ZoneId zone) {
        return day.atTime(w.startMinute() / 60, w.startMinute() % 60)
                .atZone(zone)
                .toInstant()
                .toEpochMilli();
    }
}
