package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Started as the README runs it ({@code -XX:ThreadPriorityPolicy=1}), the worker thread that
 * answered a service call runs at nice 4 and the event loops stay at nice 0: on a busy CPU the
 * event loops (the gate's 503s, bodies, probes) get a core first. Read from {@code /proc}, as the
 * kernel schedules them: a JVM without the flag keeps Java priorities to itself. Run as root (as CI
 * runs it), it also shows that no thread is raised above nice 0.
 */
class WorkerPriorityTest {

  @Test
  void theWorkerThatAnsweredACallYieldsToTheEventLoops() throws Exception {
    Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "embedded-pg-");
    try (ClarionProcess clarion =
        ClarionProcess.start("clarion-priority", List.of("clarion.embedded-db.dir=" + data))) {
      Map<String, List<Integer>> before = niceByThread(clarion.process.pid());
      assertTrue(
          before.getOrDefault("executor-thread", List.of()).stream().allMatch(n -> n == 0),
          "no worker has answered a call yet: " + before);

      // The embedded run answers an unsigned call from loopback.
      HttpResponse<String> call =
          ClarionProcess.HTTP.send(
              HttpRequest.newBuilder(URI.create(clarion.url("/cds-services/ascvd-risk")))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofFile(
                          ClarionProcess.ROOT.resolve(
                              "cds-hooks/examples/ascvd-risk-patient-view.json")))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, call.statusCode(), call.body());

      Map<String, List<Integer>> after = niceByThread(clarion.process.pid());
      assertTrue(
          after.getOrDefault("executor-thread", List.of()).contains(4),
          "the worker that answered runs at nice 4: " + after);
      List<Integer> loops = after.get("vert.x-eventloo");
      assertFalse(loops == null || loops.isEmpty(), after.toString());
      assertTrue(loops.stream().allMatch(n -> n == 0), "event loops at nice 0: " + after);
      // Nothing is raised, not even the JVM's own threads (the JIT, the collector) when run as
      // root, where the policy alone would put them at nice -4 ahead of everything else.
      assertTrue(
          after.values().stream().flatMap(List::stream).allMatch(n -> n >= 0),
          "no thread above nice 0: " + after);
      assertEquals(List.of(0), after.get("C2 CompilerThre"), after.toString());
    }
  }

  /** Each thread's nice value by its name as the kernel keeps it (15 characters), sorted. */
  private static Map<String, List<Integer>> niceByThread(long pid) throws IOException {
    Map<String, List<Integer>> nice = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException gone) {
          continue; // the thread ended meanwhile
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        // After the name: state is field 3; nice is field 19.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        nice.computeIfAbsent(name, k -> new ArrayList<>()).add(Integer.parseInt(fields[16]));
      }
    }
    return nice;
  }
}
