package dev.clarion.error;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;

/**
 * Every documented error answer of the OpenAPI document is an OperationOutcome ({@code
 * application/fhir+json}) unless it says otherwise — except 401 and 403 of CDS clients and staff,
 * which are bare (no body). Registered with {@code mp.openapi.filter}.
 */
public class OpenApiErrors implements OASFilter {

  static final String OPERATION_OUTCOME = "#/components/schemas/OperationOutcome";

  @Override
  public void filterOpenAPI(org.eclipse.microprofile.openapi.models.OpenAPI openAPI) {
    if (openAPI.getPaths() == null) {
      return;
    }
    openAPI
        .getPaths()
        .getPathItems()
        .values()
        .forEach(
            item ->
                item.getOperations()
                    .values()
                    .forEach(
                        op -> {
                          if (op.getResponses() == null) {
                            return;
                          }
                          op.getResponses()
                              .getAPIResponses()
                              .forEach(
                                  (code, r) -> {
                                    boolean error = code.startsWith("4") || code.startsWith("5");
                                    boolean bare = code.equals("401") || code.equals("403");
                                    if (error && !bare && r.getContent() == null) {
                                      r.setContent(
                                          OASFactory.createContent()
                                              .addMediaType(
                                                  "application/fhir+json",
                                                  OASFactory.createMediaType()
                                                      .schema(
                                                          OASFactory.createSchema()
                                                              .ref(OPERATION_OUTCOME))));
                                    }
                                  });
                        }));
  }
}
