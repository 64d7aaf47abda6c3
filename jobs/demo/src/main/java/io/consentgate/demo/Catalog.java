package io.consentgate.demo;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The fictional world the traffic generator draws from: tenants with their brands and product
 * categories, purposes, and recipient regions with IANA time zones and population weights.
 */
final class Catalog {
    private Catalog() {}

    /** A legal entity that sends, with the product categories it markets. */
    record Brand(String id, List<String> categories) {}

    /** A sender organisation; its brands share the tenant's subject keys. */
    record Tenant(String id, String shortName, List<Brand> brands) {}

    /**
     * Where recipients live: a jurisdiction (country, or country-subdivision), its time zone, its
     * weight in the population, and the age of digital consent the default policy applies there (0
     * where the GDPR's Art 8 does not apply).
     */
    record Region(String jurisdiction, String timeZone, int weight, int ageOfConsent) {
        String country() {
            int dash = jurisdiction.indexOf('-');
            return dash < 0 ? jurisdiction : jurisdiction.substring(0, dash);
        }

        boolean isEu() {
            return ageOfConsent > 0;
        }

        boolean isUs() {
            return country().equals("US");
        }

        boolean isCa() {
            return country().equals("CA");
        }

        boolean isGb() {
            return country().equals("GB");
        }
    }

    static final List<Tenant> TENANTS =
            List.of(
                    new Tenant(
                            "acme-retail",
                            "acme",
                            List.of(
                                    new Brand("acme-fashion", List.of("apparel", "footwear")),
                                    new Brand("acme-home", List.of("furniture", "kitchen")))),
                    new Tenant(
                            "northwind-telco",
                            "nw",
                            List.of(
                                    new Brand(
                                            "northwind-mobile",
                                            List.of("mobile-plans", "handsets")),
                                    new Brand("northwind-broadband", List.of("broadband", "tv")))),
                    new Tenant(
                            "globex-travel",
                            "gx",
                            List.of(
                                    new Brand("globex-flights", List.of("flights", "holidays")),
                                    new Brand("globex-hotels", List.of("hotels", "car-hire")))));

    static final List<String> MARKETING_PURPOSES =
            List.of("newsletter", "offers", "product-news", "win-back", "surveys");

    static final List<String> SERVICE_PURPOSES =
            List.of("order-update", "security-notice", "billing", "appointment-reminder");

    /** EU/EEA and GB (with the default policy's Art 8 ages), US and CA, and a few others. */
    static final List<Region> REGIONS =
            List.of(
                    new Region("GB", "Europe/London", 18, 13),
                    new Region("DE", "Europe/Berlin", 9, 16),
                    new Region("FR", "Europe/Paris", 7, 15),
                    new Region("IE", "Europe/Dublin", 4, 16),
                    new Region("NL", "Europe/Amsterdam", 3, 16),
                    new Region("ES", "Europe/Madrid", 3, 14),
                    new Region("IT", "Europe/Rome", 3, 14),
                    new Region("SE", "Europe/Stockholm", 2, 13),
                    new Region("PL", "Europe/Warsaw", 2, 16),
                    new Region("US-NY", "America/New_York", 5, 0),
                    new Region("US-CA", "America/Los_Angeles", 6, 0),
                    new Region("US-TX", "America/Chicago", 4, 0),
                    new Region("US-FL", "America/New_York", 3, 0),
                    new Region("US-IL", "America/Chicago", 2, 0),
                    new Region("US-WA", "America/Los_Angeles", 2, 0),
                    new Region("US-AZ", "America/Phoenix", 1, 0),
                    new Region("US-HI", "Pacific/Honolulu", 1, 0),
                    new Region("CA-ON", "America/Toronto", 6, 0),
                    new Region("CA-QC", "America/Toronto", 4, 0),
                    new Region("CA-BC", "America/Vancouver", 3, 0),
                    new Region("CA-AB", "America/Edmonton", 2, 0),
                    new Region("CA-NS", "America/Halifax", 1, 0),
                    new Region("CA-NL", "America/St_Johns", 1, 0),
                    // Outside the default policy's regimes: UNKNOWN_JURISDICTION for marketing.
                    new Region("AU", "Australia/Sydney", 1, 0),
                    new Region("BR", "America/Sao_Paulo", 1, 0));

    /** Time zones a sender's CRM gets wrong: missing is null, the others are not IANA regions. */
    static final List<String> BAD_TIME_ZONES = List.of("EST", "-05:00", "America/Torronto");

    static final List<String> CONSENT_SOURCES =
            List.of(
                    "signup-form",
                    "checkout-form",
                    "mobile-app",
                    "preference-centre",
                    "call-centre",
                    "in-store-tablet");

    static final List<String> WORDING_VERSIONS =
            List.of("wv-2023-01", "wv-2023-09", "wv-2024-03", "wv-2024-11", "wv-2025-04");

    private static final int TOTAL_REGION_WEIGHT = REGIONS.stream().mapToInt(Region::weight).sum();

    static Region region(SplittableRandom rng) {
        int x = rng.nextInt(TOTAL_REGION_WEIGHT);
        for (Region r : REGIONS) {
            x -= r.weight();
            if (x < 0) {
                return r;
            }
        }
        throw new AssertionError();
    }

    static <T> T pick(List<T> items, SplittableRandom rng) {
        return items.get(rng.nextInt(items.size()));
    }
}
