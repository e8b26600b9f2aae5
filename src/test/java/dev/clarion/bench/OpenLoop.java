package dev.clarion.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The open-loop load generator: sends at a fixed rate whatever the answers, and measures each
 * call's latency from its <em>scheduled</em> send time, so a server that falls behind cannot hide
 * its queue (no coordinated omission). One Vert.x event loop sends and reads everything over a pool
 * of at most {@code connections} keep-alive connections, as an EHR's connection pool would: a call
 * that finds every connection busy waits for one, and that wait counts. A timer every millisecond
 * sends every call whose time has come.
 *
 * <p>It costs a fraction of the JDK's {@code java.net.http} client per call (which also opened a
 * connection for every call it could not place): on two cores shared with the server, a generator
 * that needs a core of its own at 3,000 calls per second measures itself, not the server.
 */
final class OpenLoop {

  /** One call to send: its port and path on 127.0.0.1, body and bearer token (null: unsigned). */
  record Call(int port, String path, byte[] body, String token) {}

  /** Where the calls come from: null once none are left (e.g. the signed tokens ran out). */
  interface Calls {
    Call next();
  }

  /** The phase's answers: 200s and 503s with their latency, and the count of everything else. */
  record Answers(Histogram ok, Histogram shed, long sent, long other, double seconds) {}

  private OpenLoop() {}

  static Answers run(Calls calls, int rate, int seconds, int connections)
      throws InterruptedException {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    try {
      HttpClient http =
          vertx.createHttpClient(
              new HttpClientOptions().setKeepAlive(true).setConnectTimeout(2_000),
              new PoolOptions().setHttp1MaxSize(connections));
      Phase phase = new Phase(http, calls, rate, (long) rate * seconds);
      vertx.runOnContext(v -> phase.start(vertx));
      // Whatever is still outstanding a minute after the last send counts as failed.
      phase.done.await(seconds + 60L, TimeUnit.SECONDS);
      // Read on the event loop (the one thread that writes them).
      CompletableFuture<Answers> answers = new CompletableFuture<>();
      vertx.runOnContext(v -> answers.complete(phase.answers()));
      return answers.join();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  /** The state of one phase; touched only on the event loop. */
  private static final class Phase {
    final HttpClient http;
    final Calls calls;
    final long period;
    final long total;
    final Histogram ok = new Histogram(3_600_000_000L, 3);
    final Histogram shed = new Histogram(3_600_000_000L, 3);
    final CountDownLatch done = new CountDownLatch(1);
    long start;
    long sent;
    long answered;
    long other;
    boolean sending = true;
    long timer;

    Phase(HttpClient http, Calls calls, int rate, long total) {
      this.http = http;
      this.calls = calls;
      this.period = 1_000_000_000L / rate;
      this.total = total;
    }

    void start(Vertx vertx) {
      start = System.nanoTime();
      timer = vertx.setPeriodic(1, 1, id -> tick(vertx));
    }

    /** Sends every call whose scheduled time has come. */
    void tick(Vertx vertx) {
      long now = System.nanoTime();
      while (sending && sent < total && start + sent * period <= now) {
        Call call = calls.next();
        if (call == null) {
          System.out.println("  tokens ran out: phase stopped early");
          sending = false;
          break;
        }
        send(call, start + sent * period);
        sent++;
      }
      if (!sending || sent == total) {
        vertx.cancelTimer(timer);
        sending = false;
        finishIfDone();
      }
    }

    void send(Call call, long scheduled) {
      http.request(HttpMethod.POST, call.port(), "127.0.0.1", call.path())
          .compose(
              request -> {
                request.putHeader("Content-Type", "application/json");
                if (call.token() != null) {
                  request.putHeader("Authorization", "Bearer " + call.token());
                }
                return request.send(Buffer.buffer(call.body()));
              })
          .compose(response -> response.body().map(b -> response.statusCode()))
          .onComplete(
              result -> {
                long micros = (System.nanoTime() - scheduled) / 1000;
                int status = result.succeeded() ? result.result() : -1;
                if (status == 200) {
                  ok.recordValue(micros);
                } else if (status == 503) {
                  shed.recordValue(micros);
                } else {
                  other++;
                }
                answered++;
                finishIfDone();
              });
    }

    void finishIfDone() {
      if (!sending && answered == sent) {
        done.countDown();
      }
    }

    Answers answers() {
      double seconds = (System.nanoTime() - start) / 1e9;
      // Calls never answered (the minute ran out) count as failed.
      return new Answers(ok.copy(), shed.copy(), sent, other + (sent - answered), seconds);
    }
  }
}
