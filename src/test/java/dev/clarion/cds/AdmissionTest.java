package dev.clarion.cds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admission limiter on its own: bounds, waits, and fairness between clients. */
class AdmissionTest {

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  @Test
  void aLoneClientMayUseEverySlotAndTheNextCallIsTurnedAwayWithoutAQueue() throws Exception {
    Admission admission = new Admission(3, 0, 100);
    List<Admission.Permit> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(admission.acquire("a"));
    }
    assertEquals(3, admission.running());
    Admission.Rejected e = assertThrows(Admission.Rejected.class, () -> admission.acquire("a"));
    assertEquals(Admission.Shed.QUEUE_FULL, e.reason());
    assertEquals("queue-full", e.reason().tag());

    held.get(0).close();
    held.get(0).close(); // closing twice frees one slot, not two
    assertEquals(2, admission.running());
    held.add(admission.acquire("b"));
    assertThrows(Admission.Rejected.class, () -> admission.acquire("b"));
  }

  @Test
  void aWaitingCallGetsTheFreedSlotOrIsTurnedAwayAfterTheLongestWait() throws Exception {
    Admission admission = new Admission(1, 4, 150);
    Admission.Permit first = admission.acquire("a");

    long start = System.nanoTime();
    Admission.Rejected e = assertThrows(Admission.Rejected.class, () -> admission.acquire("a"));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(Admission.Shed.WAIT_TIMEOUT, e.reason());
    assertTrue(waited >= 140, "waited " + waited + " ms");
    assertEquals(0, admission.queued(), "a call that gave up leaves the queue");

    Future<Admission.Permit> waiting = threads.submit(() -> admission.acquire("a"));
    awaitQueued(admission, 1);
    first.close();
    Admission.Permit second = waiting.get(1, TimeUnit.SECONDS);
    assertEquals(1, admission.running());
    second.close();
    assertEquals(0, admission.running());
  }

  @Test
  void aFreedSlotGoesToTheClientsInTurnNotToWhoeverSentMost() throws Exception {
    Admission admission = new Admission(2, 16, 5_000);
    Admission.Permit a1 = admission.acquire("a");
    Admission.Permit a2 = admission.acquire("a");
    BlockingQueue<Map.Entry<String, Admission.Permit>> admitted = new LinkedBlockingQueue<>();
    for (int i = 0; i < 6; i++) {
      waitFor(admission, "a", admitted);
    }
    awaitQueued(admission, 6);
    for (int i = 0; i < 2; i++) {
      waitFor(admission, "b", admitted);
    }
    awaitQueued(admission, 8);

    // Each freed slot goes to the next client in turn: b is not behind a's six waiting calls.
    a1.close();
    Map.Entry<String, Admission.Permit> third = admitted.poll(1, TimeUnit.SECONDS);
    assertEquals("a", third.getKey());
    a2.close();
    Map.Entry<String, Admission.Permit> fourth = admitted.poll(1, TimeUnit.SECONDS);
    assertEquals("b", fourth.getKey());
    third.getValue().close();
    assertEquals("a", admitted.poll(1, TimeUnit.SECONDS).getKey());
    fourth.getValue().close();
    assertEquals("b", admitted.poll(1, TimeUnit.SECONDS).getKey());
    assertEquals(4, admission.queued(), "a's four other calls still wait");
  }

  @Test
  void oneClientsBurstCannotFillTheQueueForTheOthers() throws Exception {
    Admission admission = new Admission(1, 4, 5_000);
    Admission.Permit held = admission.acquire("a");
    BlockingQueue<Map.Entry<String, Admission.Permit>> order = new LinkedBlockingQueue<>();
    for (int i = 0; i < 4; i++) {
      waitFor(admission, "a", order);
    }
    awaitQueued(admission, 4);
    // a alone filled the queue: a fifth call of a is turned away at once ...
    assertEquals(
        Admission.Shed.QUEUE_FULL,
        assertThrows(Admission.Rejected.class, () -> admission.acquire("a")).reason());
    // ... but b still gets its share (half of the queue, now that two clients wait).
    waitFor(admission, "b", order);
    waitFor(admission, "b", order);
    awaitQueued(admission, 6);
    assertEquals(
        Admission.Shed.QUEUE_FULL,
        assertThrows(Admission.Rejected.class, () -> admission.acquire("b")).reason());
    assertEquals(
        Admission.Shed.QUEUE_FULL,
        assertThrows(Admission.Rejected.class, () -> admission.acquire("a")).reason());
    held.close();
  }

  @Test
  void refusesLimitsThatCannotWork() {
    assertThrows(IllegalArgumentException.class, () -> new Admission(0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new Admission(1, -1, 1));
  }

  /** A call that, once admitted, reports its client and slot (held until the test frees it). */
  private void waitFor(
      Admission admission, String client, BlockingQueue<Map.Entry<String, Admission.Permit>> out) {
    threads.submit(
        () -> {
          Admission.Permit p = admission.acquire(client);
          out.add(Map.entry(client, p));
          return p;
        });
  }

  private static void awaitQueued(Admission admission, int n) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (admission.queued() != n && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    assertEquals(n, admission.queued());
  }
}
