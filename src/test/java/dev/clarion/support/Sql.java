package dev.clarion.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** Direct database access for tests: reading one value, and tampering as a superuser would. */
public final class Sql {

  private Sql() {}

  /** The first column of the first row, as text. */
  public static String single(DataSource db, String sql) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * One column (an SQL expression over table {@code decision}) of the decision a CDS request made,
   * found by its hookInstance.
   */
  public static String decision(
      DataSource db, com.fasterxml.jackson.databind.JsonNode request, String column)
      throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("select " + column + " from decision where hook_instance = ?")) {
      ps.setString(1, request.get("hookInstance").asText());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /**
   * Runs statements with triggers off for the session ({@code session_replication_role = replica}),
   * as an attacker with database superuser rights could: the append-only triggers do not stop it,
   * the hash chain must show it.
   */
  public static void asSuperuser(DataSource db, String... statements) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("set session_replication_role = replica");
      try {
        for (String sql : statements) {
          s.execute(sql);
        }
      } finally {
        s.execute("set session_replication_role = origin");
      }
    }
  }
}
