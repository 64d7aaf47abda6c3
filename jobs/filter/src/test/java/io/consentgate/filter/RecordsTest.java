package io.consentgate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Audit ids must stay what {@link UUID#nameUUIDFromBytes} gives: replays compare them. */
class RecordsTest {

    @Test
    void auditIdsAreTheVersionThreeUuidsOfTheirNames() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            byte[] name = new byte[random.nextInt(0, 300)];
            for (int j = 0; j < name.length; j++) {
                name[j] = (byte) random.nextInt(256);
            }
            assertThat(Records.nameUuid(name)).isEqualTo(UUID.nameUUIDFromBytes(name));
        }
    }
}
