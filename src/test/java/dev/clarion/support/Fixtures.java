package dev.clarion.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.UUID;

/** Test fixtures under {@code src/test/resources}. */
public final class Fixtures {

  public static final ObjectMapper JSON = new ObjectMapper();

  private Fixtures() {}

  public static ObjectNode json(String resource) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/" + resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + resource);
      }
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy of a request fixture with a fresh hookInstance, so records can be told apart. */
  public static ObjectNode request(String resource) {
    ObjectNode request = json(resource);
    request.put("hookInstance", UUID.randomUUID().toString());
    return request;
  }

  public static String text(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
