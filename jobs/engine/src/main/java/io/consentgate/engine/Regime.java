package io.consentgate.engine;

/** The body of law a send's country falls under. */
public enum Regime {
    /** GDPR + ePrivacy/PECR: EU/EEA member states and the UK, treated alike. */
    GDPR,
    /** Canada's Anti-Spam Legislation and the CRTC telemarketing rules. */
    CASL,
    /** CAN-SPAM for email, TCPA for texts and calls. */
    US
}
