package io.consentgate.filter;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SubjectStateTest {

    @Test
    void anEmptyStateStoresNothing() {
        assertThat(SubjectState.empty().toBytes()).isNull();
        assertThat(SubjectState.fromBytes(null).ledger.isEmpty()).isTrue();
    }

    @Test
    void bookkeepingAndLedgerRoundTrip() {
        for (long timer : new long[] {SubjectState.NO_TIMER, -1L, 0L, 1_772_452_800_000L}) {
            SubjectState s = SubjectState.empty();
            s.ledger.apply(aConsent().id("grant").at("2026-01-10T09:00:00Z").build());
            s.cleanupTimerAt = timer;
            s.allows = 70;
            s.deferredInstants = 2;

            SubjectState back = SubjectState.fromBytes(s.toBytes());

            assertThat(back.cleanupTimerAt).isEqualTo(timer);
            assertThat(back.allows).isEqualTo(70);
            assertThat(back.deferredInstants).isEqualTo(2);
            assertThat(back.ledger.toBytes()).isEqualTo(s.ledger.toBytes());
        }
    }

    @Test
    void aTimerAloneIsKeptWithAnEmptyLedger() {
        SubjectState s = SubjectState.empty();
        s.cleanupTimerAt = 5L;
        SubjectState back = SubjectState.fromBytes(s.toBytes());
        assertThat(back.cleanupTimerAt).isEqualTo(5L);
        assertThat(back.ledger.isEmpty()).isTrue();
    }

    @Test
    void corruptBytesFailClearly() {
        assertThatThrownBy(() -> SubjectState.fromBytes(new byte[] {9}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Unknown subject state format 9");
        assertThatThrownBy(() -> SubjectState.fromBytes(new byte[] {1, 1, (byte) 0x80}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Corrupt subject state");
    }
}
