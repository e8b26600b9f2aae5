package dev.clarion.error;

import java.nio.file.Path;

/**
 * A data file (service definition, model descriptor, model card) is invalid. Thrown at start-up so
 * the server refuses to run; the message names the file and the field.
 */
public class DefinitionException extends RuntimeException {

  public DefinitionException(Path file, String field, String problem) {
    super(file + ": field '" + field + "' " + problem);
  }

  public DefinitionException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
