package dev.clarion.error;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.Map;

/**
 * NUL characters in JSON input. PostgreSQL cannot store U+0000 in text or jsonb, so a request
 * holding one could never be recorded: callers refuse it as a client error up front. Stateless.
 */
public final class JsonStrings {

  private JsonStrings() {}

  /**
   * Whether a JSON body may hold a NUL: JSON can carry one only as the escape {@code \u0000}. A
   * cheap scan of the bytes, so the tree is walked ({@link #hasNul}) only when it says yes.
   */
  public static boolean mayHoldNul(byte[] body) {
    int i = 0;
    // Eight bytes at a time, looking closer only at words holding a backslash (the "has a zero
    // byte" test on the word XOR eight backslashes): the body is 100 kB and rarely has one.
    for (; i + Long.BYTES <= body.length; i += Long.BYTES) {
      long x = (long) LONGS.get(body, i) ^ BACKSLASHES;
      if (((x - 0x0101010101010101L) & ~x & 0x8080808080808080L) != 0) {
        for (int j = i; j < i + Long.BYTES; j++) {
          if (escapedNul(body, j)) {
            return true;
          }
        }
      }
    }
    for (; i < body.length; i++) {
      if (escapedNul(body, i)) {
        return true;
      }
    }
    return false;
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

  private static boolean escapedNul(byte[] body, int i) {
    return i + 5 < body.length
        && body[i] == '\\'
        && body[i + 1] == 'u'
        && body[i + 2] == '0'
        && body[i + 3] == '0'
        && body[i + 4] == '0'
        && body[i + 5] == '0';
  }

  /** Whether any string value or field name of the tree holds a NUL. */
  public static boolean hasNul(JsonNode node) {
    if (node == null) {
      return false;
    }
    if (node.isTextual()) {
      return node.asText().indexOf('\0') >= 0;
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().indexOf('\0') >= 0 || hasNul(e.getValue())) {
          return true;
        }
      }
    } else if (node.isArray()) {
      for (JsonNode child : node) {
        if (hasNul(child)) {
          return true;
        }
      }
    }
    return false;
  }
}
