package dev.kio.runtime.worker;

/** The platform thread of one worker; lets {@link Worker#current()} find its worker without a ThreadLocal. */
final class WorkerThread extends Thread {
    final Worker worker;

    WorkerThread(Worker worker, String name, Runnable body) {
        super(null, body, name, 0, false);
        this.worker = worker;
    }
}
