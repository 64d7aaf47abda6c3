package io.consentgate.filter.it;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A failure that a test arms and that the job's (test-wrapped) source throws exactly once, on the
 * next record after arming. Until it has fired, every record is delayed, so a bounded input cannot
 * run out before the test arms it; restarted tasks find it spent and run at full speed.
 *
 * <p>State is static, so it is shared by the test thread and the MiniCluster's tasks: they run in
 * the same JVM and load this class through the same (parent) class loader.
 */
final class InjectedFault {
    private static final ConcurrentMap<String, InjectedFault> FAULTS = new ConcurrentHashMap<>();

    private final long pauseUntilFiredMillis;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicBoolean fired = new AtomicBoolean();

    private InjectedFault(long pauseUntilFiredMillis) {
        this.pauseUntilFiredMillis = pauseUntilFiredMillis;
    }

    /** A new fault under {@code name}, not armed, delaying each record until it fires. */
    static InjectedFault create(String name, long pauseUntilFiredMillis) {
        InjectedFault fault = new InjectedFault(pauseUntilFiredMillis);
        if (FAULTS.putIfAbsent(name, fault) != null) {
            throw new IllegalStateException("fault " + name + " exists");
        }
        return fault;
    }

    void arm() {
        armed.set(true);
    }

    boolean fired() {
        return fired.get();
    }

    /**
     * Called before each record: throws if the fault is armed and has not fired yet, else delays
     * the record while the fault has not fired.
     */
    static void beforeRecord(String name) throws InterruptedException {
        InjectedFault fault = FAULTS.get(name);
        if (fault == null || fault.fired.get()) {
            return;
        }
        if (fault.armed.get() && fault.fired.compareAndSet(false, true)) {
            throw new InjectedFailure("injected failure '" + name + "'");
        }
        Thread.sleep(fault.pauseUntilFiredMillis);
    }

    /** The exception the fault throws, recognisable in the job's failure history. */
    static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }
}
