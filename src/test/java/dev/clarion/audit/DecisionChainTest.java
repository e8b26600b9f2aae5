package dev.clarion.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.KeycloakTestResource;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Decisions form one hash chain: intact after real (and concurrent) hook calls; an altered, a
 * deleted or a truncated-away record is detected and named; the database refuses updates and
 * deletes from the application.
 */
@QuarkusTest
class DecisionChainTest {

  static final String SCORED = "cds/patient_view_synthea_scored.json";
  static final String PATH = "/cds-services/ascvd-risk";

  @Inject ChainVerifier chain;
  @Inject DataSource db;

  @Test
  void chainOfRealDecisionsVerifiesAndIsServedToAuditors() {
    for (int i = 0; i < 3; i++) {
      post(Fixtures.request(SCORED), 200);
    }
    ObjectNode bad = Fixtures.request(SCORED);
    bad.remove("hook");
    post(bad, 400);

    ChainVerifier.Report report = chain.verify();
    assertTrue(report.intact(), String.valueOf(report.firstBroken()));
    assertTrue(report.verified() >= 4);
    assertEquals(report.headSeq(), report.verified());
    assertEquals(0, report.unchained());

    given()
        .header("Authorization", "Bearer " + KeycloakTestResource.token("aldo", "aldo-password"))
        .get("/audit/chain")
        .then()
        .statusCode(200)
        .body("intact", equalTo(true))
        .body("verified", equalTo((int) report.verified()));
  }

  @Test
  void concurrentDecisionsGetContiguousSeqsAndTheChainHolds() throws Exception {
    long before = chain.verify().headSeq();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> calls = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      calls.add(pool.submit(() -> post(Fixtures.request(SCORED), 200)));
    }
    for (Future<?> call : calls) {
      call.get();
    }
    pool.shutdown();
    ChainVerifier.Report report = chain.verify();
    assertTrue(report.intact(), String.valueOf(report.firstBroken()));
    assertEquals(before + 40, report.headSeq());
  }

  @Test
  void anAlteredRecordIsDetectedAndNamed() throws Exception {
    post(Fixtures.request(SCORED), 200);
    long seq =
        Long.parseLong(
            Sql.single(
                db, "select seq from decision where output is not null order by seq desc limit 1"));
    String original = Sql.single(db, "select output::text from decision where seq = " + seq);
    Sql.asSuperuser(
        db, "update decision set output = jsonb_set(output, '{risk}', '0.01') where seq = " + seq);
    try {
      ChainVerifier.Report report = chain.verify();
      assertFalse(report.intact());
      assertEquals(seq, report.firstBroken().seq());
      assertTrue(report.firstBroken().reason().contains("altered"), report.firstBroken().reason());
    } finally {
      Sql.asSuperuser(
          db,
          "update decision set output = '" + original.replace("'", "''") + "' where seq = " + seq);
    }
    assertTrue(chain.verify().intact(), "restored");
  }

  @Test
  void deletedRecordsAreDetectedInTheMiddleAndAtTheEnd() throws Exception {
    post(Fixtures.request(SCORED), 200);
    post(Fixtures.request(SCORED), 200);
    long head = chain.verify().headSeq();
    for (long seq : new long[] {head - 1, head}) {
      Sql.asSuperuser(
          db,
          "create table saved_decision as select * from decision where seq = " + seq,
          "delete from decision where seq = " + seq);
      try {
        ChainVerifier.Report report = chain.verify();
        assertFalse(report.intact());
        assertEquals(seq, report.firstBroken().seq());
        assertTrue(
            report.firstBroken().reason().contains("missing")
                || report.firstBroken().reason().contains("deleted"),
            report.firstBroken().reason());
      } finally {
        Sql.asSuperuser(
            db, "insert into decision select * from saved_decision", "drop table saved_decision");
      }
    }
    assertTrue(chain.verify().intact(), "restored");
  }

  @Test
  void theDatabaseRefusesUpdatesAndDeletesOfDecisions() throws Exception {
    post(Fixtures.request(SCORED), 200);
    for (String sql :
        List.of(
            "update decision set outcome = 'FAILED' where seq = 1",
            "delete from decision where seq = 1",
            "truncate decision cascade")) {
      SQLException e = refused(sql);
      assertTrue(e.getMessage().contains("append-only"), e.getMessage());
    }
  }

  /** Runs statements on one connection (the test's owner role unless they set another). */
  SQLException refused(String... statements) {
    return assertThrows(
        SQLException.class,
        () -> {
          try (Connection c = db.getConnection();
              Statement s = c.createStatement()) {
            try {
              for (String sql : statements) {
                s.execute(sql);
              }
            } finally {
              s.execute("reset role");
            }
          }
        });
  }

  @Test
  void theDatabaseRefusesTruncatingFeedbackEvenForItsOwner() {
    SQLException e = refused("truncate feedback");
    assertTrue(e.getMessage().contains("append-only"), e.getMessage());
  }

  @Test
  void aRowWithoutAChainPositionIsRefusedForTheAppRole() throws Exception {
    post(Fixtures.request(SCORED), 200);
    // The application role as the README grants it: it may INSERT decisions.
    Sql.asSuperuser(
        db,
        "do $$ begin if not exists (select from pg_roles where rolname = 'clarion_app_probe')"
            + " then create role clarion_app_probe; end if; end $$",
        "grant select, insert on decision to clarion_app_probe");
    SQLException e =
        refused(
            "set role clarion_app_probe",
            "insert into decision (id, recorded_at, service_id, hook, hook_instance,"
                + " outcome, http_status, latency_micros)"
                + " select gen_random_uuid(), now(), service_id, hook, 'forged-' ||"
                + " gen_random_uuid(), outcome, http_status, latency_micros"
                + " from decision order by seq desc limit 1");
    assertEquals("23514", e.getSQLState(), e.getMessage()); // check_violation: decision_chained
    assertTrue(chain.verify().intact());
  }

  @Test
  void aRowOutsideTheChainIsABreak() throws Exception {
    post(Fixtures.request(SCORED), 200);
    // Only by dropping the constraint (the owner) can such a row exist; it must not hide.
    Sql.asSuperuser(
        db,
        "alter table decision drop constraint decision_chained",
        "create table forged as select * from decision order by seq desc limit 1",
        "update forged set id = gen_random_uuid(), seq = null, prev_hash = null, hash = null,"
            + " hook_instance = 'forged'",
        "insert into decision select * from forged",
        "drop table forged");
    try {
      ChainVerifier.Report report = chain.verify();
      assertFalse(report.intact());
      assertEquals(1, report.unchained());
      assertTrue(report.firstBroken().reason().contains("not in the chain"), report.toString());
    } finally {
      Sql.asSuperuser(
          db,
          "delete from decision where hook_instance = 'forged'",
          "alter table decision add constraint decision_chained check (seq is not null and"
              + " prev_hash is not null and hash is not null) not valid");
    }
    assertTrue(chain.verify().intact(), "restored");
  }

  static void post(ObjectNode request, int status) {
    TestEhr.signed(PATH)
        .contentType("application/json")
        .body(Fixtures.text(request))
        .post(PATH)
        .then()
        .statusCode(status);
  }

  /**
   * Tampering as an attacker with database superuser rights would: triggers off for the session.
   */
}
