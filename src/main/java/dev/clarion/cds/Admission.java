package dev.clarion.cds;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admission control for service calls: at most {@code maxConcurrent} calls run at once; a call that
 * finds them all taken waits at most {@code maxWait} in a short queue, and is otherwise turned away
 * at once (the caller answers 503 with {@code Retry-After}) instead of queueing without bound.
 *
 * <p>Fair between clients: a freed slot goes to the waiting clients in turn (round robin), not to
 * whoever sent most; and a client may hold at most its share of the queue ({@code maxQueued}
 * divided by the clients waiting), so one client's burst cannot fill it for the others. The key is
 * the authenticated client, never the address (clients behind one gateway share it). Work
 * conserving: a client alone may use every slot.
 *
 * <p>Thread-safe. Pure bookkeeping: no clock of its own beyond the wait, no framework.
 */
public final class Admission {

  /** Why a call was turned away. */
  public enum Shed {
    /** Every slot taken and the client's share of the queue full. */
    QUEUE_FULL,
    /** Waited {@code maxWait} without a slot freeing. */
    WAIT_TIMEOUT;

    /** The metric tag. */
    public String tag() {
      return name().toLowerCase().replace('_', '-');
    }
  }

  /** A call turned away; answered 503 with {@code Retry-After}. */
  public static final class Rejected extends Exception {
    private final Shed reason;

    Rejected(Shed reason) {
      super(reason.tag(), null, false, false);
      this.reason = reason;
    }

    public Shed reason() {
      return reason;
    }
  }

  /** A held slot; closing it (once) frees it for the next waiting call. */
  public interface Permit extends AutoCloseable {
    @Override
    void close();
  }

  private static final class Client {
    final String key;
    int running;
    final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

    Client(String key) {
      this.key = key;
    }
  }

  private static final class Waiter {
    final Client client;
    final CompletableFuture<Void> granted = new CompletableFuture<>();

    Waiter(Client client) {
      this.client = client;
    }
  }

  private final int maxConcurrent;
  private final int maxQueued;
  private final long maxWaitNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Client> clients = new HashMap<>();

  /** Clients with waiting calls, in the order their turn comes. */
  private final ArrayDeque<Client> turns = new ArrayDeque<>();

  private int running;
  private int queued;

  /**
   * @param maxConcurrent calls running at once (at least 1)
   * @param maxQueued calls waiting for a slot, shared fairly between clients (0: none wait)
   * @param maxWaitMillis longest wait for a slot
   */
  public Admission(int maxConcurrent, int maxQueued, long maxWaitMillis) {
    if (maxConcurrent < 1 || maxQueued < 0 || maxWaitMillis < 0) {
      throw new IllegalArgumentException("maxConcurrent >= 1, maxQueued >= 0, maxWaitMillis >= 0");
    }
    this.maxConcurrent = maxConcurrent;
    this.maxQueued = maxQueued;
    this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
  }

  /**
   * Takes a slot for a call of this client, waiting at most the configured time.
   *
   * @param clientKey the authenticated client (registration id), or a fixed key for the loopback
   *     caller
   * @throws Rejected when no slot is free in time
   */
  public Permit acquire(String clientKey) throws Rejected {
    Waiter waiter;
    lock.lock();
    try {
      Client client = clients.computeIfAbsent(clientKey, Client::new);
      if (running < maxConcurrent && queued == 0) {
        return grant(client);
      }
      if (!mayQueue(client)) {
        forgetIfIdle(client);
        throw new Rejected(Shed.QUEUE_FULL);
      }
      waiter = new Waiter(client);
      if (client.waiting.isEmpty()) {
        turns.addLast(client);
      }
      client.waiting.addLast(waiter);
      queued++;
    } finally {
      lock.unlock();
    }
    return await(waiter);
  }

  /**
   * A client may queue while it holds fewer than its share of the queue (the queue divided between
   * the clients waiting, itself included). A client arriving when others fill the queue still gets
   * its share, so the queue may overflow, but never to twice {@code maxQueued}.
   */
  private boolean mayQueue(Client client) {
    if (maxQueued == 0 || maxWaitNanos == 0) {
      return false;
    }
    int waitingClients = turns.size() + (client.waiting.isEmpty() ? 1 : 0);
    int share = Math.max(1, ceilDiv(maxQueued, waitingClients));
    return client.waiting.size() < share && queued < 2 * maxQueued;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private Permit await(Waiter waiter) throws Rejected {
    try {
      waiter.granted.get(maxWaitNanos, TimeUnit.NANOSECONDS);
      return permit(waiter.client);
    } catch (TimeoutException | InterruptedException | ExecutionException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      lock.lock();
      try {
        if (waiter.granted.isDone()) {
          return permit(waiter.client); // granted just as the wait ended
        }
        if (waiter.client.waiting.remove(waiter)) {
          queued--;
          if (waiter.client.waiting.isEmpty()) {
            turns.remove(waiter.client);
          }
        }
        forgetIfIdle(waiter.client);
      } finally {
        lock.unlock();
      }
      throw new Rejected(Shed.WAIT_TIMEOUT);
    }
  }

  private Permit grant(Client client) {
    running++;
    client.running++;
    return permit(client);
  }

  private Permit permit(Client client) {
    return new Permit() {
      private boolean closed;

      @Override
      public void close() {
        lock.lock();
        try {
          if (closed) {
            return;
          }
          closed = true;
          running--;
          client.running--;
          handOver();
          forgetIfIdle(client);
        } finally {
          lock.unlock();
        }
      }
    };
  }

  /** A slot freed: the next client in turn gets it for its oldest waiting call. */
  private void handOver() {
    while (running < maxConcurrent && !turns.isEmpty()) {
      Client next = turns.pollFirst();
      Waiter w = next.waiting.pollFirst();
      queued--;
      if (!next.waiting.isEmpty()) {
        turns.addLast(next);
      }
      running++;
      next.running++;
      w.granted.complete(null);
    }
  }

  private void forgetIfIdle(Client client) {
    if (client.running == 0 && client.waiting.isEmpty()) {
      clients.remove(client.key);
    }
  }

  /** Calls running now. */
  public int running() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }

  /** Calls waiting for a slot now. */
  public int queued() {
    lock.lock();
    try {
      return queued;
    } finally {
      lock.unlock();
    }
  }
}
